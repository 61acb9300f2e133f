from django.urls import path

from notes import feeds
from notes.views import browse, community, editing, notes, papers, revisions

urlpatterns = [
    path("", browse.index, name="index"),
    path("search/", browse.search_view, name="search"),
    path("tags/", browse.tag_index, name="tags"),
    path("tags/autocomplete/", browse.tag_autocomplete, name="tag_autocomplete"),
    path("tags/<str:tag>/", browse.tag_detail, name="tag"),
    path("papers/", papers.paper_list, name="paper_list"),
    path("papers/new/", papers.paper_new, name="paper_new"),
    path("papers/<int:pk>/", papers.paper_detail, name="paper"),
    path("papers/<int:pk>/edit/", papers.paper_edit, name="paper_edit"),
    path("papers/<int:pk>/history/", papers.paper_history, name="paper_history"),
    path("papers/<int:pk>/write/", papers.note_write, name="note_write"),
    path("papers/<int:pk>/rate/", community.paper_rate_view, name="paper_rate"),
    path("n/preview/", editing.note_preview, name="note_preview"),
    path("n/<int:pk>/", notes.note_detail, name="note"),
    path("n/<int:pk>/edit/", notes.note_edit, name="note_edit"),
    path("n/<int:pk>/vote/", community.note_vote_view, name="note_vote"),
    path("n/<int:pk>/print/", notes.note_print, name="note_print"),
    path("n/<int:pk>/delete/", notes.note_delete, name="note_delete"),
    path("n/<int:pk>/restore/", notes.note_restore_view, name="note_restore"),
    path("n/<int:pk>/history/", revisions.history, name="note_history"),
    path("n/<int:pk>/compare/", revisions.compare, name="note_compare"),
    path("n/<int:pk>/r/<int:rev>/", revisions.revision, name="note_revision"),
    path("n/<int:pk>/diff/<int:a>/<int:b>/", revisions.diff, name="note_diff"),
    path("n/<int:pk>/revert/<int:rev>/", revisions.revert, name="note_revert"),
    path("health/", notes.health, name="health"),
    path("trash/", notes.trash, name="trash"),
    path("feeds/notes/", feeds.all_notes_feed, name="feed_notes"),
    path("feeds/tags/<str:tag>/", feeds.tag_feed, name="feed_tag"),
    path("feeds/users/<str:username>/", feeds.user_feed, name="feed_user"),
    path("feeds/search/", feeds.search_feed, name="feed_search"),
]

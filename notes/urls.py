from django.urls import path, register_converter

from notes import feeds
from notes.views import (
    browse,
    comments,
    community,
    editing,
    exchange,
    follows,
    inbox,
    lookup,
    moderation,
    notes,
    papers,
    revisions,
)
from papernotes.numbers import IdConverter, RevisionConverter

# Every number in a path is an id or a revision number within its column's range; a path
# with any other number does not match, so it is a 404 before a view runs.
register_converter(IdConverter, "id")
register_converter(RevisionConverter, "rev")

app_name = "notes"

urlpatterns = [
    path("", browse.index, name="index"),
    path("search/", browse.search_view, name="search"),
    path("tags/", browse.tag_index, name="tags"),
    path("tags/autocomplete/", browse.tag_autocomplete, name="tag_autocomplete"),
    path("tags/<str:tag>/", browse.tag_detail, name="tag"),
    path("tags/<str:tag>/follow/", follows.follow_tag, name="follow_tag"),
    path("u/<str:username>/", browse.user_notes, name="profile"),
    path("u/<str:username>/follow/", follows.follow_user, name="follow_user"),
    path("papers/<id:pk>/follow/", follows.follow_paper, name="follow_paper"),
    path("following/", follows.following, name="following"),
    path("papers/", papers.paper_list, name="paper_list"),
    path("papers/new/", papers.paper_new, name="paper_new"),
    path("papers/<id:pk>/cite.<str:fmt>", exchange.export_paper, name="export_paper"),
    path("export/notes.<str:fmt>", exchange.export_notes, name="export_notes"),
    path("export/papers.<str:fmt>", exchange.export_papers, name="export_papers"),
    path("import/bibtex/", exchange.bibtex_import_view, name="bibtex_import"),
    path("my-notes/download/", exchange.notes_download, name="notes_download"),
    path("my-notes/import/", exchange.notes_import_view, name="notes_import"),
    path("imports/<id:pk>/", exchange.import_status, name="import_status"),
    path("papers/lookup/", lookup.paper_lookup, name="paper_lookup"),
    path("papers/<id:pk>/refresh/", lookup.paper_refresh_view, name="paper_refresh"),
    path("papers/<id:pk>/", papers.paper_detail, name="paper"),
    path("papers/<id:pk>/edit/", papers.paper_edit, name="paper_edit"),
    path("papers/<id:pk>/history/", papers.paper_history, name="paper_history"),
    path("papers/<id:pk>/write/", papers.note_write, name="note_write"),
    path("papers/<id:pk>/rate/", community.paper_rate_view, name="paper_rate"),
    path("n/preview/", editing.note_preview, name="note_preview"),
    path("n/<id:pk>/", notes.note_detail, name="note"),
    path("n/<id:pk>/edit/", notes.note_edit, name="note_edit"),
    path("n/<id:pk>/vote/", community.note_vote_view, name="note_vote"),
    path("n/<id:pk>/print/", notes.note_print, name="note_print"),
    path("n/<id:pk>/delete/", notes.note_delete, name="note_delete"),
    path("n/<id:pk>/restore/", notes.note_restore_view, name="note_restore"),
    path("n/<id:pk>/history/", revisions.history, name="note_history"),
    path("n/<id:pk>/compare/", revisions.compare, name="note_compare"),
    path("n/<id:pk>/r/<rev:rev>/", revisions.revision, name="note_revision"),
    path("n/<id:pk>/diff/<rev:a>/<rev:b>/", revisions.diff, name="note_diff"),
    path("n/<id:pk>/revert/<rev:rev>/", revisions.revert, name="note_revert"),
    path("n/<id:pk>/comments/", comments.comment_create, name="comment_create"),
    path("n/<id:pk>/mute/", comments.thread_mute, name="thread_mute"),
    path("n/<id:pk>/flag/", moderation.flag_note, name="flag_note"),
    path("n/<id:pk>/c/<id:comment_pk>/flag/", moderation.flag_comment, name="flag_comment"),
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/act/", moderation.act, name="moderation_act"),
    path("n/<id:pk>/c/<id:comment_pk>/edit/", comments.comment_edit_view, name="comment_edit"),
    path(
        "n/<id:pk>/c/<id:comment_pk>/delete/",
        comments.comment_delete_view,
        name="comment_delete",
    ),
    path(
        "n/<id:pk>/c/<id:comment_pk>/remove/",
        comments.comment_remove_view,
        name="comment_remove",
    ),
    path(
        "n/<id:pk>/c/<id:comment_pk>/history/",
        comments.comment_history,
        name="comment_history",
    ),
    path("notifications/", inbox.inbox, name="notifications"),
    path("notifications/read/", inbox.notifications_mark_read, name="notifications_read"),
    path("notifications/settings/", inbox.notification_settings, name="notification_settings"),
    path("notifications/<id:pk>/", inbox.notification_open, name="notification_open"),
    path("trash/", notes.trash, name="trash"),
    path("feeds/notes/", feeds.all_notes_feed, name="feed_notes"),
    path("feeds/tags/<str:tag>/", feeds.tag_feed, name="feed_tag"),
    path("feeds/users/<str:username>/", feeds.user_feed, name="feed_user"),
    path("feeds/search/", feeds.search_feed, name="feed_search"),
]

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.errors import not_found
from api.views import community, notes, papers

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("me/", community.me, name="me"),
    path("papers/", papers.papers, name="papers"),
    path("papers/<id:pk>/", papers.paper, name="paper"),
    path("papers/<id:pk>/rating/", community.paper_rating, name="paper_rating"),
    path("notes/", notes.notes, name="notes"),
    path("notes/<id:pk>/", notes.note, name="note"),
    path("notes/<id:pk>/restore/", notes.note_restore, name="note_restore"),
    path("notes/<id:pk>/vote/", community.note_vote, name="note_vote"),
    path("notes/<id:pk>/revisions/", notes.revisions, name="revisions"),
    path("notes/<id:pk>/revisions/<rev:rev>/", notes.revision, name="revision"),
    path(
        "notes/<id:pk>/revisions/<rev:rev>/revert/",
        notes.revision_revert,
        name="revision_revert",
    ),
    path("notes/<id:pk>/diff/<rev:a>/<rev:b>/", notes.revision_diff, name="diff"),
    path("notes/<id:pk>/comments/", community.comments, name="comments"),
    path("notes/<id:pk>/comments/<id:comment_pk>/", community.comment, name="comment"),
    path("deleted/", community.deleted, name="deleted"),
    path("tags/", community.tags, name="tags"),
    path("search/", community.search_notes, name="search"),
    path("follows/", community.follows, name="follows"),
    path("notifications/", community.notifications, name="notifications"),
    path("notifications/read/", community.notifications_read, name="notifications_read"),
    re_path(r"^.*$", not_found),
]

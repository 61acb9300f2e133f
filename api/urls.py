from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.errors import not_found
from api.views import community, notes, papers

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("me/", community.me, name="api_me"),
    path("papers/", papers.papers, name="api_papers"),
    path("papers/<id:pk>/", papers.paper, name="api_paper"),
    path("papers/<id:pk>/rating/", community.paper_rating, name="api_paper_rating"),
    path("notes/", notes.notes, name="api_notes"),
    path("notes/<id:pk>/", notes.note, name="api_note"),
    path("notes/<id:pk>/restore/", notes.note_restore, name="api_note_restore"),
    path("notes/<id:pk>/vote/", community.note_vote, name="api_note_vote"),
    path("notes/<id:pk>/revisions/", notes.revisions, name="api_revisions"),
    path("notes/<id:pk>/revisions/<rev:rev>/", notes.revision, name="api_revision"),
    path(
        "notes/<id:pk>/revisions/<rev:rev>/revert/",
        notes.revision_revert,
        name="api_revision_revert",
    ),
    path("notes/<id:pk>/diff/<rev:a>/<rev:b>/", notes.revision_diff, name="api_diff"),
    path("notes/<id:pk>/comments/", community.comments, name="api_comments"),
    path("notes/<id:pk>/comments/<id:comment_pk>/", community.comment, name="api_comment"),
    path("deleted/", community.deleted, name="api_deleted"),
    path("tags/", community.tags, name="api_tags"),
    path("search/", community.search_notes, name="api_search"),
    path("follows/", community.follows, name="api_follows"),
    path("notifications/", community.notifications, name="api_notifications"),
    path("notifications/read/", community.notifications_read, name="api_notifications_read"),
    re_path(r"^.*$", not_found),
]

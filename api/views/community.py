"""Comments, tags, search, votes, ratings, follows, notifications and the current user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from api import access, sync
from api.errors import ApiProblem
from api.pagination import Cursor, paginated
from api.permissions import LoggedIn, TokenScope
from api.serializers import (
    NOTE_VALUES,
    CommentEditSerializer,
    CommentSerializer,
    CommentWriteSerializer,
    FollowOutSerializer,
    FollowSerializer,
    MarkReadSerializer,
    MeSerializer,
    NoteSerializer,
    NotificationSerializer,
    RatingResultSerializer,
    RatingSerializer,
    TagCountSerializer,
    VoteResultSerializer,
    VoteSerializer,
)
from api.views.common import int_param, refused_as_problems
from notes import services, visibility
from notes.models import Comment, Follow, Note, Notification
from notes.selectors import browse, search

# ---------------------------------------------------------------------------- comments


@extend_schema(
    methods=["GET"],
    parameters=[
        OpenApiParameter(
            "since", sync.VERSION_SCHEMA, description="Only comments changed after it."
        )
    ],
    responses=CommentSerializer(many=True),
)
@extend_schema(methods=["POST"], request=CommentWriteSerializer, responses={201: CommentSerializer})
@api_view(["GET", "POST"])
def comments(request: Request, pk: int) -> Response:
    """A note's thread, oldest first (deleted comments keep their place without text), or
    a new comment on it (a reply with ``parent``)."""
    if request.method == "GET":
        note = access.note_for(request.user, pk)
        thread = (
            Comment.objects.filter(note=note).select_related("author").order_by("created", "id")
        )
        shown = [c for c in thread if not visibility.comment_hidden_from(c, request.user)]
        return Response(CommentSerializer(shown, many=True).data)
    note = access.commentable_note(request.user, pk)
    data = CommentWriteSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    parent = None
    if "parent" in data.validated_data:
        parent = access.comment_for(request.user, note, data.validated_data["parent"])
    comment = refused_as_problems(
        lambda: services.comment_post(
            note=note, author=request.user, body=data.validated_data["body"], parent=parent
        )
    )
    return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses=CommentSerializer)
@extend_schema(methods=["PATCH"], request=CommentEditSerializer, responses=CommentSerializer)
@extend_schema(methods=["DELETE"], responses=CommentSerializer)
@api_view(["GET", "PATCH", "DELETE"])
def comment(request: Request, pk: int, comment_pk: int) -> Response:
    """One comment; its author edits or deletes it, the note's author or staff remove it."""
    note = access.note_for(request.user, pk)
    if request.method == "GET":
        return Response(CommentSerializer(access.comment_for(request.user, note, comment_pk)).data)
    if request.method == "PATCH":
        found = access.comment_for(request.user, note, comment_pk, action="edit")
        data = CommentEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        edited = refused_as_problems(
            lambda: services.comment_edit(
                comment=found, user=request.user, body=data.validated_data["body"]
            )
        )
        return Response(CommentSerializer(edited).data)
    found = access.comment_for(request.user, note, comment_pk, action="read")
    if found.is_deleted:
        raise ApiProblem(status.HTTP_404_NOT_FOUND, "This comment was deleted.")
    if found.author_id == request.user.pk:
        taken_down = services.comment_delete(comment=found)
    else:
        found = access.comment_for(request.user, note, comment_pk, action="remove")
        taken_down = services.comment_remove(comment=found, user=request.user)
    return Response(CommentSerializer(taken_down).data)


# -------------------------------------------------------------------------------- tags

_TAG_COUNTS_SQL = (
    "SELECT tag, count(*) AS n FROM notes_note, unnest(tag_names) AS tag"
    " WHERE {where} AND tag LIKE %s GROUP BY tag ORDER BY n DESC, tag LIMIT %s"
)
MAX_TAGS_LISTED = 1000


def _tag_counts(reader: Any, prefix: str, limit: int) -> list[dict[str, Any]]:
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = _TAG_COUNTS_SQL.format(where=visibility.notes_sql())
    with connection.cursor() as cursor:
        cursor.execute(sql, [visibility.reader_id(reader), like, limit])
        return [{"name": name, "count": count} for name, count in cursor.fetchall()]


@extend_schema(
    parameters=[OpenApiParameter("prefix", str, description="Tags starting with this.")],
    responses=TagCountSerializer(many=True),
)
@api_view(["GET"])
def tags(request: Request) -> Response:
    """Tags of the notes the reader may read, with how many carry each, most used first;
    with ``prefix``, the first ten that start with it (autocomplete)."""
    prefix = request.query_params.get("prefix", "").strip().lower().lstrip("#")
    prefix = prefix.replace("\x00", "")[:100]
    counts = _tag_counts(request.user, prefix, 10 if prefix else MAX_TAGS_LISTED)
    return Response(TagCountSerializer(counts, many=True).data)


# ------------------------------------------------------------------------------ search

SEARCH_PAGE_SIZE = 20
MAX_SEARCH_PAGE = 50


@extend_schema(
    parameters=[
        OpenApiParameter(
            "q", str, required=True, description='Words, "phrases", -word, tag:x, user:y.'
        ),
        OpenApiParameter("page", int),
    ],
    responses=inline_serializer(
        "SearchResults",
        {
            "page": serializers.IntegerField(),
            "has_next": serializers.BooleanField(),
            "results": NoteSerializer(many=True),
        },
    ),
)
@api_view(["GET"])
def search_notes(request: Request) -> Response:
    """The site's search, in its order: notes whose title, tags or authors match first,
    then those that match in their text, newest first within each."""
    parsed = search.parse_query(request.query_params.get("q", ""))
    page = int_param(request.query_params.get("page"), default=1, low=1, high=MAX_SEARCH_PAGE)
    assert page is not None
    # A reader without notes that only they may read searches the public list, as on the
    # site: its statements use the public notes' own indexes (``browse.list_reader``).
    reader = browse.list_reader(request.user)

    def listed(notes: QuerySet[Note]) -> QuerySet[Note]:
        for tag in parsed.tags:
            notes = notes.filter(tag_names__contains=[tag])
        for name in parsed.users:
            notes = notes.filter(author__username__iexact=name)
        return notes

    base = listed(Note.objects.visible_to(reader))
    start = (page - 1) * SEARCH_PAGE_SIZE
    stop = start + SEARCH_PAGE_SIZE + 1
    if parsed.is_empty:
        ids: list[int] = []
    elif parsed.text:
        public = None
        if visibility.reader_id(reader) is not None:
            public = listed(Note.objects.visible_to(AnonymousUser()))
        ids = search.RelevanceWindow(base, parsed.text, public=public).ids(start, stop)
    else:
        ids = list(base.order_by("-modified", "-id").values_list("id", flat=True)[start:stop])
    # Read as rows, not as a note, a paper and an author each (``NoteSerializer``).
    found = {
        row["id"]: row
        for row in Note.objects.filter(pk__in=ids[:SEARCH_PAGE_SIZE]).values(*NOTE_VALUES)
    }
    results = [found[pk] for pk in ids[:SEARCH_PAGE_SIZE] if pk in found]
    return Response(
        {
            "page": page,
            "has_next": len(ids) > SEARCH_PAGE_SIZE and page < MAX_SEARCH_PAGE,
            "results": NoteSerializer(results, many=True).data,
        }
    )


# ------------------------------------------------------------------------ votes, ratings


@extend_schema(request=VoteSerializer, responses=VoteResultSerializer)
@api_view(["PUT"])
@permission_classes([TokenScope, LoggedIn])
def note_vote(request: Request, pk: int) -> Response:
    """Set (``true``) or take back (``false``) the reader's vote for a note."""
    note = access.note_for(request.user, pk)
    if note.in_trash:
        raise ApiProblem(status.HTTP_404_NOT_FOUND, "No such note.")
    data = VoteSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    vote = data.validated_data["vote"]
    count = services.note_vote(note=note, user=request.user, vote=vote)
    return Response({"vote": vote, "vote_count": count})


@extend_schema(request=RatingSerializer, responses=RatingResultSerializer)
@api_view(["PUT"])
@permission_classes([TokenScope, LoggedIn])
def paper_rating(request: Request, pk: int) -> Response:
    """Rate a paper from 1 to 5 stars, or take the rating back with ``null``."""
    paper = access.paper_for(pk)
    data = RatingSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    stars = data.validated_data["stars"]
    totals: Any = services.paper_rate(paper=paper, user=request.user, stars=stars)
    return Response(
        {"stars": stars, "rating_count": totals.count, "rating_average": totals.average}
    )


# ----------------------------------------------------------------------------- follows


def _follow_out(follow: Follow) -> dict[str, Any]:
    return {
        "id": follow.pk,
        "tag": follow.tag,
        "user": follow.followed_user.username if follow.followed_user_id else None,
        "paper": follow.paper_id,
        "created": follow.created,
    }


def _follow_target(request: Request) -> dict[str, Any]:
    data = FollowSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = data.validated_data
    if fields.get("tag"):
        try:
            tags = services.note_tags(fields["tag"])
        except ValueError as exc:
            raise ApiProblem(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
        if len(tags) != 1:
            raise ApiProblem(status.HTTP_400_BAD_REQUEST, "Follow one tag at a time.")
        return {"tag": tags[0]}
    if fields.get("user"):
        user = User.objects.filter(username__iexact=fields["user"].replace("\x00", "")).first()
        if user is None:
            raise ApiProblem(status.HTTP_404_NOT_FOUND, "No such user.")
        return {"user": user}
    return {"paper": access.paper_for(fields["paper"])}


@extend_schema(methods=["GET"], responses=FollowOutSerializer(many=True))
@extend_schema(methods=["POST"], request=FollowSerializer, responses={201: FollowOutSerializer})
@extend_schema(methods=["DELETE"], request=FollowSerializer, responses={204: None})
@api_view(["GET", "POST", "DELETE"])
@permission_classes([TokenScope, LoggedIn])
def follows(request: Request) -> Response:
    """What the reader follows (tags, users, papers); follow or unfollow one."""
    if request.method == "GET":
        rows = Follow.objects.for_page(request.user)
        return Response(FollowOutSerializer([_follow_out(f) for f in rows[:1000]], many=True).data)
    target = _follow_target(request)
    if request.method == "DELETE":
        services.unfollow(follower=request.user, **target)
        return Response(status=status.HTTP_204_NO_CONTENT)
    made: Any = refused_as_problems(lambda: services.follow(follower=request.user, **target))
    made = Follow.objects.select_related("followed_user").get(pk=made.pk)
    return Response(FollowOutSerializer(_follow_out(made)).data, status=status.HTTP_201_CREATED)


# ----------------------------------------------------------------------- notifications


@extend_schema(
    parameters=[OpenApiParameter("unread", bool), OpenApiParameter("page_size", int)],
    responses=paginated(NotificationSerializer, "NotificationPage"),
)
@api_view(["GET"])
@permission_classes([TokenScope, LoggedIn])
def notifications(request: Request) -> Response:
    """The reader's notifications, newest first."""
    rows = Notification.objects.shown_to(request.user).select_related(
        "actor", "note__paper", "comment__note"
    )
    if request.query_params.get("unread") in ("1", "true"):
        rows = rows.unread()
    paginator = Cursor()
    paginator.ordering = ("-created", "-id")
    page = paginator.paginate_queryset(rows, request)
    return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


@extend_schema(
    request=MarkReadSerializer,
    responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
)
@api_view(["POST"])
@permission_classes([TokenScope, LoggedIn])
def notifications_read(request: Request) -> Response:
    """Mark these notifications (``ids``), or all of them, read."""
    data = MarkReadSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    marked = services.notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"))
    return Response({"marked": marked})


# ------------------------------------------------------------------------------- sync


@extend_schema(
    parameters=[OpenApiParameter("since", sync.VERSION_SCHEMA, required=True)],
    responses=inline_serializer(
        "Deleted",
        {
            "notes": serializers.ListField(child=serializers.IntegerField()),
            "comments": serializers.ListField(child=serializers.IntegerField()),
        },
    ),
)
@api_view(["GET"])
def deleted(request: Request) -> Response:
    """What a copy made at version ``since`` should remove: notes the reader can no longer
    read (trashed, hidden, made private, deleted) and comments deleted or hidden."""
    since = sync.version_param(request, "since")
    if since is None:
        raise ApiProblem(status.HTTP_400_BAD_REQUEST, "Give since, a version number.")
    version = sync.current_version()
    body = {
        "notes": sync.deleted_notes(request.user, since),
        "comments": sync.deleted_comments(request.user, since),
    }
    return Response(body, headers={sync.VERSION_HEADER: str(version)})


# -------------------------------------------------------------------------------- /me


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
@permission_classes([TokenScope, LoggedIn])
def me(request: Request) -> Response:
    return Response(MeSerializer(request.user, context={"request": request}).data)

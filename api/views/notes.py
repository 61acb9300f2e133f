"""Notes: list (the site's filters), get, create, update (with the revision it started
from), trash and restore; a note's revisions: list, get, diff, revert."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from api import access, sync
from api.errors import ApiProblem
from api.pagination import NoteCursor, paginated
from api.serializers import (
    NOTE_VALUES,
    DiffSerializer,
    NoteCreateSerializer,
    NoteSerializer,
    NoteUpdateSerializer,
    RevisionDetailSerializer,
    RevisionSerializer,
    note_etag,
)
from api.views.common import int_param, refused_as_problems
from notes import services, visibility
from notes.caching import diffs, public_tagged
from notes.markup import diffing
from notes.models import Note, PublicTagged
from notes.selectors import browse, search

MAX_TAGS_IN_FILTER = 10
CONFLICT_TYPE = "/api/v1/problems/edit-conflict"

NOTE_FILTERS = [
    OpenApiParameter("tag", str, many=True, description="Notes with every one of these tags."),
    OpenApiParameter("user", str, description="Notes by this user (username)."),
    OpenApiParameter("year_from", int, description="Papers from this year on."),
    OpenApiParameter("year_to", int, description="Papers up to this year."),
    OpenApiParameter("q", str, description="Words to search for (the site's search syntax)."),
    OpenApiParameter("visibility", str, enum=["public", "private"]),
    OpenApiParameter("sort", str, enum=["modified", "created"], description="Newest first."),
    OpenApiParameter("page_size", int),
    OpenApiParameter(
        "since", sync.VERSION_SCHEMA, description="Only notes changed after this version."
    ),
    OpenApiParameter("If-Modified-Since-Version", sync.VERSION_SCHEMA, OpenApiParameter.HEADER),
]
SYNC_RESPONSES = {304: OpenApiResponse(description="Nothing changed since that version.")}


def listed_notes(request: Request) -> tuple[QuerySet[Note], QuerySet[PublicTagged] | None]:
    """The notes the reader may read that match the query's filters; and, when the
    reader's list is the public one and a tag is asked for by date, that tag's own rows
    (``notes.caching.public_tagged``), which the page is cut from: they hold no other
    tag's notes, which a walk of the notes by date would read past."""
    notes = Note.objects.visible_to(request.user).without_search_data()
    params = request.query_params
    tags = [t.strip().lower().lstrip("#") for t in params.getlist("tag")][:MAX_TAGS_IN_FILTER]
    tags = [t for t in tags if t and "\x00" not in t]
    tagged = None
    if tags and NoteCursor.by_date(request) and _reads_the_public_list(request):
        tagged = public_tagged.in_order(tags, descending=True)
        tags = []
    if tags:
        notes = notes.filter(tag_names__contains=tags)
    user = params.get("user", "").replace("\x00", "")[:150]
    if user:
        notes = notes.filter(author__username__iexact=user)
    year_from = int_param(params.get("year_from"), low=0, high=9999)
    if year_from is not None:
        notes = notes.filter(paper_year__gte=year_from)
    year_to = int_param(params.get("year_to"), low=0, high=9999)
    if year_to is not None:
        notes = notes.filter(paper_year__lte=year_to)
    if params.get("visibility") in ("public", "private"):
        notes = notes.filter(visibility=params["visibility"])
    parsed = search.parse_query(params.get("q", ""))
    for tag in parsed.tags:
        notes = notes.filter(tag_names__contains=[tag])
    for name in parsed.users:
        notes = notes.filter(author__username__iexact=name)
    if parsed.text:
        notes = search.matching(notes, parsed.text)
    since = sync.version_param(request, "since")
    if since is not None:
        notes = sync.changed_since(notes, "note", since)
    return notes, tagged


def _reads_the_public_list(request: Request) -> bool:
    """Whether the reader's notes are the public ones (``browse.list_reader``): asked only
    for a tag's list, the one that uses it."""
    return visibility.reader_id(browse.list_reader(request.user)) is None


def _rows(notes: QuerySet[Note]) -> QuerySet[Any]:
    # Read as rows, not as a note, a paper and an author each (``NoteSerializer``).
    return sync.with_versions(notes, "note").values(*NOTE_VALUES, "version")


def _listed_page(request: Request, paginator: NoteCursor) -> list[dict[str, Any]]:
    notes, tagged = listed_notes(request)
    if tagged is None:
        return paginator.paginate_queryset(_rows(notes), request)
    cut = paginator.paginate_queryset(tagged.filter(note__in=notes.values("id")), request)
    ids = [row.note_id for row in cut]
    found = {row["id"]: row for row in _rows(notes.filter(pk__in=ids))}
    # A note changed between the two reads (trashed, say) is left out of the page.
    return [found[pk] for pk in ids if pk in found]


@extend_schema(
    methods=["GET"],
    operation_id="notes_list",
    parameters=NOTE_FILTERS,
    responses={200: paginated(NoteSerializer, "NotePage"), **SYNC_RESPONSES},
)
@extend_schema(
    methods=["POST"],
    request=NoteCreateSerializer,
    responses={
        201: NoteSerializer,
        409: OpenApiResponse(description="The author already has a note on this paper."),
    },
)
@api_view(["GET", "POST"])
def notes(request: Request) -> Response:
    if request.method == "POST":
        return _create(request)
    version = sync.current_version()
    unchanged = sync.not_modified(request, version)
    if unchanged is not None:
        return unchanged
    paginator = NoteCursor()
    page = _listed_page(request, paginator)
    response = paginator.get_paginated_response(NoteSerializer(page, many=True).data)
    response[sync.VERSION_HEADER] = str(version)
    return response


def _create(request: Request) -> Response:
    data = NoteCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = data.validated_data
    paper = access.paper_for(fields["paper"])
    content = services.NoteContent(
        body=fields["body"],
        tags=fields.get("tags", []),
        visibility=fields.get("visibility", "public"),
        edit_message=fields.get("edit_message", ""),
    )
    try:
        note = refused_as_problems(
            lambda: services.note_create(paper=paper, author=request.user, content=content)
        )
    except services.EditConflict as exc:
        raise ApiProblem(
            status.HTTP_409_CONFLICT,
            "You already have a note on this paper; update that one.",
            type_=CONFLICT_TYPE,
            head=NoteSerializer(exc.head).data,
        ) from exc
    return _note_response(note, status.HTTP_201_CREATED)


def _note_response(note: Note, code: int = status.HTTP_200_OK) -> Response:
    if not hasattr(note, "version"):
        note.version = sync.version_of("note", note.pk)  # type: ignore[attr-defined]
    return Response(
        NoteSerializer(note).data,
        status=code,
        headers={"ETag": note_etag(note), sync.VERSION_HEADER: str(note.version)},
    )


_ETAG_RE = re.compile(r'^(?:W/)?"([0-9]+)-([0-9]+)"$')


def _base_revision(request: Request, note: Note, given: int | None) -> int:
    """The revision the edit started from: ``If-Match`` (the note's ETag),
    ``If-Unmodified-Since-Version`` (the version the client has) or ``base_revision``; one
    of them is required."""
    known = sync.header_version(request, "If-Unmodified-Since-Version")
    if known is not None:
        if sync.version_of("note", note.pk) > known:
            raise ApiProblem(
                status.HTTP_412_PRECONDITION_FAILED,
                f"The note changed after version {known}: nothing was saved.",
                type_=CONFLICT_TYPE,
                head=NoteSerializer(note).data,
            )
        if given is None:
            return note.revision
    if_match = request.headers.get("If-Match", "").strip()
    if if_match:
        match = _ETAG_RE.match(if_match)
        if match is None or int(match.group(1)) != note.pk:
            raise ApiProblem(
                status.HTTP_412_PRECONDITION_FAILED,
                "If-Match must be the note's ETag, as a GET of it gives.",
                type_=CONFLICT_TYPE,
                head=NoteSerializer(note).data,
            )
        return int(match.group(2))
    if given is None:
        raise ApiProblem(
            status.HTTP_428_PRECONDITION_REQUIRED,
            "Say which revision the edit started from: If-Match with the note's ETag, "
            "or base_revision.",
        )
    return given


@extend_schema(methods=["GET"], responses=NoteSerializer)
@extend_schema(
    methods=["PATCH"],
    request=NoteUpdateSerializer,
    parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
    responses={
        200: NoteSerializer,
        412: OpenApiResponse(description="The note changed since; the body has its head."),
        428: OpenApiResponse(description="Neither If-Match nor base_revision was given."),
    },
)
@extend_schema(methods=["DELETE"], responses={200: NoteSerializer})
@api_view(["GET", "PATCH", "DELETE"])
def note(request: Request, pk: int) -> Response:
    if request.method == "GET":
        found = access.note_for(request.user, pk)
        return _note_response(found)
    found = access.note_for(request.user, pk, write=True)
    if request.method == "DELETE":
        return _note_response(services.note_trash(note=found))
    data = NoteUpdateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = data.validated_data
    base = _base_revision(request, found, fields.get("base_revision"))
    if found.in_trash:
        raise ApiProblem(status.HTTP_409_CONFLICT, "This note is in the trash; restore it first.")
    content = services.NoteContent(
        body=fields.get("body", found.body),
        tags=fields.get("tags", found.tag_names),
        visibility=fields.get("visibility", found.visibility),
        edit_message=fields.get("edit_message", ""),
    )
    try:
        saved = refused_as_problems(
            lambda: services.note_save(
                note=found, user=request.user, content=content, base_revision=base
            )
        )
    except services.EditConflict as exc:
        raise ApiProblem(
            status.HTTP_412_PRECONDITION_FAILED,
            f"The note is at revision {exc.head.revision}, not {base}: nothing was saved. "
            "Merge your text with the head and send it again with the head's revision.",
            type_=CONFLICT_TYPE,
            head=NoteSerializer(exc.head).data,
        ) from exc
    return _note_response(saved)


@extend_schema(request=None, responses=NoteSerializer)
@api_view(["POST"])
def note_restore(request: Request, pk: int) -> Response:
    found = access.note_for(request.user, pk, write=True)
    return _note_response(services.note_restore(note=found))


# --------------------------------------------------------------------------- revisions


def _readable_revisions(request: Request, note: Note) -> Any:
    return (
        note.revisions()
        .filter(visibility.revisions_q(note, request.user))
        .select_related("history_user")
        .order_by("-revision")
    )


def _revision(request: Request, note: Note, number: int) -> Any:
    record = _readable_revisions(request, note).filter(revision=number).first()
    if record is None:
        raise ApiProblem(status.HTTP_404_NOT_FOUND, "No such revision.")
    return record


@extend_schema(responses=RevisionSerializer(many=True))
@api_view(["GET"])
def revisions(request: Request, pk: int) -> Response:
    found = access.note_for(request.user, pk)
    records = _readable_revisions(request, found).defer("body", "body_html", "body_text")
    return Response(RevisionSerializer(records[:1000], many=True).data)


@extend_schema(responses=RevisionDetailSerializer)
@api_view(["GET"])
def revision(request: Request, pk: int, rev: int) -> Response:
    found = access.note_for(request.user, pk)
    return Response(RevisionDetailSerializer(_revision(request, found, rev)).data)


@extend_schema(responses=DiffSerializer)
@api_view(["GET"])
def revision_diff(request: Request, pk: int, a: int, b: int) -> Response:
    found = access.note_for(request.user, pk)
    old, new = _revision(request, found, a), _revision(request, found, b)
    diff = diffs.revision_diff(old, new)
    added, removed = diffing.tag_changes(old.tag_names, new.tag_names)
    return Response(
        DiffSerializer(
            {
                "a": a,
                "b": b,
                "html": diff.html,
                "added": diff.added,
                "removed": diff.removed,
                "tags_added": added,
                "tags_removed": removed,
            }
        ).data
    )


@extend_schema(request=None, responses=NoteSerializer)
@api_view(["POST"])
def revision_revert(request: Request, pk: int, rev: int) -> Response:
    found = access.note_for(request.user, pk, write=True)
    _revision(request, found, rev)
    if found.in_trash:
        raise ApiProblem(status.HTTP_409_CONFLICT, "This note is in the trash; restore it first.")
    saved = refused_as_problems(
        lambda: services.note_revert(note=found, user=request.user, revision=rev)
    )
    return _note_response(saved)

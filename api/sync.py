"""Incremental sync, as Zotero's API does it.

Every committed write to a note, paper, comment, tag set or vote advances one site-wide
version and records it on the objects it changed (``api.models.Change``, kept by the
triggers of migration 0002). A client keeps the version its last sync returned
(``Last-Modified-Version``) and asks for what changed after it (``?since=``): versions are
given in commit order, so nothing committed at or before a version it saw can appear
later with a smaller one, and no change is ever skipped. ``If-Modified-Since-Version``
answers 304 when nothing changed at all.

Deletions: notes trashed, hidden, made private or deleted since a version, as far as the
reader may know of them (their own, or notes that were public at some revision), and
comments deleted or hidden since a version on notes the reader may read.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import ApiProblem
from api.models import Change
from notes import visibility
from notes.models import Comment, Note

VERSION_HEADER = "Last-Modified-Version"
MAX_VERSION = 2**63 - 1
# A version as the schema states it, for parameters and headers.
VERSION_SCHEMA = {"type": "integer", "minimum": 0, "maximum": MAX_VERSION}


def current_version() -> int:
    """The site-wide version now; read it before the rows, so the rows are no older."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM api_syncversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def _changes(kind: str) -> QuerySet[Change]:
    return Change.objects.filter(kind=kind, object_id=OuterRef("pk"))


def with_versions(objects: QuerySet[Any], kind: str) -> QuerySet[Any]:
    """``objects`` with ``version``: when each last changed (0: before versions began)."""
    return objects.annotate(
        version=Coalesce(
            Subquery(_changes(kind).values("version")[:1]),
            Value(0),
            output_field=IntegerField(),
        )
    )


def changed_since(objects: QuerySet[Any], kind: str, since: int) -> QuerySet[Any]:
    """``objects`` changed after version ``since``; from 0, all of them (a first sync), as
    objects unchanged since versions began have no version of their own."""
    if since <= 0:
        return objects
    return objects.filter(Exists(_changes(kind).filter(version__gt=since)))


def version_of(kind: str, pk: int) -> int:
    found = Change.objects.filter(kind=kind, object_id=pk).values_list("version", flat=True)
    return found.first() or 0


def version_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_VERSION:
        raise ApiProblem(status.HTTP_400_BAD_REQUEST, f"{name} must be a version number.")
    return int(raw)


def header_version(request: Request, name: str) -> int | None:
    raw = request.headers.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_VERSION:
        raise ApiProblem(status.HTTP_400_BAD_REQUEST, f"{name} must be a version number.")
    return int(raw)


def not_modified(request: Request, version: int) -> Response | None:
    """A 304 when the client already has ``version`` (``If-Modified-Since-Version``)."""
    known = header_version(request, "If-Modified-Since-Version")
    if known is not None and known >= version:
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={VERSION_HEADER: str(version)})
    return None


def deleted_notes(reader: Any, since: int) -> list[int]:
    """Notes changed since ``since`` that ``reader`` may no longer read and may know of:
    their own, or once public (a history row written public)."""
    changed = Change.objects.filter(kind="note", version__gt=since)
    readable = Note.objects.filter(visibility.notes_q(reader), pk=OuterRef("object_id"))
    known = Note.history.filter(id=OuterRef("object_id"), visibility=visibility.PUBLIC)
    own = visibility.reader_id(reader)
    may_know = Exists(known)
    if own is not None:
        may_know |= Exists(Note.objects.filter(pk=OuterRef("object_id"), author_id=own))
    return list(
        changed.filter(~Exists(readable))
        .filter(may_know)
        .order_by("version", "object_id")
        .values_list("object_id", flat=True)[:10000]
    )


def deleted_comments(reader: Any, since: int) -> list[int]:
    """Comments deleted or hidden since ``since`` on notes ``reader`` may read."""
    changed = Change.objects.filter(kind="comment", version__gt=since)
    gone = Comment.objects.filter(pk=OuterRef("object_id")).filter(
        Q(deleted_at__isnull=False) | Q(hidden_at__isnull=False)
    )
    gone = gone.filter(visibility.notes_q(reader, "note__"))
    own = visibility.reader_id(reader)
    if own is not None:
        gone = gone.exclude(hidden_at__isnull=False, deleted_at__isnull=True, author_id=own)
    return list(
        changed.filter(Exists(gone))
        .order_by("version", "object_id")
        .values_list("object_id", flat=True)[:10000]
    )

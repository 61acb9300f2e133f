"""A reader's notifications: how many are unread, and the inbox's pages.

The inbox reads each notification as one row of the columns its line shows
(``INBOX_COLUMNS``); the rows are what the page's markup is cached under
(``notes.caching.fragments.render_notification_rows``), and they are made into
notifications only when that markup has to be rendered.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.core.paginator import Page
from django.db import connections, router
from django.db.models import Count, Model, Q

from accounts.models import User
from notes.models import Comment, Note, Notification, Paper
from notes.selectors.browse import IdWindow, ListPaginator

PAGE_SIZE = 50

# Everything a notification's line, excerpt and visibility need, in the order of a row.
INBOX_COLUMNS = (
    "id", "recipient_id", "kind", "created", "read_at",
    "actor_id", "actor__username", "actor__display_name",
    "note_id", "note__author_id", "note__visibility", "note__deleted_at", "note__hidden_at",
    "note__tag_names", "note__paper_id", "note__paper__title",
    "comment_id", "comment__note_id", "comment__author_id", "comment__deleted_at",
    "comment__hidden_at", "comment__body_text",
)  # fmt: skip

# A stand-in for the reader's id while the unread count's statement is compiled.
_READER = -2_000_000_001


@lru_cache(maxsize=1)
def _unread_sql() -> tuple[str, int]:
    """The unread count's statement, compiled once from the ORM's rule (``shown_to``), and
    how many parameters it takes (each the reader's id)."""
    reader = User(pk=_READER)
    shown = Notification.objects.shown_to(reader).unread().values("id")
    sql, params = shown.query.sql_with_params()
    if any(param != _READER for param in params):
        raise ValueError("The unread count takes the reader's id as its only parameter.")
    # The statement is the ORM's own, with placeholders for its parameters.
    count = f"SELECT COUNT(*) FROM ({sql}) AS unread"  # noqa: S608
    return count, len(params)


def unread_count(user: User) -> int:
    """How many notifications ``user`` has not read (the header's badge on every page): one
    indexed count, a statement compiled once rather than on each page."""
    sql, readers = _unread_sql()
    with connections[router.db_for_read(Notification)].cursor() as cursor:
        cursor.execute(sql, [user.pk] * readers)
        return cursor.fetchone()[0]


def inbox_counts(user: User) -> tuple[int, int]:
    """How many notifications ``user`` has and how many of them are unread, in one query."""
    counts = Notification.objects.shown_to(user).aggregate(
        total=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True))
    )
    return counts["total"], counts["unread"]


def inbox_page(user: User, number: Any, total: int) -> Page:
    """Page ``number`` of the inbox of ``user`` (``total`` notifications), as rows of
    ``INBOX_COLUMNS`` (named tuples): one query."""
    rows = Notification.objects.for_inbox(user).values_list(*INBOX_COLUMNS, named=True)
    window = IdWindow(lambda start, stop: list(rows[start:stop]), total)
    return ListPaginator(window, PAGE_SIZE).get_page(number)  # type: ignore[arg-type]


def _instance(model: type[Model], values: dict[str, Any]) -> Any:
    """An instance of ``model`` as read from the database with only ``values`` (the rest
    deferred, as with ``only``)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(router.db_for_read(model), names, [values[name] for name in names])


def notifications_of(rows: Sequence[Sequence[Any]]) -> list[Notification]:
    """The notifications that inbox ``rows`` hold, with their actor, note, paper and
    comment, without another query."""
    made = []
    for row in rows:
        v = dict(zip(INBOX_COLUMNS, row, strict=True))
        notification = _instance(
            Notification,
            {name: v[name] for name in INBOX_COLUMNS if "__" not in name},
        )
        note = _instance(
            Note,
            {"id": v["note_id"], "paper_id": v["note__paper_id"]}
            | {name: v[f"note__{name}"] for name in _NOTE_NAMES},
        )
        note.paper = _instance(Paper, {"id": v["note__paper_id"], "title": v["note__paper__title"]})
        notification.note = note
        if v["actor_id"] is not None:
            notification.actor = _instance(
                User,
                {
                    "id": v["actor_id"],
                    "username": v["actor__username"],
                    "display_name": v["actor__display_name"],
                },
            )
        else:
            notification.actor = None
        if v["comment_id"] is not None:
            notification.comment = _instance(
                Comment,
                {"id": v["comment_id"]} | {name: v[f"comment__{name}"] for name in _COMMENT_NAMES},
            )
        else:
            notification.comment = None
        made.append(notification)
    return made


_NOTE_NAMES = ("author_id", "visibility", "deleted_at", "hidden_at", "tag_names")
_COMMENT_NAMES = ("note_id", "author_id", "deleted_at", "hidden_at", "body_text")

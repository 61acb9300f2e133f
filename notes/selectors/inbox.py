"""A reader's notifications: how many are unread, and the inbox's pages.

The inbox reads each notification as one row of the columns its line shows
(``INBOX_COLUMNS``); the rows are what the page's markup is cached under
(``notes.caching.fragments.render_notification_rows``), and they are made into
notifications only when that markup has to be rendered.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.core.paginator import Page
from django.db import router
from django.db.models import Model
from django.db.models.expressions import RawSQL

from accounts.models import User
from notes.models import Comment, Note, Notification, Paper
from notes.models.notifications import INBOX_FIELDS
from notes.selectors import statements
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

InboxRow = namedtuple("InboxRow", INBOX_COLUMNS)  # type: ignore[misc]


@lru_cache(maxsize=1)
def _statements() -> dict[str, statements.Statement]:
    """The inbox's statements, compiled once from the ORM's rule (``shown_to``) and list
    (``for_inbox``) rather than on each page; the reader's id is their only parameter."""
    reader = User(pk=statements.READER)
    shown = Notification.objects.shown_to(reader)
    return {
        # Up to a number, or all of them with LIMIT NULL.
        "unread": statements.compiled(
            shown.unread().values("id"),
            "SELECT COUNT(*) FROM ({} LIMIT %s) AS unread",
        ),
        "counts": statements.compiled(
            shown.values("id", "read_at"),
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE shown.read_at IS NULL) FROM ({}) AS shown",
        ),
        # The page's ids first, from the inbox's index, then only those rows with their
        # actor, note, paper and comment: joined before the cut, every notification up to
        # the page's end was read with its four rows (page ten: five hundred).
        "page": statements.compiled(
            shown.order_by("-created", "-id").values("id"),
            "WITH page AS MATERIALIZED ({} LIMIT %s OFFSET %s) " + _page_rows_sql(),
        ),
    }


def _page_rows_sql() -> str:
    """The inbox's rows of the notifications ``page`` (a name the statement gives to the
    page's ids), in the inbox's order, as a template's text."""
    rows = (
        Notification.objects.filter(id__in=RawSQL("SELECT id FROM page", ()))
        .select_related("actor", "note__paper", "comment")
        .only(*INBOX_FIELDS)
        .order_by("-created", "-id")
        .values_list(*INBOX_COLUMNS)
    )
    sql, params = rows.query.sql_with_params()
    if params:
        raise ValueError("The page's rows take no parameter of their own.")
    return sql.replace("{", "{{").replace("}", "}}")


def _read(name: str, user: User, *more: Any) -> list[tuple[Any, ...]]:
    return statements.rows(_statements()[name], Notification, user.pk, *more)


def unread_count(user: User) -> int:
    """How many notifications ``user`` has not read: one indexed count."""
    return _read("unread", user, None)[0][0]


# The header's badge counts unread notifications up to this many, then says "99+".
UNREAD_SHOWN_AT_MOST = 99


def unread_badge(user: User) -> str:
    """What the header's badge says on every page: how many notifications ``user`` has not
    read, up to ``UNREAD_SHOWN_AT_MOST`` ("99+" past it), or nothing. Counting stops there,
    so a reader with thousands unread costs each page what one with a hundred does (each
    is checked against what moderators hid)."""
    count = _read("unread", user, UNREAD_SHOWN_AT_MOST + 1)[0][0]
    if count > UNREAD_SHOWN_AT_MOST:
        return f"{UNREAD_SHOWN_AT_MOST}+"
    return str(count) if count else ""


def inbox_counts(user: User) -> tuple[int, int]:
    """How many notifications ``user`` has and how many of them are unread, in one query."""
    total, unread = _read("counts", user)[0]
    return total, unread


def inbox_page(user: User, number: Any, total: int) -> Page:
    """Page ``number`` of the inbox of ``user`` (``total`` notifications), as rows of
    ``INBOX_COLUMNS`` (``InboxRow``): one query."""

    def fetch(start: int, stop: int) -> list[InboxRow]:
        return [InboxRow._make(row) for row in _read("page", user, stop - start, start)]

    window = IdWindow(fetch, total)
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

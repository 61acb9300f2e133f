"""The staff's moderation queue, what is hidden, and the log of actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q

from accounts.models import User
from notes import visibility
from notes.models import (
    Comment,
    Flag,
    FlagReason,
    ModerationAction,
    Note,
)
from notes.models.moderation import Item

QUEUE_PAGE_SIZE = 25
LOG_LENGTH = 50
HIDDEN_LIST_LENGTH = 50


@dataclass
class QueueItem:
    """One flagged (or hidden) item with its open flags."""

    item: Item
    flags: list[Flag] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "note" if isinstance(self.item, Note) else "comment"

    @property
    def reasons(self) -> list[str]:
        labels = dict(FlagReason.choices)
        return sorted({labels[f.reason] for f in self.flags})


def _moderatable(moderator: User) -> Q:
    """Flags on items ``moderator`` may read with moderation set aside."""
    return (
        Q(note__isnull=False) & visibility.notes_q(moderator, "note__", ignoring_moderation=True)
    ) | (
        Q(comment__isnull=False)
        & visibility.comments_q(moderator, "comment__", ignoring_moderation=True)
    )


def queue_page(number: Any, *, moderator: User) -> Page:
    """A page of flagged items ``moderator`` may read, the longest waiting first, each
    with its open flags.

    Four queries whatever the page holds: the count, the page of items, their flags
    (with flaggers), and the items themselves.
    """
    items = (
        Flag.objects.open()
        .filter(_moderatable(moderator))
        .values("note_id", "comment_id")
        .annotate(waiting_since=Min("created"), flag_count=Count("id"))
        .order_by("waiting_since", "note_id", "comment_id")
    )
    page = Paginator(items, QUEUE_PAGE_SIZE).get_page(number)
    rows = list(page.object_list)
    note_ids = [r["note_id"] for r in rows if r["note_id"]]
    comment_ids = [r["comment_id"] for r in rows if r["comment_id"]]
    flags = list(
        Flag.objects.open()
        .filter(Q(note_id__in=note_ids) | Q(comment_id__in=comment_ids))
        .select_related(
            "flagger", "note__paper", "note__author", "comment__author", "comment__note__paper"
        )
        .order_by("created", "pk")
    )
    grouped: dict[tuple[str, int], QueueItem] = {}
    for f in flags:
        item = grouped.setdefault(_key(f.note_id, f.comment_id), QueueItem(f.note or f.comment))
        item.flags.append(f)
    keys = [_key(r["note_id"], r["comment_id"]) for r in rows]
    # An item whose flags were settled between the two queries drops out of the page.
    page.object_list = [grouped[key] for key in keys if key in grouped]
    return page


def _key(note_id: int | None, comment_id: int | None) -> tuple[str, int]:
    return ("note", note_id) if note_id else ("comment", comment_id)  # type: ignore[return-value]


def hidden_items(*, moderator: User) -> list[QueueItem]:
    """What is hidden now and ``moderator`` may read with moderation set aside, most
    recently hidden first, for "restore" (two queries)."""
    notes = list(
        Note.objects.filter(visibility.notes_q(moderator, ignoring_moderation=True))
        .filter(hidden_at__isnull=False)
        .select_related("paper", "author", "hidden_by")
        .order_by("-hidden_at")[:HIDDEN_LIST_LENGTH]
    )
    comments = list(
        Comment.objects.filter(visibility.comments_q(moderator, ignoring_moderation=True))
        .filter(hidden_at__isnull=False)
        .select_related("author", "hidden_by", "note__paper")
        .order_by("-hidden_at")[:HIDDEN_LIST_LENGTH]
    )
    both: list[Item] = [*notes, *comments]
    both.sort(key=lambda item: item.hidden_at, reverse=True)
    return [QueueItem(item) for item in both[:HIDDEN_LIST_LENGTH]]


def audit_log() -> list[ModerationAction]:
    return list(
        ModerationAction.objects.select_related("actor").order_by("-created", "-pk")[:LOG_LENGTH]
    )

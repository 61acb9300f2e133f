"""Flags and what staff do about them: hide, restore, dismiss, each kept in an audit log.

Anyone may flag a note or comment they can read and did not write; a person's open flag
on an item counts once however often they press the button. Staff act on an item (not on
single flags): hiding takes it out of every list, count and page for everyone but its
author, restoring brings it back, dismissing keeps it and closes its flags. Every action
writes a ``ModerationAction`` row in the same transaction as the change it records.

Staff act only on what moderation is for: hide and dismiss an item with open flags, restore
one moderators hid; and only on what they may read with moderation set aside
(``notes.visibility``). A flagged note its author has since made private or moved to the
trash, or a flagged comment deleted since, leaves the queue (its flags stay open, and it
comes back if it becomes readable again), so no list ever shows what its moderator could
not open.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notes import visibility
from notes.caching import public_counts
from notes.models import (
    Comment,
    Flag,
    FlagReason,
    ModerationAction,
    ModerationVerb,
    Note,
)
from notes.models.moderation import Item
from notes.services.notes import relink_after_commit, save_state


class NothingToDo(Exception):
    """The action does not apply (already hidden, not hidden, no open flags)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _item_fields(item: Item) -> dict[str, Item]:
    return {"note": item} if isinstance(item, Note) else {"comment": item}


def flag(*, flagger: User, item: Item, reason: str, text: str = "") -> tuple[Flag, bool]:
    """Flag ``item``; ``(flag, created)``, where a repeated flag returns the open one."""
    if reason not in FlagReason.values:
        raise ValueError(f"unknown reason {reason!r}")
    where = _item_fields(item)
    existing = Flag.objects.open().filter(flagger=flagger, **where).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Flag.objects.create(flagger=flagger, reason=reason, text=text, **where), True
    except IntegrityError:
        # The same person's flag, sent twice at once: the first one counts.
        return Flag.objects.open().get(flagger=flagger, **where), False


def _label(item: Item) -> str:
    if isinstance(item, Note):
        return f"note {item.ref} by {item.author.username}"[:300]
    return f"comment {item.pk} by {item.author.username} on {{{item.note_id}}}"[:300]


def _set_hidden(item: Item, *, hidden_by: User | None) -> None:
    # A hidden note leaves the stored public counts (index, tags) and a restored one
    # comes back to them.
    counted_before = public_counts.keys_of(item) if isinstance(item, Note) else frozenset()
    item.hidden_at = timezone.now() if hidden_by is not None else None
    item.hidden_by = hidden_by
    save_state(item, ["hidden_at", "hidden_by"])
    if isinstance(item, Note):
        public_counts.record_change(counted_before, public_counts.keys_of(item))


def _lock(item: Item) -> Item:
    related = ("author",) if isinstance(item, Note) else ("author", "note")
    return (
        type(item)
        .objects.select_for_update(no_key=True, of=("self",))
        .select_related(*related)
        .get(pk=item.pk)
    )


def can_moderate_item(item: Item, moderator: User) -> bool:
    """Whether ``moderator`` may read ``item`` with moderation set aside."""
    if isinstance(item, Note):
        return visibility.note_readable(item, moderator, ignoring_moderation=True)
    return visibility.comment_readable(item, moderator, ignoring_moderation=True)


def open_flags_on(item: Item) -> Any:
    return Flag.objects.open().filter(**_item_fields(item))


@transaction.atomic
def moderate(*, actor: User, item: Item, verb: str, message: str = "") -> ModerationAction:
    """Hide, restore or dismiss ``item`` as staff member ``actor``; the audit row.

    The item's row is locked, so two moderators acting at once take turns and the second
    gets NothingToDo rather than a second, contradictory change; so does an action that no
    longer applies (its flags settled, the item no longer readable) by the time it runs.
    """
    if not actor.is_staff:
        raise PermissionError("Only staff can moderate.")
    current = _lock(item)
    if not can_moderate_item(current, actor):
        raise NothingToDo(_("It can no longer be read."))
    was_counted = isinstance(current, Comment) and current.counts
    open_flags = open_flags_on(current)
    if verb == ModerationVerb.HIDE:
        if current.is_hidden:
            raise NothingToDo(_("It is already hidden."))
        if not open_flags.exists():
            raise NothingToDo(_("There are no open flags on it."))
        _set_hidden(current, hidden_by=actor)
    elif verb == ModerationVerb.RESTORE:
        if not current.is_hidden:
            raise NothingToDo(_("It is not hidden."))
        _set_hidden(current, hidden_by=None)
    elif verb == ModerationVerb.DISMISS:
        pass
    else:
        raise ValueError(f"unknown action {verb!r}")
    if verb == ModerationVerb.DISMISS and not open_flags.exists():
        raise NothingToDo(_("There are no open flags on it."))
    # Any action settles the flags raised so far; a new flag opens the item again.
    flag_count = open_flags.update(resolved_at=timezone.now())
    if isinstance(current, Comment):
        change = int(current.counts) - int(was_counted)
        if change:
            Note.objects.filter(pk=current.note_id).update(
                comment_count=F("comment_count") + change
            )
    elif verb != ModerationVerb.DISMISS:
        relink_after_commit(current)
    return ModerationAction.objects.create(
        actor=actor,
        verb=verb,
        item_label=_label(current),
        flag_count=flag_count,
        message=message,
        **_item_fields(current),
    )


# ------------------------------------------------------------------------------ queue

"""Comments on notes: the writes, the per-user rate limit, and the thread as a tree.

Every write goes through a service function here, so that the rendered HTML, the edit
history, the note's ``comment_count`` and the notifications change together, in one
transaction. A comment is rendered once, at save, by the same path as a note (including
the CPU-bounded render child); pages never render.
"""

from __future__ import annotations

import math
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts import throttle
from accounts.models import User
from notes.markup.rendering import Rendered, comment_id_prefix
from notes.models import Comment, Note
from notes.services import notifications
from notes.services.errors import WriteRefused
from notes.services.notes import (
    render_note_body,
    reserve_id,
    save_state,
    set_comment_references,
)
from notes.wording import Said, ngettext_noop, said, said_counted

RATE_KEY_PREFIX = "comment-rate"


class RateLimited(WriteRefused):
    """Too many comments in the window (429), or (``uncounted``) the counters cannot be
    reached (503); ``seconds``: when to try again."""

    def __init__(self, seconds: int, *, uncounted: bool = False) -> None:
        self.seconds = seconds
        self.uncounted = uncounted
        super().__init__(self._explained(), retry_after=seconds, status=503 if uncounted else 429)

    def _explained(self) -> list[Said]:
        if self.uncounted:
            return [
                said(
                    gettext_noop(
                        "Comments cannot be counted right now, so none is posted. Your text "
                        "is kept below; post it again in a minute."
                    )
                )
            ]
        if self.seconds < 60:
            when = said_counted(
                ngettext_noop("%(count)d second", "%(count)d seconds"), "count", count=self.seconds
            )
        else:
            minutes = math.ceil(self.seconds / 60)
            when = said_counted(
                ngettext_noop("%(count)d minute", "%(count)d minutes"), "count", count=minutes
            )
        return [
            said_counted(
                ngettext_noop(
                    "You are commenting faster than %(limit)d comment in %(window)d seconds.",
                    "You are commenting faster than %(limit)d comments in %(window)d seconds.",
                ),
                "limit",
                limit=settings.COMMENT_RATE_LIMIT,
                window=settings.COMMENT_RATE_WINDOW_SECONDS,
            ),
            said(gettext_noop("Your text is kept below; post it again in %(when)s."), when=when),
        ]


class ReplyNotAllowed(WriteRefused):
    MESSAGE = gettext_noop(
        "That comment was deleted or hidden, so it cannot be answered; comment on the note instead."
    )

    def __init__(self) -> None:
        super().__init__(said(self.MESSAGE))


def _charge_rate_limit(user: User) -> None:
    key = f"{RATE_KEY_PREFIX}:{user.pk}"
    try:
        wait = throttle.count_in_window(
            key,
            throttle.now(),
            window=settings.COMMENT_RATE_WINDOW_SECONDS,
            limit=settings.COMMENT_RATE_LIMIT,
        )
    except throttle.Unavailable:
        # Like logins, the limit fails closed: nothing is posted that was not counted.
        raise RateLimited(throttle.Unavailable.seconds, uncounted=True) from None
    if wait:
        raise RateLimited(wait)


def comment_post(*, note: Note, author: User, body: str, parent: Comment | None = None) -> Comment:
    """Post a comment (or, with ``parent``, a reply) on a note the author may read.

    Raises RateLimited, ReplyNotAllowed or services.TooComplexToRender before writing.
    """
    if parent is not None and (parent.note_id != note.pk or parent.is_deleted or parent.is_hidden):
        raise ReplyNotAllowed
    _charge_rate_limit(author)
    pk = reserve_id(Comment)
    rendered = render_note_body(author=author, body=body, id_prefix=comment_id_prefix(pk))
    with transaction.atomic():
        comment = _write(pk, note=note, author=author, parent=parent, body=body, rendered=rendered)
        notifications.comment_posted(comment)
    return comment


def _write(
    pk: int,
    *,
    note: Note,
    author: User,
    parent: Comment | None,
    body: str,
    rendered: Rendered,
    created: datetime | None = None,
) -> Comment:
    comment = Comment(
        pk=pk,
        note=note,
        author=author,
        parent=parent,
        depth=0 if parent is None else parent.depth + 1,
        body=body,
        body_html=rendered.html,
        body_text=rendered.text,
    )
    comment._history_user = author  # type: ignore[attr-defined]
    if created is not None:
        comment._history_date = created  # type: ignore[attr-defined]
    comment.save(force_insert=True)
    if created is not None:
        # auto_now_add gave the comment today's date; an imported one keeps its own.
        Comment.objects.filter(pk=pk).update(created=created)
        Comment.history.filter(id=pk).update(created=created)
        comment.created = created
    set_comment_references(comment=comment, rendered=rendered)
    Note.objects.filter(pk=note.pk).update(comment_count=F("comment_count") + 1)
    return comment


def comment_edit(*, comment: Comment, user: User, body: str) -> Comment:
    """A new version of the text; the earlier ones stay in the comment's history."""
    rendered = render_note_body(
        author=comment.author, body=body, id_prefix=comment_id_prefix(comment.pk)
    )
    with transaction.atomic():
        current = Comment.objects.select_for_update(no_key=True).get(pk=comment.pk)
        previous_body = current.body
        if current.is_deleted or body == previous_body:
            return current
        current.body = body
        current.body_html = rendered.html
        current.body_text = rendered.text
        current.edited_at = timezone.now()
        current._history_user = user  # type: ignore[attr-defined]
        current.save()
        set_comment_references(comment=current, rendered=rendered)
        current.note = comment.note
        notifications.comment_edited(current, previous_body=previous_body)
    return current


def _take_down(comment: Comment, *, removed_by: User | None) -> Comment:
    with transaction.atomic():
        current = Comment.objects.select_for_update(no_key=True).get(pk=comment.pk)
        if current.is_deleted:
            return current  # a second click, or two at once: counted once
        counted = current.counts
        current.deleted_at = timezone.now()
        current.removed_by = removed_by
        save_state(current, ["deleted_at", "removed_by"])
        if counted:  # a hidden comment was already out of the count
            Note.objects.filter(pk=current.note_id).update(comment_count=F("comment_count") - 1)
    return current


def comment_delete(*, comment: Comment) -> Comment:
    """The author deletes their comment: it reads "[deleted]"; its replies stay."""
    return _take_down(comment, removed_by=None)


def comment_remove(*, comment: Comment, user: User) -> Comment:
    """The note's author (or staff) removes someone's comment from the note."""
    return _take_down(comment, removed_by=user)


def comment_import(
    *, note: Note, author: User, body: str, parent: Comment | None, created: datetime
) -> Comment:
    """A comment of ``author``'s from a notes archive, with its own date: written as
    ``comment_post`` writes one, but outside the rate limit (the author wrote these over
    time) and telling nobody (they were told when it was first posted). Raises
    services.TooComplexToRender before writing."""
    pk = reserve_id(Comment)
    rendered = render_note_body(author=author, body=body, id_prefix=comment_id_prefix(pk))
    with transaction.atomic():
        return _write(
            pk,
            note=note,
            author=author,
            parent=parent,
            body=body,
            rendered=rendered,
            created=created,
        )

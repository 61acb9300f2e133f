"""Comments on notes: the writes, the per-user rate limit, and the thread as a tree.

Every write goes through a service function here, so that the rendered HTML, the edit
history, the note's ``comment_count`` and the notifications change together, in one
transaction. A comment is rendered once, at save, by the same path as a note (including
the CPU-bounded render child); pages never render.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import throttle
from accounts.models import User
from notes import notifications
from notes.models import Comment, Note
from notes.rendering import Rendered, comment_id_prefix
from notes.services import render_note_body, reserve_id, save_state, set_comment_references

# Replies nest this many levels below a top-level comment; deeper ones are listed flat,
# in order, at the last level, each saying whom it answers.
MAX_DEPTH = 4
RATE_KEY_PREFIX = "comment-rate"


class RateLimited(Exception):
    """Too many comments in the window, or (``uncounted``) the counters cannot be reached."""

    def __init__(self, seconds: int, *, uncounted: bool = False) -> None:
        super().__init__(f"retry in {seconds} s")
        self.seconds = seconds
        self.uncounted = uncounted

    @property
    def status(self) -> int:
        return 503 if self.uncounted else 429

    @property
    def message(self) -> str:
        if self.uncounted:
            return (
                "Comments cannot be counted right now, so none is posted. Your text is kept "
                "below; post it again in a minute."
            )
        if self.seconds < 60:
            when = f"{self.seconds} second{'s' * (self.seconds != 1)}"
        else:
            minutes = math.ceil(self.seconds / 60)
            when = f"{minutes} minute{'s' * (minutes != 1)}"
        return (
            f"You are commenting faster than {settings.COMMENT_RATE_LIMIT} comments in "
            f"{settings.COMMENT_RATE_WINDOW_SECONDS} seconds. Your text is kept below; "
            f"post it again in {when}."
        )


class ReplyNotAllowed(Exception):
    message = (
        "That comment was deleted or hidden, so it cannot be answered; comment on the note instead."
    )


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


# -------------------------------------------------------------------------------- tree


@dataclass
class ThreadNode:
    comment: Comment
    depth: int
    # Where replies to this comment are shown: its own list, or (at the last level) the
    # list it sits in itself.
    container: str
    replies: list[ThreadNode] = field(default_factory=list)
    # Set for flattened replies, whose nesting no longer shows whom they answer.
    reply_to: Comment | None = None

    @property
    def nests(self) -> bool:
        """Whether replies show nested under this comment (else beside it, flat)."""
        return self.depth < MAX_DEPTH


def replies_container(comment: Comment) -> str:
    return f"c{comment.pk}-replies"


def shown_to(comments: list[Comment], viewer: User) -> list[Comment]:
    """The comments of a thread as ``viewer`` may see them.

    A comment hidden by moderators is shown to its author only. For anyone else it is
    left out, unless replies that they can see hang below it: then it stays as a
    placeholder (the template shows neither its author nor its text) to keep the thread's
    shape. Replies are newer than what they answer, so one pass from the newest decides.
    """
    kept: set[int] = set()
    for comment in reversed(comments):
        if comment.is_visible_to(viewer) or comment.pk in kept:
            kept.add(comment.pk)
            if comment.parent_id is not None:
                kept.add(comment.parent_id)
    return [c for c in comments if c.pk in kept]


def build_thread(comments: list[Comment]) -> list[ThreadNode]:
    """The comments (oldest first, as ``Comment.objects.for_thread`` gives them) as a tree.

    Runs in Python over one query's rows; a chain of any length nests only MAX_DEPTH
    levels, so neither the recursion here nor the template's grows with it.
    """
    by_id = {c.pk: c for c in comments}
    children: dict[int | None, list[Comment]] = defaultdict(list)
    for comment in comments:
        children[comment.parent_id if comment.parent_id in by_id else None].append(comment)

    def flattened(top: Comment, container: str) -> list[ThreadNode]:
        found: list[Comment] = []
        stack = list(reversed(children[top.pk]))
        while stack:
            comment = stack.pop()
            found.append(comment)
            stack.extend(reversed(children[comment.pk]))
        found.sort(key=lambda c: (c.created, c.pk))
        return [ThreadNode(c, MAX_DEPTH, container, reply_to=by_id.get(c.parent_id)) for c in found]

    def node(comment: Comment, depth: int) -> ThreadNode:
        own = replies_container(comment)
        if depth == MAX_DEPTH - 1:
            return ThreadNode(comment, depth, own, replies=flattened(comment, own))
        return ThreadNode(
            comment, depth, own, replies=[node(c, depth + 1) for c in children[comment.pk]]
        )

    return [node(c, 0) for c in children[None]]


def node_for_new(comment: Comment, *, target: str | None) -> ThreadNode:
    """A just-posted comment as the thread would show it, for an in-place update.

    ``target`` is the list it is appended to (htmx's HX-Target); at the last level the
    replies to it go to that same list.
    """
    if comment.depth < MAX_DEPTH:
        return ThreadNode(comment, comment.depth, replies_container(comment))
    container = target if target else replies_container(comment)
    return ThreadNode(comment, MAX_DEPTH, container, reply_to=comment.parent)


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

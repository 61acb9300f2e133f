"""A note's comments as a thread, as a reader is shown them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from accounts.models import User
from notes.models import Comment

# Replies nest this many levels below a top-level comment; deeper ones are listed flat,
# in order, at the last level, each saying whom it answers.
MAX_DEPTH = 4


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

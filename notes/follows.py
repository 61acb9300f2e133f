"""Following tags, people and papers: the writes, and the notes a person's follows bring.

A follow names exactly one target. Following twice is the same as following once (the
database's unique constraints settle a double click or two requests at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import User
from notes.models import Follow, Note, Paper


class CannotFollow(Exception):
    """The target cannot be followed (oneself, an empty tag); ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _target(*, tag: str = "", user: User | None = None, paper: Paper | None = None) -> dict:
    if sum(bool(x) for x in (tag, user, paper)) != 1:
        raise ValueError("Follow exactly one of a tag, a user or a paper.")
    if tag:
        return {"tag": tag}
    if user is not None:
        return {"followed_user": user}
    return {"paper": paper}


def follow(
    *, follower: User, tag: str = "", user: User | None = None, paper: Paper | None = None
) -> Follow:
    """Follow a (normalised) tag name, another user or a paper; following again is a no-op."""
    target = _target(tag=tag, user=user, paper=paper)
    if user is not None and user.pk == follower.pk:
        raise CannotFollow("You cannot follow yourself.")
    if len(tag) > Follow._meta.get_field("tag").max_length:
        raise CannotFollow("That tag is too long to follow.")
    existing = Follow.objects.filter(user=follower, **target).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Follow.objects.create(user=follower, **target)
    except IntegrityError:
        # The same follow, made a moment ago by another request.
        return Follow.objects.get(user=follower, **target)


def unfollow(
    *, follower: User, tag: str = "", user: User | None = None, paper: Paper | None = None
) -> None:
    Follow.objects.filter(user=follower, **_target(tag=tag, user=user, paper=paper)).delete()


def tags_renamed(*, old: set[str], to: str) -> None:
    """Those who followed a tag of ``old`` follow ``to`` (once) after a rename or merge."""
    with transaction.atomic():
        already = Follow.objects.filter(tag=to).values("user_id")
        Follow.objects.filter(tag__in=old, user_id__in=already).delete()
        # Two old names followed by one person: the lowest id moves, the others go.
        kept = Follow.objects.filter(tag__in=old).order_by("user_id", "pk").distinct("user_id")
        Follow.objects.filter(tag__in=old).exclude(pk__in=kept.values("pk")).delete()
        Follow.objects.filter(tag__in=old).update(tag=to)


def is_following(
    follower: User, *, tag: str = "", user: User | None = None, paper: Paper | None = None
) -> bool:
    if not follower.is_authenticated:
        return False
    return Follow.objects.filter(user=follower, **_target(tag=tag, user=user, paper=paper)).exists()


@dataclass
class Followed:
    """What someone follows, split by kind (from one query)."""

    follows: list[Follow] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        return [f.tag for f in self.follows if f.tag]

    @property
    def user_ids(self) -> list[int]:
        return [f.followed_user_id for f in self.follows if f.followed_user_id]

    @property
    def paper_ids(self) -> list[int]:
        return [f.paper_id for f in self.follows if f.paper_id]

    def matching(self) -> Q:
        """Notes from any of these follows (nothing at all when there are none)."""
        match = Q(pk__in=[])
        if self.tags:
            match |= Q(tag_names__overlap=self.tags)
        if self.user_ids:
            match |= Q(author_id__in=self.user_ids)
        if self.paper_ids:
            match |= Q(paper_id__in=self.paper_ids)
        return match


def followed_by(user: User) -> Followed:
    return Followed(list(Follow.objects.for_page(user)))


def followers_of_note(note: Note) -> dict[str, list[User]]:
    """Who follows the note's paper, its author, and any of its tags (active users only)."""
    people = User.objects.filter(is_active=True).distinct().order_by("pk")
    tag_followers: list[User] = []
    if note.tag_names:
        tag_followers = list(
            people.filter(pk__in=Follow.objects.filter(tag__in=note.tag_names).values("user_id"))
        )
    return {
        "paper": list(
            people.filter(pk__in=Follow.objects.filter(paper_id=note.paper_id).values("user_id"))
        ),
        "user": list(
            people.filter(
                pk__in=Follow.objects.filter(followed_user_id=note.author_id).values("user_id")
            )
        ),
        "tag": tag_followers,
    }

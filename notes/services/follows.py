"""Following tags, people and papers: the writes, and the notes a person's follows bring.

A follow names exactly one target. Following twice is the same as following once (the
database's unique constraints settle a double click or two requests at once).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from accounts.models import User
from notes.models import Follow, Paper
from notes.selectors.follows import target_fields
from notes.services.errors import WriteRefused
from notes.wording import said


class CannotFollow(WriteRefused):
    """The target cannot be followed (oneself, an empty tag); ``message`` says why."""


def follow(
    *, follower: User, tag: str = "", user: User | None = None, paper: Paper | None = None
) -> Follow:
    """Follow a (normalised) tag name, another user or a paper; following again is a no-op."""
    target = target_fields(tag=tag, user=user, paper=paper)
    if user is not None and user.pk == follower.pk:
        raise CannotFollow(said(gettext_noop("You cannot follow yourself.")))
    if len(tag) > Follow._meta.get_field("tag").max_length:
        raise CannotFollow(said(gettext_noop("That tag is too long to follow.")))
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
    Follow.objects.filter(user=follower, **target_fields(tag=tag, user=user, paper=paper)).delete()


def tags_renamed(*, old: set[str], to: str) -> None:
    """Those who followed a tag of ``old`` follow ``to`` (once) after a rename or merge."""
    with transaction.atomic():
        already = Follow.objects.filter(tag=to).values("user_id")
        Follow.objects.filter(tag__in=old, user_id__in=already).delete()
        # Two old names followed by one person: the lowest id moves, the others go.
        kept = Follow.objects.filter(tag__in=old).order_by("user_id", "pk").distinct("user_id")
        Follow.objects.filter(tag__in=old).exclude(pk__in=kept.values("pk")).delete()
        Follow.objects.filter(tag__in=old).update(tag=to)

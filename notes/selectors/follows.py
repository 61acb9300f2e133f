"""What a reader follows, and who follows what a note is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, connections, router
from django.db.models import Q

from accounts.models import User
from notes.models import Follow, Note, Paper


def target_fields(*, tag: str = "", user: User | None = None, paper: Paper | None = None) -> dict:
    """The fields of a ``Follow`` of exactly one of ``tag``, ``user`` or ``paper``."""
    if sum(bool(x) for x in (tag, user, paper)) != 1:
        raise ValueError("Follow exactly one of a tag, a user or a paper.")
    if tag:
        return {"tag": tag}
    if user is not None:
        return {"followed_user": user}
    return {"paper": paper}


def is_following(
    follower: User, *, tag: str = "", user: User | None = None, paper: Paper | None = None
) -> bool:
    """Whether ``follower`` follows the one target (every page with a follow button asks)."""
    if not follower.is_authenticated:
        return False
    ((name, target),) = target_fields(tag=tag, user=user, paper=paper).items()
    value = target if name == "tag" else target.pk
    with connections[router.db_for_read(Follow)].cursor() as cursor:
        cursor.execute(_following_sql(name), [follower.pk, value])
        return cursor.fetchone()[0]


@lru_cache(maxsize=3)
def _following_sql(target: str) -> str:
    """Whether a reader follows a target (the ``Follow`` field ``target``): a constant
    statement, rather than a query compiled on each page."""
    meta, quote = Follow._meta, connection.ops.quote_name
    return (
        f"SELECT EXISTS (SELECT 1 FROM {quote(meta.db_table)}"  # noqa: S608 - the model's names only
        f" WHERE {quote(meta.get_field('user').column)} = %s"
        f" AND {quote(meta.get_field(target).column)} = %s)"
    )


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

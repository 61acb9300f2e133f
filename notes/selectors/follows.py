"""What a reader follows, and who follows what a note is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, connections, router
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from accounts.models import User
from notes.caching import entry_html
from notes.models import Follow, Note, Paper
from notes.selectors import statements


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


@dataclass(frozen=True, slots=True)
class FollowRow:
    """One thing someone follows, as the following page shows it: a tag, a person (their
    username and name) or a paper (its title). Read as a row, not as three models: a reader
    who follows a hundred and fifty things would otherwise build four hundred and fifty
    model instances on every visit of the page."""

    pk: int
    tag: str
    followed_user_id: int | None
    username: str | None
    display_name: str | None
    paper_id: int | None
    paper_title: str | None

    @property
    def user_name(self) -> str:
        """The followed person's name as the site shows it (``User.name``)."""
        return self.display_name or self.username or ""

    def get_absolute_url(self) -> str:
        return self._url("notes:tag", "notes:profile", "notes:paper")

    def unfollow_url(self) -> str:
        return self._url("notes:follow_tag", "notes:follow_user", "notes:follow_paper")

    def _url(self, for_tag: str, for_user: str, for_paper: str) -> str:
        """The URL named for what is followed, with the tag, the username or the paper."""
        if self.tag:
            return entry_html.url(for_tag, self.tag)
        if self.followed_user_id:
            return entry_html.url(for_user, self.username or "")
        return entry_html.url(for_paper, self.paper_id or 0)


_FOLLOW_ROW_FIELDS = (
    "pk",
    "tag",
    "followed_user_id",
    "followed_user__username",
    "followed_user__display_name",
    "paper_id",
    "paper__title",
)


@dataclass
class Followed:
    """What someone follows, split by kind (from one query)."""

    follows: list[FollowRow] = field(default_factory=list)

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
        """Notes from any of these follows (nothing at all when there are none).

        Each kind is one array parameter: a reader following fifty tags, fifty people and
        fifty papers made the ORM compile 150 parameters on every page (2 ms, more than
        the database took to find the page)."""
        if not self.follows:
            return Q(pk__in=[])
        return Q(
            RawSQL(  # noqa: S611 - a constant statement; the follows are its parameters
                _FOLLOWED_SQL,
                [self.tags, self.user_ids, self.paper_ids],
                output_field=BooleanField(),
            )
        )


# A note of a followed tag, person or paper: ``Q(tag_names__overlap=…) | Q(author_id__in=…)
# | Q(paper_id__in=…)`` as the ORM writes it (PostgreSQL reads ``IN (…)`` as ``= ANY``),
# with the same type for the tags, so that the tags' index serves it alike. For a query of
# the notes table under its own name (not as a subquery's alias).
_FOLLOWED_SQL = (
    '("notes_note"."tag_names" && %s::varchar(100)[]'
    ' OR "notes_note"."author_id" = ANY(%s::bigint[])'
    ' OR "notes_note"."paper_id" = ANY(%s::bigint[]))'
)


def followed_by(user: User) -> Followed:
    rows = statements.rows(_follows_statement(), Follow, user.pk)
    return Followed([FollowRow(*row) for row in rows])


@lru_cache(maxsize=1)
def _follows_statement() -> statements.Statement:
    """``Follow.objects.for_page(user)``'s rows of ``_FOLLOW_ROW_FIELDS``, compiled once
    (``notes.selectors.statements``): compiling it on each visit of the Following page took
    longer than the database's answer, and reading its rows through the ORM's iterator
    longer still (0.98 → 0.23 ms for 150 follows)."""
    reader = User(pk=statements.READER)
    return statements.compiled(Follow.objects.for_page(reader).values_list(*_FOLLOW_ROW_FIELDS))


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

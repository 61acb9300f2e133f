"""Selectors for the lists of notes: the index, tag pages, user pages, search and feeds.

A ``Listing`` says what to show (words, tags, authors, years) and in which order; the
viewer decides what may be shown (``Note.objects.visible_to``). Pages are cut by id first
(an index-only walk even deep into the list) and only the page's notes are then loaded
with their paper and author.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, QuerySet

from accounts.forms import users_named
from accounts.models import User
from notes import search
from notes.models import Note

PAGE_SIZE = 20
SORTS = {
    "modified": "modified",
    "created": "created",
    "year": "paper_year",
    "title": "paper_title",
}
SORT_LABELS = {
    "modified": "date modified",
    "created": "chronology (created)",
    "year": "paper year",
    "title": "title",
    "relevance": "relevance",
}
PUBLIC_TAG_COUNTS_KEY = "notes:tag-counts:public"
TAG_COUNTS_SECONDS = 60


@dataclass(frozen=True)
class Listing:
    text: str = ""
    tags: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "modified"
    descending: bool = True

    def with_query(self, raw: str) -> Listing:
        """Fold a search box's ``tag:`` and ``user:`` terms into this listing."""
        parsed = search.parse_query(raw)
        return replace(
            self,
            text=parsed.text,
            tags=tuple(dict.fromkeys(self.tags + parsed.tags)),
            users=tuple(dict.fromkeys(self.users + parsed.users)),
        )


def notes_for(
    viewer: Any, listing: Listing, *, base: QuerySet[Note] | None = None
) -> QuerySet[Note]:
    """The notes ``viewer`` may see that match ``listing``, in its order."""
    notes = Note.objects.visible_to(viewer) if base is None else base
    if listing.tags:
        notes = notes.filter(tag_names__contains=list(listing.tags))
    for username in listing.users:
        notes = notes.filter(author__username__iexact=username)
    if listing.year_from is not None:
        notes = notes.filter(paper_year__gte=listing.year_from)
    if listing.year_to is not None:
        notes = notes.filter(paper_year__lte=listing.year_to)
    if listing.text:
        notes = search.matching(notes, listing.text)
    if listing.sort == "relevance" and listing.text:
        return notes.order_by("-rank", "-modified", "-id")
    key = SORTS.get(listing.sort, "modified")
    if key == "paper_year":
        nulls = {"nulls_last": True} if listing.descending else {"nulls_first": True}
        year = F(key).desc(**nulls) if listing.descending else F(key).asc(**nulls)
        return notes.order_by(year, "-id" if listing.descending else "id")
    direction = "-" if listing.descending else ""
    return notes.order_by(f"{direction}{key}", f"{direction}id")


def page_of(notes: QuerySet[Note], number: Any, *, per_page: int = PAGE_SIZE) -> Page:
    """One page of ``notes`` as entries, whatever the page's depth.

    The page is first cut as ids, which PostgreSQL finds from an index without reading
    the notes it skips; then only those notes are read, with their paper and author.
    """
    paginator = Paginator(notes.values_list("id", flat=True), per_page)
    page = paginator.get_page(number)
    ids = list(page.object_list)
    loaded = Note.objects.filter(pk__in=ids).for_entries().in_bulk()
    page.object_list = [loaded[pk] for pk in ids if pk in loaded]
    return page


def _counts(sql: str, params: list[Any]) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


_TAG_COUNT_SQL = (
    "SELECT tag, count(*) FROM notes_note, unnest(tag_names) AS tag "
    "WHERE deleted_at IS NULL AND {where} GROUP BY tag"
)


def public_tag_counts() -> dict[str, int]:
    counts = cache.get(PUBLIC_TAG_COUNTS_KEY)
    if counts is None:
        counts = _counts(
            _TAG_COUNT_SQL.format(where="visibility = 'public' AND hidden_at IS NULL"), []
        )
        cache.set(PUBLIC_TAG_COUNTS_KEY, counts, TAG_COUNTS_SECONDS)
    return counts


def forget_tag_counts() -> None:
    """Called on every change of a note, so the counts shown are never stale."""
    cache.delete(PUBLIC_TAG_COUNTS_KEY)


def tag_counts(viewer: Any) -> dict[str, int]:
    """Each tag with the number of notes ``viewer`` can see carrying it.

    Public counts (of notes not hidden by moderators) are shared by everyone (and cached);
    a viewer's own private or hidden notes are added on top, so nobody's counts reveal
    another person's private or hidden notes.
    """
    counts = dict(public_tag_counts())
    if getattr(viewer, "is_authenticated", False):
        own = _counts(
            _TAG_COUNT_SQL.format(
                where="(visibility = 'private' OR hidden_at IS NOT NULL) AND author_id = %s"
            ),
            [viewer.pk],
        )
        for tag, count in own.items():
            counts[tag] = counts.get(tag, 0) + count
    return counts


def autocomplete(viewer: Any, prefix: str, *, limit: int = 10) -> list[tuple[str, int]]:
    prefix = prefix.strip().lower().lstrip("#")
    if not prefix:
        return []
    found = [(tag, n) for tag, n in tag_counts(viewer).items() if tag.startswith(prefix)]
    return sorted(found, key=lambda item: (-item[1], item[0]))[:limit]


def find_user(username: str) -> User | None:
    if "\x00" in username:
        return None  # PostgreSQL text cannot hold NUL, and no username has one
    return users_named(username).filter(is_active=True).first()

"""Selectors for the lists of notes: the index, tag pages, user pages, search and feeds.

A ``Listing`` says what to show (words, tags, authors, years) and in which order; the
viewer decides what may be shown (``Note.objects.visible_to``). Pages are cut by id first
(an index-only walk even deep into the list, from the nearer end or, in the longest public
lists, from the nearest of their ``marks``) and only the page's notes are then loaded
with their paper and author.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection, router
from django.db.models import F, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from accounts.models import User, users_named
from notes import visibility
from notes.caching import generations, public_counts, public_tagged
from notes.caching.fragments import read_entries
from notes.models import Note
from notes.selectors import marks, search

PAGE_SIZE = 20
SORTS = {
    "modified": "modified",
    "created": "created",
    "year": "paper_year",
    "title": "paper_title",
}
# The pager's links ("previous", "next") in each order, newest or Z–A first (descending)
# and oldest or A–Z first. A translation turns the arrows round for a right-to-left
# language, where the previous page's link stands on the right.
PAGER_WORDS = {
    "modified": {True: (_("← Newer"), _("Older →")), False: (_("← Older"), _("Newer →"))},
    "created": {True: (_("← Newer"), _("Older →")), False: (_("← Older"), _("Newer →"))},
    "year": {
        True: (_("← Newer papers"), _("Older papers →")),
        False: (_("← Older papers"), _("Newer papers →")),
    },
    "title": {
        True: (_("← Later in the alphabet"), _("Earlier in the alphabet →")),
        False: (_("← Earlier in the alphabet"), _("Later in the alphabet →")),
    },
    "relevance": {True: (_("← More relevant"), _("Less relevant →"))},
}
PUBLIC_TAG_COUNTS_KEY = "notes:tag-counts:public"
TAG_COUNTS_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Listing:
    text: str = ""
    tags: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "modified"
    descending: bool = True

    @property
    def pager_words(self) -> tuple[str, str]:
        """What the pager's links to the previous and the next page say in this order."""
        if self.sort == "relevance":
            return PAGER_WORDS["relevance"][True]
        return PAGER_WORDS.get(self.sort, PAGER_WORDS["modified"])[self.descending]

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
        return notes.order_by(*search.RELEVANCE)
    key = SORTS.get(listing.sort, "modified")
    if key == "paper_year":
        nulls = {"nulls_last": True} if listing.descending else {"nulls_first": True}
        year = F(key).desc(**nulls) if listing.descending else F(key).asc(**nulls)
        return notes.order_by(year, "-id" if listing.descending else "id")
    if key == "paper_title":
        # Lower-cased, so that case never decides even where the "natural" collation could
        # not be ICU's (see migration 0015); the public title index is on this expression.
        title = Lower(key)
        return notes.order_by(
            title.desc() if listing.descending else title.asc(),
            "-id" if listing.descending else "id",
        )
    direction = "-" if listing.descending else ""
    return notes.order_by(f"{direction}{key}", f"{direction}id")


# A list that has no stored count counts its notes only up to this many pages past the one
# asked for; beyond that it says "more than", instead of reading every match to count it.
# Whole pages, so that "more than N notes" also means "more than N / PAGE_SIZE pages".
COUNT_AHEAD_PAGES = 5
# Up to this many notes counted, the ids themselves are read instead: one statement gives
# the count and the page (a person's first pages), where counting and then cutting took two.
IDS_READ_WHOLE_UP_TO = 500


class ListPaginator(Paginator):
    """A paginator that may know only that there are more than N notes (``capped``).

    A capped count is N + 1, so that the page after the N-th note exists; pages say
    "more than" ``count_shown`` notes and ``pages_shown`` pages.
    """

    capped = False

    @property
    def count_shown(self) -> int:
        return self.count - 1 if self.capped else self.count

    @property
    def pages_shown(self) -> int:
        return self.num_pages - 1 if self.capped else self.num_pages


class IdWindow:
    """The ids of a list, for a paginator: its count (exact or capped) and cuts by offset."""

    def __init__(self, fetch: Callable[[int, int], list[int]], total: int) -> None:
        self.fetch = fetch
        self.total = total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, cut: slice) -> list[int]:
        start, stop = cut.start or 0, cut.stop if cut.stop is not None else self.total
        return self.fetch(start, stop) if stop > start else []


def ids_in_order(ids: QuerySet[Note], total: int | None) -> Callable[[int, int], list[int]]:
    """Cuts of ``ids``; knowing the ``total``, a cut nearer the end is read from the end.

    Reading backwards (in the reverse order) skips fewer rows, so the deepest pages
    cost what the first ones do.
    """

    def fetch(start: int, stop: int) -> list[int]:
        if total is not None and start > total - stop:
            return list(ids.reverse()[max(total - stop, 0) : total - start])[::-1]
        return list(ids[start:stop])

    return fetch


def page_number(number: Any) -> int:
    """The page asked for, as the paginator will read it (anything odd is page 1)."""
    try:
        return max(int(number), 1)
    except (TypeError, ValueError):
        return 1


def _tags_only(listing: Listing) -> bool:
    """Whether ``listing`` picks its notes by tags alone (or not at all)."""
    if listing.text or listing.users:
        return False
    return listing.year_from is None and listing.year_to is None


def _public_count_key(listing: Listing) -> str | None:
    """The key of the stored number of public notes in ``listing``, when it has one."""
    if not _tags_only(listing) or len(listing.tags) > 1:
        return None
    return public_counts.tag_key(listing.tags[0]) if listing.tags else public_counts.ALL


def public_cuts(
    public: QuerySet[Note], listing: Listing, key: str, total: int
) -> Callable[[int, int], list[int]]:
    """Cuts of ``public``, the public notes of ``listing``, whose ``total`` is stored under
    ``key``. By date, one tag's notes are read from the tag's own rows
    (``notes.caching.public_tagged``); newest first, a deep page is read from the nearest
    of the list's marks (``notes.selectors.marks``)."""
    rows, id_field = _public_rows(public, listing)
    plain = ids_in_order(rows.values_list(id_field, flat=True), total)
    if not _by_date(listing) or not listing.descending:
        return plain
    return marks.cuts(rows, id_field, total, key, plain)


def _by_date(listing: Listing) -> bool:
    return SORTS.get(listing.sort, "modified") == "modified"  # relevance with no words too


def _public_rows(public: QuerySet[Note], listing: Listing) -> tuple[QuerySet[Any], str]:
    """Rows in the order of ``public`` (the public notes of ``listing``) and the name of
    their column of note ids: by date, the tags' own rows, which hold no other tag's
    notes (``notes.caching.public_tagged``)."""
    if _by_date(listing) and listing.tags and _tags_only(listing):
        return public_tagged.in_order(listing.tags, descending=listing.descending), "note_id"
    return public, "id"


def public_ids(listing: Listing) -> QuerySet[Any]:
    """The ids of the public notes of ``listing``, in its order."""
    rows, id_field = _public_rows(notes_for(AnonymousUser(), listing), listing)
    return rows.values_list(id_field, flat=True)


def _own_unlisted(viewer: Any, listing: Listing) -> QuerySet[Note]:
    """``viewer``'s own notes in ``listing`` that the public counts leave out (private or
    hidden)."""
    unlisted = Note.objects.filter(visibility.own_unlisted_q(viewer))
    return notes_for(viewer, listing, base=unlisted)


def page_of(
    notes: QuerySet[Note],
    number: Any,
    *,
    per_page: int = PAGE_SIZE,
    count: int | None = None,
    fetch: Callable[[int, int], list[int]] | None = None,
    ahead: int | None = None,
) -> Page:
    """One page of ``notes`` as entries, whatever the page's depth.

    The page is first cut as ids, which PostgreSQL finds from an index without reading
    the notes it skips; then only those notes' entries are read (``notes.caching.fragments``).
    ``count``, when known (from the stored counts), saves counting the list; otherwise the
    list is counted up to ``ahead`` pages (default ``COUNT_AHEAD_PAGES``) past the one asked
    for (up to ``IDS_READ_WHOLE_UP_TO`` notes, by reading their ids, which are the page's
    cut too). With ``ahead=0`` there is no counting query at all: the page's cut reads one id
    more, which tells whether a next page exists (for lists whose every match is costly
    to check, such as a search).
    ``fetch`` cuts the ids when the list's order is read in parts (search by relevance).
    """
    ids = notes.values_list("id", flat=True)
    ahead = COUNT_AHEAD_PAGES if ahead is None else ahead
    capped = False
    if count is None and ahead == 0:
        count, fetch = _peek(notes, number, per_page, fetch or ids_in_order(ids, None))
        capped = count > page_number(number) * per_page
    elif count is None:
        limit = (page_number(number) + ahead) * per_page
        if fetch is None and limit <= IDS_READ_WHOLE_UP_TO:
            found = list(ids[: limit + 1])
            count, fetch = len(found), lambda start, stop: found[start:stop]
        else:
            count = notes.order_by().values("id")[: limit + 1].count()
        capped = count > limit
    if fetch is None:
        fetch = ids_in_order(ids, None if capped else count)
    paginator = ListPaginator(IdWindow(fetch, count), per_page)
    paginator.capped = capped
    page = paginator.get_page(number)
    page.object_list = read_entries(list(page.object_list))
    return page


def _peek(
    notes: QuerySet[Note], number: Any, per_page: int, fetch: Callable[[int, int], list[int]]
) -> tuple[int, Callable[[int, int], list[int]]]:
    """The page's ids and one more, read at once: a count (capped just past the page)
    and a ``fetch`` that hands out what was read."""
    start = (page_number(number) - 1) * per_page
    ids = fetch(start, start + per_page + 1)
    if not ids and start:
        # Past the end of the list: count it, so that the paginator shows its last page.
        return notes.order_by().values("id")[: start + 1].count(), fetch
    return start + len(ids), lambda a, b: ids[a - start : b - start]


def list_reader(viewer: Any) -> Any:
    """Whom ``viewer``'s lists are read for: anyone (an anonymous reader) when ``viewer``
    has no notes of their own that others may not read (``visibility.HAS_UNLISTED_SQL``,
    which ``visibility.has_unlisted`` reads with a note's query). Their lists are then
    exactly the public ones, read from the public indexes and stored counts, with no
    query built and run for their own notes: one constant statement instead."""
    if visibility.reader_id(viewer) is None:
        return viewer
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {visibility.HAS_UNLISTED_SQL}", [viewer.pk])
        (has_unlisted,) = cursor.fetchone()
    return viewer if has_unlisted else AnonymousUser()


def listing_page(viewer: Any, listing: Listing, number: Any) -> Page:
    viewer = list_reader(viewer)
    if listing.sort == "relevance" and listing.text:
        listed = replace(listing, text="")
        public = None
        if visibility.reader_id(viewer) is not None:
            public = notes_for(AnonymousUser(), listed)
        window = search.RelevanceWindow(notes_for(viewer, listed), listing.text, public=public)
        return page_of(window.matches, number, fetch=window.ids, ahead=0)
    notes = notes_for(viewer, listing)
    key = _public_count_key(listing)
    if key is None:
        fetch = None
        if visibility.reader_id(viewer) is None and listing.tags:
            # Several tags: ``notes`` is the public list, cut from the tags' rows.
            rows, id_field = _public_rows(notes, listing)
            fetch = ids_in_order(rows.values_list(id_field, flat=True), None)
        return page_of(notes, number, ahead=count_ahead(listing), fetch=fetch)
    count = public_counts.public_count(key)
    if getattr(viewer, "is_authenticated", False):
        count, fetch = with_own_notes(viewer, listing, notes, key, count)
    else:
        fetch = public_cuts(notes, listing, key, count)
    return page_of(notes, number, count=count, fetch=fetch, ahead=count_ahead(listing))


# A logged-in reader's list is the public list and the reader's own unlisted notes (private
# or hidden). Asked for both at once (``public or mine``), PostgreSQL cannot use the public
# lists' partial indexes and reads and sorts every note for a page; so the public part is
# cut as for anyone, and the reader's own few are read whole and merged in, when they
# are at most this many.
OWN_MERGED_AT_MOST = 200


def with_own_notes(
    viewer: Any, listing: Listing, notes: QuerySet[Note], key: str, public_count: int
) -> tuple[int, Callable[[int, int], list[int]] | None]:
    """The number of notes in ``notes`` (``viewer``'s list, of which ``public_count`` are
    public, stored under ``key``) and cuts of it made of the public list's cuts and the
    viewer's own unlisted notes, read once for both; no cuts (``None``) when the viewer
    has too many unlisted notes to merge."""
    own_notes = _own_unlisted(viewer, listing)
    own = list(own_notes.values_list("id", flat=True)[: OWN_MERGED_AT_MOST + 1])
    if len(own) > OWN_MERGED_AT_MOST:
        return public_count + own_notes.count(), None
    public_cut = public_cuts(notes_for(AnonymousUser(), listing), listing, key, public_count)
    if not own:
        # Nothing of their own to merge in: the reader's list is the public one.
        return public_count, public_cut

    def fetch(start: int, stop: int) -> list[int]:
        # At most ``len(own)`` own notes come before the public note at ``first``, so
        # the list's notes from ``start`` to ``stop`` are among those public ones and
        # the own ones.
        first = max(0, min(start - len(own), public_count - 1))
        cut = public_cut(first, stop) if public_count > 0 else []
        # Merged in the list's order, the note at ``i`` is the list's note ``first + i``
        # from the public note at ``first`` on; the own notes before that one come before
        # ``start`` either way.
        merged = notes.filter(pk__in=[*cut, *own]).values_list("id", flat=True)
        return [pk for i, pk in enumerate(merged) if start <= first + i < stop]

    return public_count + len(own), fetch


def count_ahead(listing: Listing) -> int:
    """How many pages past the one shown to count a list that has no stored count.

    Words or tags are matched note by note, which makes counting ahead cost as much as
    several pages; such lists read one note past their page instead (see ``page_of``).
    """
    return 0 if listing.text or listing.tags else COUNT_AHEAD_PAGES


def _counts(sql: str, params: list[Any]) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


# A reader's own notes that are in no public count, by tag of the vocabulary (taggit's).
_OWN_TAG_COUNT_SQL = f"""
SELECT tag.name, count(*) FROM notes_note
JOIN notes_taggednote AS tagged ON tagged.content_object_id = notes_note.id
JOIN taggit_tag AS tag ON tag.id = tagged.tag_id
WHERE {visibility.own_unlisted_sql()} GROUP BY tag.name
"""  # noqa: S608 - built from constants only


def public_tag_counts() -> dict[str, int]:
    """Each tag of the vocabulary (taggit's ``Tag``) with its number of public notes (not
    hidden), cached under the public generation, so a change in any process shows in
    every other at once."""
    key = f"{PUBLIC_TAG_COUNTS_KEY}:{generations.public()}"
    counts = cache.get(key)
    if counts is None:
        prefix = public_counts.tag_key("")
        stored = {
            key.removeprefix(prefix): count
            for key, count in public_counts.public_counts_starting(prefix).items()
        }
        names = Tag.objects.filter(name__in=list(stored)).values_list("name", flat=True)
        counts = {name: stored[name] for name in names}
        cache.set(key, counts, TAG_COUNTS_SECONDS)
    return counts


def tag_counts(viewer: Any) -> dict[str, int]:
    """Each tag with the number of notes ``viewer`` can see carrying it.

    Public counts (of notes not hidden by moderators) are shared by everyone (and cached);
    a viewer's own private or hidden notes are added on top, so nobody's counts reveal
    another person's private or hidden notes.
    """
    counts = dict(public_tag_counts())
    if getattr(viewer, "is_authenticated", False):
        own = _counts(_OWN_TAG_COUNT_SQL, [viewer.pk])
        for tag, count in own.items():
            counts[tag] = counts.get(tag, 0) + count
    return counts


def autocomplete(viewer: Any, prefix: str, *, limit: int = 10) -> list[tuple[str, int]]:
    prefix = prefix.strip().lower().lstrip("#")
    if not prefix or "\x00" in prefix:
        return []  # no tag has a NUL, which PostgreSQL text cannot hold
    counts = tag_counts(viewer)
    names = Tag.objects.filter(name__startswith=prefix).values_list("name", flat=True)
    found = [(name, counts[name]) for name in names if name in counts]
    return sorted(found, key=lambda item: (-item[1], item[0]))[:limit]


# A person's page and feed look their owner up by name on every visit; the ORM built and
# compiled that query each time (0.4 ms, against 0.16 ms for the same row read from the
# statement compiled once, with the name as its one parameter).
_NAME = "\x01name\x01"  # a stand-in: no username has it


@functools.cache
def _user_named_sql(alias: str) -> tuple[str, tuple[Any, ...]]:
    query = users_named(_NAME).filter(is_active=True).using(alias)[:1]
    sql, params = query.query.sql_with_params()
    return sql, params


def find_user(username: str) -> User | None:
    """The active user named ``username``, ignoring case."""
    if "\x00" in username:
        return None  # PostgreSQL text cannot hold NUL, and no username has one
    alias = router.db_for_read(User)
    sql, params = _user_named_sql(alias)
    named = [username if param == _NAME else param for param in params]
    return next(iter(User.objects.db_manager(alias).raw(sql, named)), None)

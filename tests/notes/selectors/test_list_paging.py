"""Every page of a list shows its notes in order, however deep, and honest page counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Note
from notes.selectors import browse
from notes.selectors.browse import Listing
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="entry[^"]*" id="n(\d+)"', html)]


@pytest.fixture
def forty_five(alice: User, bob: User) -> list[Note]:
    notes = []
    for i in range(45):
        # A few papers without a year and repeated titles, so ties and NULLs are paged too.
        paper = make_paper(alice, title=f"Paper {i % 7}", year=None if i % 5 == 0 else 1990 + i % 9)
        notes.append(make_note(alice if i % 2 else bob, paper, tags=["all", f"t{i % 2}"]))
    return notes


@pytest.mark.parametrize(
    "query, listing",
    [
        ("", Listing()),
        ("sort=created&order=asc", Listing(sort="created", descending=False)),
        ("sort=year", Listing(sort="year")),
        ("sort=year&order=asc", Listing(sort="year", descending=False)),
        ("sort=title", Listing(sort="title")),
        ("tag=all", Listing(tags=("all",))),
        ("tag=all&tag=t1", Listing(tags=("all", "t1"))),
    ],
)
def test_every_page_holds_its_slice_of_the_list(
    forty_five: list[Note], query: str, listing: Listing
) -> None:
    expected = list(browse.notes_for(AnonymousUser(), listing).values_list("id", flat=True))
    numbers = range(1, -(-len(expected) // 20) + 1)
    pages = [_ids(Client().get(f"/?{query}&page={n}").content.decode()) for n in numbers]
    assert pages == [expected[start : start + 20] for start in range(0, len(expected), 20)]
    assert [pk for page in pages for pk in page] == expected


def test_a_short_list_is_counted_and_cut_from_its_ids_read_once(
    forty_five: list[Note], alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to ``IDS_READ_WHOLE_UP_TO`` notes counted, the ids read for the count are the
    page's cut too: the same pages and counts as counting and cutting apart, one query less."""
    expected = list(
        browse.notes_for(AnonymousUser(), Listing())
        .filter(author=alice)
        .values_list("id", flat=True)
    )
    assert len(expected) == 22
    seen, default = {}, browse.IDS_READ_WHOLE_UP_TO
    for whole in (default, 0):
        monkeypatch.setattr(browse, "IDS_READ_WHOLE_UP_TO", whole)
        pages, queries = [], []
        for n in (1, 2, 3):
            cache.clear()  # the entries are read and rendered anew each time
            with CaptureQueriesContext(connection) as captured:
                html = Client().get(f"/u/alice/?page={n}").content.decode()
            pages.append(_ids(html))
            queries.append(len(captured.captured_queries))
            assert "(22)" in html
        assert pages == [expected[:20], expected[20:], expected[20:]]  # page 3 is the last
        seen[whole] = queries
    assert [a + 1 for a in seen[default]] == seen[0]


def test_a_list_counted_past_its_cap_says_more_than(
    forty_five: list[Note], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browse, "COUNT_AHEAD_PAGES", 0)
    first = Client().get("/u/alice/").content.decode()
    assert "more than 20" in first
    assert 'rel="next"' in first
    last = Client().get("/u/alice/?page=2").content.decode()
    assert "(22)" in last
    assert len(_ids(last)) == 22 - 20


def test_a_search_or_tag_intersection_reads_one_past_its_page_instead_of_counting(
    forty_five: list[Note], django_assert_max_num_queries: Any
) -> None:
    # No counting query: the page's cut reads one id more to know whether a next exists
    # (and the tags' stored counts are read, to walk the rarest tag's rows).
    with django_assert_max_num_queries(4):
        first = Client().get("/?tag=all&tag=t0").content.decode()
    assert "Page 1 of" not in first and "Page 1" in first
    assert 'rel="next"' in first
    last = Client().get("/?tag=all&tag=t0&page=2").content.decode()
    assert "Page 2 of 2" in last
    assert 'rel="next"' not in last
    assert len(_ids(last)) == 23 - 20
    # Past the end: the last page, with its exact number.
    beyond = Client().get("/?tag=all&tag=t0&page=9").content.decode()
    assert "Page 2 of 2" in beyond
    assert len(_ids(beyond)) == 3
    found = Client().get("/search/", {"q": "summary"}).content.decode()
    assert "More than 20 notes found" in found
    found_last = Client().get("/search/", {"q": "summary", "page": 3}).content.decode()
    assert "45 notes found" in found_last


def test_an_exact_page_needs_no_next_page() -> None:
    # A list of exactly one page: the read past the page finds nothing, so no "next".
    alice = User.objects.create_user(username="carol", password="pw-carol-123!")
    for i in range(20):
        make_note(alice, make_paper(alice, title=f"Exact {i}"), tags=["x", "y"])
    page = Client().get("/?tag=x&tag=y").content.decode()
    assert len(_ids(page)) == 20
    assert 'rel="next"' not in page
    assert "Page 1" not in page  # a single page shows no pagination at all


@pytest.fixture
def with_private(alice: User, bob: User, forty_five: list[Note]) -> list[Note]:
    """Alice's private notes among the public ones: the oldest, the newest and between."""
    private = [make_note(alice, body=f"Private {i}.", visibility="private") for i in range(2)]
    for public in forty_five[::9]:
        paper = public.paper if public.author != alice else None
        private.append(make_note(alice, paper, visibility="private"))
    Note.objects.filter(pk=private[0].pk).update(modified=forty_five[0].modified)
    return private


@pytest.mark.parametrize(
    "query, listing",
    [
        ("", Listing()),
        ("sort=created&order=asc", Listing(sort="created", descending=False)),
        ("sort=year", Listing(sort="year")),
        ("sort=title&order=asc", Listing(sort="title", descending=False)),
        ("tag=physics", Listing(tags=("physics",))),
    ],
)
def test_a_readers_own_private_notes_take_their_places_on_every_page(
    with_private: list[Note], alice: User, query: str, listing: Listing
) -> None:
    client = Client()
    client.force_login(alice)
    expected = list(browse.notes_for(alice, listing).values_list("id", flat=True))
    assert set(expected) >= {note.pk for note in with_private if "physics" in note.tag_names}
    numbers = range(1, -(-len(expected) // 20) + 2)  # and one page past the end
    pages = [_ids(client.get(f"/?{query}&page={n}").content.decode()) for n in numbers]
    assert [pk for page in pages[:-1] for pk in page] == expected
    assert pages[:-1] == [expected[start : start + 20] for start in range(0, len(expected), 20)]


def test_a_readers_page_is_cut_from_the_public_list_not_from_every_note(
    with_private: list[Note], alice: User
) -> None:
    # Asked for "public or mine" at once, PostgreSQL reads and sorts every note for a
    # page; the public part is cut from its own index, as for anyone.
    client = Client()
    client.force_login(alice)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/?page=2")
    cuts = [q["sql"] for q in ctx.captured_queries if "OFFSET" in q["sql"]]
    assert cuts
    assert not any(f'"author_id" = {alice.pk}' in sql for sql in cuts)

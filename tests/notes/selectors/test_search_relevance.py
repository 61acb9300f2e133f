"""Relevance: head (title, tags, authors) matches first, then body matches; newest first."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Note
from tests.factories import make_note, make_paper
from tests.notes.selectors.estimates import orm_order, overestimated

pytestmark = pytest.mark.django_db


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="entry search-result" id="n(\d+)"', html)]


def test_head_matches_come_first_then_body_matches_newest_first(alice: User, bob: User) -> None:
    in_title = make_note(alice, make_paper(title="Holography"))
    old_body = make_note(alice, body="Holography, mentioned in passing.")
    by_author = make_note(bob, make_paper(title="Optics", authors="Holography Group"))
    new_body = make_note(bob, body="Holography again, and holography once more.")
    tagged = make_note(alice, tags=["holography"])
    found = _ids(Client().get("/search/", {"q": "holography"}).content.decode())
    assert found == [tagged.pk, by_author.pk, in_title.pk, new_body.pk, old_body.pk]


def test_an_excluded_word_in_the_body_rules_out_a_head_match(alice: User) -> None:
    excluded = make_note(alice, make_paper(title="Holography basics"), body="Uses lasers.")
    kept = make_note(alice, make_paper(title="Holography at home"), body="Uses candles.")
    found = _ids(Client().get("/search/", {"q": "holography -lasers"}).content.decode())
    assert found == [kept.pk]
    assert excluded.pk not in found


def test_a_phrase_in_the_title_is_a_head_match(alice: User) -> None:
    body = make_note(alice, body="On gradient descent in practice.")
    apart = make_note(alice, make_paper(title="Descent of the gradient"))
    title = make_note(alice, make_paper(title="Gradient descent revisited"))
    found = _ids(Client().get("/search/", {"q": '"gradient descent"'}).content.decode())
    assert found == [title.pk, body.pk]
    assert apart.pk not in found


def test_pages_run_from_the_head_matches_into_the_body_matches(alice: User, bob: User) -> None:
    body = [make_note(alice, body=f"Entropy, note {i}.") for i in range(3)]
    head = [make_note(bob, make_paper(title=f"Entropy {i}")) for i in range(21)]
    first = _ids(Client().get("/search/", {"q": "entropy"}).content.decode())
    second = _ids(Client().get("/search/", {"q": "entropy", "page": 2}).content.decode())
    assert len(first) == 20
    assert first == [n.pk for n in reversed(head)][:20]
    assert second == [head[0].pk, *(n.pk for n in reversed(body))]
    assert len(set(first + second)) == 24


def test_a_rare_word_reads_its_matches_and_a_common_word_walks_the_date_index() -> None:
    from notes.selectors.search import reads_every_match

    # Measured: at a million notes, a word in 1,040 notes took 240 ms on the walk.
    assert reads_every_match(1_644, 21, notes=890_000)
    assert not reads_every_match(19_000, 21, notes=90_000)  # 42 ms read, 1.7 ms walked
    assert not reads_every_match(300_000, 21, notes=890_000)
    # Deeper pages walk further: the bound grows with them.
    assert not reads_every_match(12_000, 21, notes=890_000)
    assert reads_every_match(12_000, 101, notes=890_000)


def test_a_word_between_rare_and_common_reads_the_newest_notes_first() -> None:
    from notes.selectors.search import recent_window

    # Thousands of matches at a million notes: a window of the newest notes, holding a few
    # times the page's end, costs less than reading every match.
    assert recent_window(4_000, 21, notes=890_000) == 14_018
    assert recent_window(9_000, 101, notes=890_000) == 29_964
    # A few matches are read whole; so are those of a list the window would cover.
    assert recent_window(500, 21, notes=890_000) is None
    assert recent_window(40, 21, notes=1_000) is None
    assert recent_window(0, 21, notes=890_000) is None


def test_a_common_word_in_fewer_heads_reads_them_from_the_newest_notes() -> None:
    from notes.selectors.search import head_window

    # Measured at a million notes: `channel` (5,757 heads estimated) checked 4,200 heads on
    # the walk, 7.8 ms; from the newest notes 2.9 ms. `kernel` (12,439 heads) walked 2.6 ms.
    assert head_window(5_757, 21, notes=890_000) == 9_740
    assert head_window(12_439, 21, notes=890_000) is None
    assert head_window(35_000, 21, notes=890_000) is None
    # Deeper pages need more heads: the window grows with them.
    assert head_window(5_757, 101, notes=890_000) == 46_843
    # No window as long as the list itself, and none without an estimate.
    assert head_window(50, 21, notes=1_000) is None
    assert head_window(0, 21, notes=890_000) is None


# Every match read and sorted (what a rare word gets), the date index walked (a common
# word), or the matches among the newest notes (a word between), read from a window of
# notes that holds enough of them, or not (then every match is read after all).
READS = {"every match": None, "the walk": None, "the newest 8": 8, "the newest 16": 16}


@pytest.mark.parametrize("reads", READS)
@pytest.mark.parametrize("query", ["holography", "holography -lasers", "holography user:alice"])
def test_the_window_reads_the_same_order_as_the_querysets_it_stands_for(
    alice: User, bob: User, query: str, reads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The window is one statement over the list's own condition; a list that needs a join
    # (by user) compiles the two parts as querysets. All are held to the ORM's order.
    from notes.selectors import search

    every = reads != "the walk"
    monkeypatch.setattr(search, "reads_every_match", lambda matches, stop, notes: every)
    monkeypatch.setattr(search, "recent_window", lambda matches, stop, notes: READS[reads])
    from notes.caching.fragments import condition_of
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import RelevanceWindow, parse_query

    for i in range(30):
        author = alice if i % 3 else bob
        title = "Holography" if i % 4 == 0 else f"Optics {i}"
        body = "Holography with lasers." if i % 5 == 0 else "Holography in passing."
        make_note(author, make_paper(title=title), body=body, tags=["optics"])
    parsed = parse_query(query)
    for viewer in (alice, bob):
        notes = notes_for(viewer, Listing(users=parsed.users, sort="relevance"))
        window = RelevanceWindow(notes, parsed.text)
        assert (condition_of(notes) is None) == bool(parsed.users)  # which way it reads
        expected = orm_order(notes, parsed.text)
        assert expected
        for start, stop in [(0, 7), (5, 12), (20, 40)]:
            with CaptureQueriesContext(connection) as queries:
                assert window.ids(start, stop) == expected[start:stop], (query, start)
            ran = " ".join(query["sql"] for query in queries.captured_queries)
            if READS[reads] and not parsed.users:
                # The newest notes are asked first; every match is read only when they held
                # too few (always for the fortieth of thirty notes; never for the first page,
                # which the head matches nearly fill).
                assert "WITH recent" in ran
                if stop == 40 or start == 0:
                    assert ("WITH matches" in ran) == (stop == 40), ran


@pytest.mark.parametrize("window", [8, 16])
@pytest.mark.parametrize("query", ["holography", "holography -lasers"])
def test_a_common_word_reads_its_heads_from_the_newest_notes_in_the_same_order(
    alice: User, bob: User, query: str, window: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A word the walk would find (its body matches are many) whose heads are read from the
    # newest notes first: from those alone when they hold the page's end, else the walk
    # reads the page. Held to the ORM's order either way.
    from notes.caching.fragments import condition_of
    from notes.selectors import search
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import RelevanceWindow

    monkeypatch.setattr(search, "reads_every_match", lambda matches, stop, notes: False)
    monkeypatch.setattr(search, "head_window", lambda heads, stop, notes: window)
    made = []
    for i in range(30):
        title = "Holography" if i % 2 == 0 else f"Optics {i}"
        body = "Holography with lasers." if i % 5 == 0 else "Holography in passing."
        made.append(make_note(alice if i % 3 else bob, make_paper(title=title), body=body))
    # The public list, and a reader's own list with its public part (as the views give it).
    public = notes_for(AnonymousUser(), Listing(sort="relevance"))
    for viewer in (AnonymousUser(), bob):
        notes = notes_for(viewer, Listing(sort="relevance"))
        expected = orm_order(notes, query)
        newest = {note.pk for note in made[-window:]}
        heads_made = {
            note.pk
            for i, note in enumerate(made)
            if i % 2 == 0 and not ("-lasers" in query and i % 5 == 0)
        }
        assert condition_of(notes) is not None
        for start, stop in [(0, 3), (0, 7), (5, 12), (20, 40)]:
            with CaptureQueriesContext(connection) as queries:
                found = RelevanceWindow(notes, query, public=public).ids(start, stop)
            assert found == expected[start:stop], (query, start, stop)
            ran = [captured["sql"] for captured in queries.captured_queries]
            asked = [sql for sql in ran if "modified >=" in sql and "search_head" in sql]
            walks = [sql for sql in ran if "UNION ALL" in sql and "EXPLAIN" not in sql]
            assert len(asked) == 1, ran  # the newest notes' heads are asked first
            # The walk follows only when the window held fewer heads than the page's end.
            assert bool(walks) == (len(heads_made & newest) < stop), (window, stop, ran)


def test_the_window_takes_its_estimates_from_postgresql(alice: User) -> None:
    from django.db import connection

    from notes.caching.fragments import condition_of
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import RelevanceWindow

    for i in range(40):
        make_note(alice, body="Holography today." if i % 10 == 0 else f"Optics, part {i}.")
    for i in range(2):
        make_note(alice, make_paper(title=f"Holography {i}"), body="On lenses.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notes_note")
    notes = notes_for(alice, Listing(sort="relevance"))
    where, params = condition_of(notes)
    matches, listed, heads = RelevanceWindow(notes, "holography").estimates(where, params, "")
    assert 1 <= matches < 20 and 30 <= listed <= 50
    assert 0 < heads < 10  # in two titles
    # Planned once: the same query on the same list asks PostgreSQL no more for a while.
    with CaptureQueriesContext(connection) as queries:
        again = RelevanceWindow(notes, "holography").estimates(where, params, "")
    assert again == (matches, listed, heads) and not queries.captured_queries
    with CaptureQueriesContext(connection) as queries:
        RelevanceWindow(notes, "optics").estimates(where, params, "")
    assert len(queries.captured_queries) == 1


def test_the_newest_notes_date_is_asked_once_a_minute_for_windows_alike(alice: User) -> None:
    from django.db import connection

    from notes.caching.fragments import condition_of
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import _cutoff, cutoff_window

    made = [make_note(alice, body=f"Optics, part {i}.") for i in range(12)]
    where, params = condition_of(notes_for(alice, Listing(sort="relevance")))
    assert cutoff_window(7) == cutoff_window(8) == 8 and cutoff_window(13) == 14
    with CaptureQueriesContext(connection) as queries:
        first = _cutoff(where, params, "", cutoff_window(7))
        again = _cutoff(where, params, "", cutoff_window(8))
    assert len(queries.captured_queries) == 1
    assert first == again == made[-8].modified
    assert _cutoff(where, params, "", cutoff_window(13)) is None  # the list has twelve


def _searched_twice(notes: QuerySet[Note], text: str, expected: list[int]) -> list[str]:
    """The statements of two searches for ``text`` in ``notes`` (each run's, joined), each
    of whose first page of seven is ``expected``."""
    from notes.selectors.search import RelevanceWindow

    runs = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert RelevanceWindow(notes, text).ids(0, 7) == expected
        runs.append(" ".join(query["sql"] for query in queries.captured_queries))
    return runs


def test_a_window_that_held_too_few_corrects_the_estimate(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A word PostgreSQL overestimates (missing from its statistics) tries the newest notes
    # once; the next search for it reads every match at once.
    from notes.caching.fragments import condition_of
    from notes.selectors import search
    from notes.selectors.browse import Listing, notes_for

    monkeypatch.setattr(search, "reads_every_match", lambda matches, stop, notes: True)
    overestimated(monkeypatch)
    old = [make_note(alice, body=f"Holography, part {i}.") for i in range(3)]
    for i in range(20):
        make_note(alice, body=f"Optics, part {i}.")
    notes = notes_for(alice, Listing(sort="relevance"))
    assert condition_of(notes) is not None
    expected = [note.pk for note in reversed(old)]
    runs = _searched_twice(notes, "holography", expected)
    assert "WITH recent" in runs[0] and "WITH matches" in runs[0]
    assert "WITH recent" not in runs[1] and "WITH matches" in runs[1]


def test_a_head_window_that_held_too_few_corrects_the_heads_estimate(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A word whose heads PostgreSQL overestimates tries the newest notes' heads once; the
    # next search for it walks at once.
    from notes.selectors import search
    from notes.selectors.browse import Listing, notes_for
    from tests.notes.selectors.estimates import estimated

    monkeypatch.setattr(search, "reads_every_match", lambda matches, stop, notes: False)
    monkeypatch.setattr(search, "head_window", lambda heads, stop, notes: 8 if heads >= 2 else None)
    monkeypatch.setattr(search.RelevanceWindow, "estimates", estimated(20.0, heads=10.0))
    old = [make_note(alice, make_paper(title=f"Holography {i}")) for i in range(3)]
    body = [make_note(alice, body=f"Holography, part {i}.") for i in range(20)]
    notes = notes_for(AnonymousUser(), Listing(sort="relevance"))
    expected = [note.pk for note in [*reversed(old), *reversed(body)]][:7]
    runs = _searched_twice(notes, "holography", expected)
    assert "modified >=" in runs[0] and "UNION ALL" in runs[0]
    assert "modified >=" not in runs[1] and "UNION ALL" in runs[1]


@pytest.mark.parametrize("reads", ["matches", "heads"])
def test_a_readers_own_list_cuts_its_windows_at_dates_of_its_public_part(
    alice: User, bob: User, reads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Alice's list has her private notes too; its windows' cut-off dates come from the
    # public notes' own date index, and the pages are as the ORM orders her list.
    from django.contrib.auth.models import AnonymousUser

    from notes.selectors import search
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import RelevanceWindow

    monkeypatch.setattr(search, "reads_every_match", lambda m, stop, n: reads == "matches")
    monkeypatch.setattr(search, "recent_window", lambda m, stop, n: 8)
    monkeypatch.setattr(search, "head_window", lambda heads, stop, n: 8)
    for i in range(24):
        title = "Holography" if i % 2 == 0 else f"Optics {i}"
        make_note(bob, make_paper(title=title), body="Holography in passing.")
        if i % 6 == 5:  # hers, among every age of the list
            make_note(
                alice, make_paper(title=f"Holography {i}"), body="Holography.", visibility="private"
            )
    listing = Listing(sort="relevance")
    notes = notes_for(alice, listing)
    expected = orm_order(notes, "holography")
    public = notes_for(AnonymousUser(), listing)
    with CaptureQueriesContext(connection) as queries:
        for start, stop in [(0, 3), (0, 7), (5, 12)]:
            window = RelevanceWindow(notes, "holography", public=public)
            assert window.ids(start, stop) == expected[start:stop], (start, stop)
    ran = [query["sql"] for query in queries.captured_queries]
    dates = [sql for sql in ran if sql.lstrip().startswith("SELECT modified FROM")]
    assert dates, ran  # a cut-off date was read (once: it is kept a minute)
    assert not [sql for sql in dates if "author_id" in sql]


@pytest.mark.parametrize("url", ["/search/", "/api/v1/search/"])
def test_the_site_and_the_api_cut_a_readers_windows_at_public_dates(
    alice: User, bob: User, alice_client: Client, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notes.selectors import search

    monkeypatch.setattr(search, "reads_every_match", lambda m, stop, n: False)
    monkeypatch.setattr(search, "head_window", lambda heads, stop, n: 8)
    for i in range(12):
        make_note(bob, make_paper(title=f"Holography {i}"))
    mine = make_note(alice, make_paper(title="Holography, mine"), visibility="private")
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.get(url, {"q": "holography"})
    assert response.status_code == 200
    if url.startswith("/api/"):
        found = [note["id"] for note in response.json()["results"]]
    else:
        found = _ids(response.content.decode())
    assert found[0] == mine.pk and len(found) == 13  # hers is the newest
    ran = [query["sql"] for query in queries.captured_queries]
    dates = [sql for sql in ran if sql.lstrip().startswith("SELECT modified FROM")]
    assert dates and not [sql for sql in dates if "author_id" in sql], ran


def test_a_list_narrowed_by_a_tag_walks_its_heads(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its cut-off date would be read note by note (the tag is not in the date index): the
    # heads' window is not tried, the walk reads the page.
    from notes.selectors import search
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import RelevanceWindow

    monkeypatch.setattr(search, "reads_every_match", lambda m, stop, n: False)
    monkeypatch.setattr(search, "head_window", lambda heads, stop, n: 8)
    for i in range(20):
        make_note(alice, make_paper(title=f"Holography {i}"), tags=["optics"] if i % 2 else [])
    for listing in (
        Listing(sort="relevance", tags=("optics",)),
        Listing(sort="relevance", year_from=1900),
    ):
        notes = notes_for(AnonymousUser(), listing)
        expected = orm_order(notes, "holography")
        with CaptureQueriesContext(connection) as queries:
            assert RelevanceWindow(notes, "holography").ids(0, 7) == expected[:7]
        ran = [captured["sql"] for captured in queries.captured_queries]
        assert not [sql for sql in ran if "modified >=" in sql], ran
        assert [sql for sql in ran if "UNION ALL" in sql and "EXPLAIN" not in sql]

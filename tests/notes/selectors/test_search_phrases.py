"""Phrase search: found through the index of adjacent word pairs, not note by note.

A phrase of two common words that no note has side by side used to read every note with
both words to check their positions. The pairs index (migration 0013) finds the notes that
have the words next to each other; these tests hold it to the full-text match it narrows.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Note
from notes.selectors.search import CONFIG, did_you_mean, required_phrases, search_query
from tests.corpora import naughty_strings
from tests.factories import make_note, make_paper, revise
from tests.notes.selectors.estimates import orm_order, overestimated

pytestmark = pytest.mark.django_db


def _found(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'id="n(\d+)"', response.content.decode())}


def _full_text_matches(query: str) -> set[int]:
    """What PostgreSQL's own match of the whole document finds: the reference."""
    return set(Note.objects.filter(search_vector=search_query(query)).values_list("pk", flat=True))


def _pairs_of(phrases: tuple[str, ...]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT notes_phrase_pairs(%s::regconfig, %s::text[])", [CONFIG, list(phrases)]
        )
        return cursor.fetchone()[0]


@pytest.fixture
def spectra(alice: User, bob: User) -> dict[str, Note]:
    """Notes with "cell" and "spectrum" side by side, apart, reversed, in a title, …"""
    return {
        "adjacent": make_note(alice, body="The cell spectrum is flat."),
        "inflected": make_note(bob, body="Two cells spectrum samples."),
        "apart": make_note(alice, body="A cell with a wide spectrum."),
        "reversed": make_note(bob, body="The spectrum cell is odd."),
        "hyphenated": make_note(alice, body="A cell-spectrum analysis."),
        "title": make_note(bob, make_paper(title="Cell spectrum atlas"), body="Nothing here."),
        "neither": make_note(alice, body="Unrelated words only."),
    }


QUERIES = [
    '"cell spectrum"',
    '"spectrum cell"',
    '"cells spectra"',
    '"cell-spectrum analysis"',
    '"cell spectrum" flat',
    '"cell spectrum" -flat',
    '"cell spectrum" or "spectrum cell"',
    '-"cell spectrum" cell',
    '"cell of spectrum"',
    '"cell spectrum',
    '"spectrum atlas" nothing',
]


@pytest.mark.parametrize("query", QUERIES)
def test_a_phrase_search_finds_what_the_full_text_match_finds(
    spectra: dict[str, Note], query: str
) -> None:
    expected = _full_text_matches(query)
    assert _found(Client().get("/search/", {"q": query})) == expected
    assert _found(Client().get("/search/", {"q": query, "sort": "date"})) == expected


def test_a_phrase_finds_exactly_the_notes_with_its_words_side_by_side(
    spectra: dict[str, Note],
) -> None:
    found = _found(Client().get("/search/", {"q": '"cell spectrum"'}))
    names = {name for name, note in spectra.items() if note.pk in found}
    assert names == {"adjacent", "inflected", "hyphenated", "title"}


def test_the_pairs_index_narrows_a_phrase_to_the_notes_that_have_it(
    spectra: dict[str, Note],
) -> None:
    # "apart" and "reversed" have both words: a search without the pairs reads them too.
    both_words = set(
        Note.objects.filter(search_vector=search_query("cell spectrum")).values_list(
            "pk", flat=True
        )
    )
    candidates = set(
        Note.objects.filter(
            search_pairs__contains=_pairs_of(required_phrases('"cell spectrum"'))
        ).values_list("pk", flat=True)
    )
    assert {spectra["apart"].pk, spectra["reversed"].pk} <= both_words
    assert candidates == _full_text_matches('"cell spectrum"')


def test_the_search_asks_the_pairs_index(spectra: dict[str, Note]) -> None:
    # The pairs are a constant of the statement, so that the planner can tell a phrase in
    # half the notes from a rare one even in a plan it keeps for a prepared statement.
    literal = "'{" + ",".join(map(str, _pairs_of(("cell spectrum",)))) + "}'::integer[]"
    for sort in ("relevance", "date"):
        with CaptureQueriesContext(connection) as captured:
            Client().get("/search/", {"q": '"cell spectrum"', "sort": sort})
        asking = [q["sql"] for q in captured.captured_queries if literal in q["sql"]]
        assert asking and all("search_pairs" in sql for sql in asking), sort


def test_the_pairs_of_a_phrase_are_asked_once(spectra: dict[str, Note]) -> None:
    client = Client()
    client.get("/search/", {"q": '"cell spectrum"'})
    with CaptureQueriesContext(connection) as again:
        client.get("/search/", {"q": '"cell spectrum"', "page": 2})
    assert not any("notes_phrase_pairs" in q["sql"] for q in again.captured_queries)


def test_the_index_finds_a_phrase_without_reading_the_notes_with_both_words(
    alice: User, bob: User
) -> None:
    for i in range(30):
        make_note(alice if i % 2 else bob, body=f"A cell, then a spectrum ({i}).")
    make_note(alice, body="One cell spectrum.")
    sql = (
        "EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM notes_note "
        "WHERE search_pairs @> notes_phrase_pairs(%s::regconfig, %s::text[]) "
        "AND search_vector @@ websearch_to_tsquery(%s::regconfig, %s)"
    )
    with connection.cursor() as cursor:
        # So few rows would be read whole; the index is what a large table uses.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(sql, [CONFIG, ["cell spectrum"], CONFIG, '"cell spectrum"'])
        plan = cursor.fetchone()[0][0]["Plan"]
        cursor.execute("RESET enable_seqscan")
    # The notes read to check the phrase: those the index gave, whether they passed or not.
    checked = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
    checked += plan.get("Rows Removed by Index Recheck", 0)
    assert plan["Node Type"] == "Bitmap Heap Scan"
    assert "search_pairs" in plan["Recheck Cond"]
    assert (plan["Actual Rows"], checked) == (1, 1)


def test_a_phrase_follows_edits(alice: User) -> None:
    note = make_note(alice, body="The cell spectrum is flat.")
    note = revise(note, "The spectrum of a cell is flat.")
    assert _found(Client().get("/search/", {"q": '"cell spectrum"'})) == set()
    revise(note, "Back to the cell spectrum.")
    assert _found(Client().get("/search/", {"q": '"cell spectrum"'})) == {note.pk}


def test_phrase_results_page_and_count_honestly(alice: User, bob: User, carol: User) -> None:
    users = [alice, bob, carol]
    notes = [make_note(users[i % 3], body=f"Note {i} on the cell spectrum.") for i in range(45)]
    for i in range(10):
        make_note(users[i % 3], body=f"A cell, a spectrum ({i}).")
    client = Client()
    pages = [client.get("/search/", {"q": '"cell spectrum"', "page": n}) for n in (1, 2, 3)]
    found = [_found(page) for page in pages]
    assert [len(f) for f in found] == [20, 20, 5]
    assert set().union(*found) == {note.pk for note in notes}
    assert "More than 20 notes found" in pages[0].content.decode()
    assert "45 notes found" in pages[2].content.decode()
    assert "Page 3 of 3" in pages[2].content.decode()


def test_required_phrases_leave_out_what_the_query_can_do_without() -> None:
    assert required_phrases('"cell spectrum"') == ("cell spectrum",)
    assert required_phrases('network "cell spectrum" -"a b"') == ("cell spectrum",)
    assert required_phrases('"cell spectrum" "model data"') == ("cell spectrum", "model data")
    assert required_phrases('"cell spectrum" or network') == ()
    assert required_phrases('"cell spectrum" OR "model data"') == ()
    assert required_phrases('"cell spectrum') == ()
    assert required_phrases('"network"') == ()
    assert required_phrases("cell spectrum") == ()
    # "or" inside a phrase is a word of it, and a word such as "orbit" is no "or".
    assert required_phrases('"cell or spectrum" orbit') == ("cell or spectrum",)


def test_pairs_are_never_more_than_a_match_needs_for_hostile_phrases(alice: User) -> None:
    """Whatever the text, a document with the phrase has every pair asked for.

    Were it otherwise, the pairs would hide notes the full-text match finds.
    """
    missed = []
    with connection.cursor() as cursor:
        for text in naughty_strings():
            text = text.replace("\x00", "")
            query = f'"{text}"' if '"' not in text else text
            phrases = required_phrases(query)
            if not phrases:
                continue
            cursor.execute(
                "SELECT d @@ websearch_to_tsquery(%s::regconfig, %s), "
                "notes_word_pairs(d) @> notes_phrase_pairs(%s::regconfig, %s::text[]) "
                "FROM to_tsvector(%s::regconfig, %s) AS d",
                [CONFIG, query, CONFIG, list(phrases), CONFIG, f"lead {text} tail"],
            )
            matches, has_pairs = cursor.fetchone()
            if matches and not has_pairs:
                missed.append(text)
    assert missed == []


def test_word_pair_hashes_are_stable_across_postgresql_versions(db) -> None:
    # Stored pairs are hashes made by PostgreSQL; a server whose hashtext() differed would
    # need every note's pairs rebuilt (notes.selectors.search.refresh()).
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes_word_pairs(to_tsvector('english', 'cell spectrum'))")
        assert cursor.fetchone()[0] == [1327002874]


def test_a_phrase_is_not_compared_with_every_title(alice: User) -> None:
    """ "Did you mean" compares the query with every title that shares enough of its letter
    triples: for a phrase of common words, most titles. A phrase asks for its words in
    their order, so it is not asked."""
    paper = make_paper(alice, title="Attention Is All You Need")
    make_note(alice, paper, body="A summary.")
    anonymous = AnonymousUser()
    assert did_you_mean("atention is al you ned", reader=anonymous).pk == paper.pk
    assert did_you_mean('"atention is al you ned"', reader=anonymous) is None
    with CaptureQueriesContext(connection) as captured:
        response = Client().get("/search/", {"q": '"all you need"'})
    assert response.status_code == 200
    assert not any("similarity" in q["sql"] for q in captured.captured_queries)


@pytest.fixture
def many_spectra(alice: User, bob: User, carol: User) -> None:
    """More notes with "cell spectrum" than a page: in bodies, in titles (head matches),
    with both pairs of "cell spectrum flat" but not the phrase, and private ones."""
    users = [alice, bob, carol]
    for i in range(45):
        make_note(users[i % 3], body=f"Note {i}: a cell spectrum flat and wide.")
        if i % 3 == 0:
            title = make_paper(title=f"Cell spectrum atlas {i}")
            make_note(users[i % 3], title, body="Nothing here.")
        if i % 4 == 0:
            make_note(users[i % 3], body=f"A cell spectrum, then a spectrum flat ({i}).")
        if i % 5 == 0:
            make_note(users[i % 3], body="Private cell spectrum.", visibility="private")


# The window from the newest notes with a phrase's pairs, as PostgreSQL's estimates
# decide (None), or with a cut-off date as for common pairs: one whose window holds too
# few candidates for any page (then the notes with the pairs are looked at without it),
# one that holds enough for the first pages, and one past the whole list (no cut-off
# date: the list has fewer notes).
@pytest.mark.parametrize("window", [None, 4, 40, 100_000])
@pytest.mark.parametrize(
    "query",
    ['"cell spectrum"', '"cell spectrum flat"', '"spectrum atlas"', '"cell spectrum" -flat'],
)
def test_a_phrase_window_reads_the_same_order_as_the_querysets_it_stands_for(
    many_spectra: None,
    alice: User,
    query: str,
    window: int | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The window of a phrase looks at the newest notes with its pairs only, and reads
    # again without that bound when they were too few to be sure: either way, the ORM's
    # order of every match.
    from notes.selectors import search
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import RelevanceWindow

    if window is not None:
        monkeypatch.setattr(search, "recent_window", lambda matches, stop, notes: window)
    ran: list[str] = []
    for viewer in (AnonymousUser(), alice):
        notes = notes_for(viewer, Listing(sort="relevance"))
        expected = orm_order(notes, query)
        assert expected
        for start, stop in [(0, 21), (20, 41), (40, 61), (60, 81)]:
            with CaptureQueriesContext(connection) as queries:
                found = RelevanceWindow(notes, query).ids(start, stop)
            assert found == expected[start:stop], (query, start)
            ran.extend(q["sql"] for q in queries.captured_queries)
            windows = [q["sql"] for q in queries.captured_queries if "WITH newest" in q["sql"]]
            # The window from a cut-off date is tried first, when there is one.
            since = [sql for sql in windows if "modified >= " in sql]
            assert len(since) == (window is not None and window < 100_000)
            if window == 4:  # four notes hold no page's candidates
                assert len(windows) > len(since)
    # PostgreSQL's estimate of the notes with the pairs, once for each reader's list.
    planned = [sql for sql in ran if sql.startswith("EXPLAIN") and "search_vector" not in sql]
    assert len(planned) == 2 and all("search_pairs @> " in sql for sql in planned)


def test_a_phrase_whose_newest_notes_held_too_few_corrects_the_estimate(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pairs PostgreSQL overestimates try the newest notes once; the next search for the
    # phrase looks at the notes with its pairs directly.
    from notes.selectors import search
    from notes.selectors.browse import Listing, notes_for

    overestimated(monkeypatch)
    old = [make_note(alice, body=f"A cell spectrum, part {i}.") for i in range(3)]
    for i in range(20):
        make_note(alice, body=f"Optics, part {i}.")
    notes = notes_for(alice, Listing(sort="relevance"))
    expected = [note.pk for note in reversed(old)]
    runs = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert search.RelevanceWindow(notes, '"cell spectrum"').ids(0, 7) == expected
        runs.append([q["sql"] for q in queries.captured_queries if "WITH newest" in q["sql"]])
    assert ["modified >= " in sql for sql in runs[0]] == [True, False]
    assert ["modified >= " in sql for sql in runs[1]] == [False]


def test_the_pairs_statistics_list_the_pairs_of_a_fifth_of_a_percent_of_the_notes() -> None:
    # Ten times PostgreSQL's default: at a million notes the thousand most common pairs
    # are those of more than 1.7 % of the notes, and every other pair was estimated at
    # 0.5 % of them, as common as the window from the newest notes is made for.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute"
            " WHERE attrelid = 'notes_note'::regclass AND attname = 'search_pairs'"
        )
        assert cursor.fetchone()[0] == 1000


def test_a_phrase_checks_the_documents_of_about_a_page_only(
    many_spectra: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phrase of two common words has its pairs in thousands of notes; the window
    checks the whole document of no more of them than the page needs, and a few more."""
    from notes.selectors import search
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import PHRASE_CANDIDATES_MORE, RelevanceWindow

    # As in a large table, where the matches are far too many to read them all: the
    # window walks the dates (at this size, PostgreSQL's estimates, which follow whatever
    # ran before in the same database, could choose either way).
    monkeypatch.setattr(search, "WALK_COST_PER_MATCH", 0)
    monkeypatch.setattr(search, "recent_window", lambda matches, stop, notes: None)

    window = RelevanceWindow(
        notes_for(AnonymousUser(), Listing(sort="relevance")), '"cell spectrum"'
    )
    statements = []

    def keep(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        assert len(window.ids(0, 21)) == 21
    ((sql, params),) = [statement for statement in statements if "WITH newest" in statement[0]]

    def checked(node: dict) -> int:
        """Rows whose whole document a plan node compared with the query (in a condition,
        or in what it returns: each candidate's check is a subquery of its own)."""
        own = 0
        compared = node.get("Filter", "") + node.get("Recheck Cond", "")
        if "search_vector" in compared + " ".join(node.get("Output", [])):
            rows = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            own = rows * node["Actual Loops"]
        return own + sum(checked(child) for child in node.get("Plans", []))

    # As for a large table, and whichever way the notes are found (no walk of the date
    # index, which would stop early anyway): a handful of rows would be read whole.
    settings = ("enable_seqscan", "enable_indexscan", "enable_hashjoin", "enable_mergejoin")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notes_note")
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0][0]["Plan"]
        for setting in settings:
            cursor.execute(f"RESET {setting}")
    assert 0 < checked(plan) <= 21 + PHRASE_CANDIDATES_MORE


def test_a_phrase_mostly_in_titles_looks_further_for_body_matches(alice: User) -> None:
    # The newest notes with the pairs all have the phrase in their titles: the first,
    # small look (PHRASE_NEWEST_TIMES[0] times the page) finds no body match to be sure
    # of, and the window looks again, further, before anything slower.
    from notes.selectors import search
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import PHRASE_NEWEST_TIMES, RelevanceWindow

    stop = 3
    for i in range(6):
        make_note(alice, body=f"An older cell spectrum in the text ({i}).")
    for i in range(PHRASE_NEWEST_TIMES[0] * stop + 2):
        make_note(alice, make_paper(title=f"Cell spectrum atlas {i}"), body="Nothing here.")
    notes = notes_for(AnonymousUser(), Listing(sort="relevance"))
    expected = orm_order(notes, '"cell spectrum"')
    looked = []
    window_of = search.RelevanceWindow._phrase_window

    def window(self, condition, start, stop, newest):  # type: ignore[no-untyped-def]
        found = window_of(self, condition, start, stop, newest)
        looked.append((newest, found is not None))
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search.RelevanceWindow, "_phrase_window", window)
        window_ids = RelevanceWindow(notes, '"cell spectrum"')
        assert window_ids.ids(0, stop) == expected[:stop]
        # Past the titles: the body matches, newest first.
        last = len(expected)
        assert window_ids.ids(last - 4, last) == expected[last - 4 :]
    first, second = (times * stop for times in PHRASE_NEWEST_TIMES)
    # The first page: the small look was cut short by the titles, the second was enough;
    # the last page: the small look (ten times a longer page) already reached every note.
    assert looked == [(first, False), (second, True), (PHRASE_NEWEST_TIMES[0] * last, True)]


def test_figures_an_earlier_release_kept_for_a_phrase_are_not_read(alice: User) -> None:
    # A shared cache outlives a deploy: an earlier release kept two figures (matches,
    # notes) for a phrase's pairs under a key of the same statement; this one keeps three.
    from django.core.cache import cache

    from notes.caching.fragments import condition_of
    from notes.selectors.browse import Listing, notes_for
    from notes.selectors.search import RelevanceWindow

    made = make_note(alice, body="A cell spectrum, flat.")
    notes = notes_for(alice, Listing(sort="relevance"))
    where, params = condition_of(notes)
    window = RelevanceWindow(notes, '"cell spectrum"')
    first = window.estimates(where, params, window.pairs_condition(), words=False)
    kept = window._estimates_key
    earlier = kept.replace("notes:estimates3:", "notes:estimates:")
    assert earlier != kept
    cache.clear()
    cache.set(earlier, (5.0, 23.0))
    again = window.estimates(where, params, window.pairs_condition(), words=False)
    assert again == first and len(again) == 3
    assert RelevanceWindow(notes, '"cell spectrum"').ids(0, 21) == [made.pk]

"""Deep pages of long public lists read from stored marks, not from an offset."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes import services
from notes.caching import public_counts
from notes.models import Note
from notes.selectors import browse, marks
from notes.selectors.browse import Listing
from notes.services.notes import NoteContent, note_save
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="entry[^"]*" id="n(\d+)"', html)]


@pytest.fixture
def marked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Marks every three notes in lists of ten or more."""
    monkeypatch.setattr(marks, "EVERY", 3)
    monkeypatch.setattr(marks, "MARKED_FROM", 10)


@pytest.fixture
def fifty(alice: User, bob: User) -> list[Note]:
    notes = []
    for i in range(50):
        paper = make_paper(alice, title=f"Paper {i}")
        notes.append(make_note(alice if i % 2 else bob, paper, tags=["all", f"t{i % 2}"]))
    # Ties on the date, which only the id breaks, across marks.
    Note.objects.filter(pk__in=[n.pk for n in notes[10:20]]).update(modified=notes[10].modified)
    return notes


def _public(listing: Listing) -> list[int]:
    return list(browse.notes_for(AnonymousUser(), listing).values_list("id", flat=True))


def _marks_read(queries: list[dict[str, str]]) -> int:
    return sum("row_number()" in query["sql"] for query in queries)


@pytest.mark.parametrize("listing", [Listing(), Listing(tags=("t1",))])
def test_every_cut_from_a_mark_is_the_lists_cut(
    marked: None, fifty: list[Note], listing: Listing
) -> None:
    expected = _public(listing)
    key = browse._public_count_key(listing)
    public = browse.notes_for(AnonymousUser(), listing)
    cuts = browse.public_cuts(public, listing, key, len(expected))
    for start in range(len(expected)):
        for stop in range(start + 1, min(start + 8, len(expected)) + 1):
            assert cuts(start, stop) == expected[start:stop], (start, stop)


@pytest.mark.parametrize("query, listing", [("", Listing()), ("tag=all", Listing(tags=("all",)))])
def test_every_page_holds_its_slice_for_anyone_and_for_a_reader_with_private_notes(
    marked: None, fifty: list[Note], alice: User, query: str, listing: Listing
) -> None:
    for reader in (None, alice):
        if reader is not None:
            make_note(alice, body="Private.", tags=["all"], visibility="private")
        client = Client()
        if reader is not None:
            client.force_login(reader)
        expected = list(
            browse.notes_for(reader or AnonymousUser(), listing).values_list("id", flat=True)
        )
        pages = [_ids(client.get(f"/?{query}&page={n}").content.decode()) for n in (1, 2, 3)]
        assert pages == [expected[0:20], expected[20:40], expected[40:60]]


def test_marks_are_read_once_and_only_for_deep_pages(marked: None, fifty: list[Note]) -> None:
    client = Client()
    with CaptureQueriesContext(connection) as first:
        client.get("/?page=1")
        client.get("/?page=3")  # the last page, read from the end
    assert _marks_read(first.captured_queries) == 0
    with CaptureQueriesContext(connection) as deep:
        client.get("/?page=2")
        client.get("/?page=2")
    assert _marks_read(deep.captured_queries) == 1
    cut = [q["sql"] for q in deep.captured_queries if "OFFSET" in q["sql"]][-1]
    assert '"modified" <=' in cut


def _statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def _slow_marks(monkeypatch: pytest.MonkeyPatch, within_ms: int, takes_seconds: float) -> None:
    """Marks read within ``within_ms`` by a statement that takes ``takes_seconds``, as a
    list read from disk."""
    monkeypatch.setattr(marks, "READ_MILLISECONDS", within_ms)
    slow = f"{marks._MARKS_SQL} AND (SELECT pg_sleep({takes_seconds})) IS NOT NULL"
    monkeypatch.setattr(marks, "_MARKS_SQL", slow)


def test_marks_that_take_too_long_are_left_for_a_minute_and_the_page_is_cut_plainly(
    marked: None, fifty: list[Note], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a list read from disk: the read of the marks runs past its time, is cancelled, and
    # the page is the list's slice all the same, within the request's own timeout, which
    # the rest of the request keeps.
    _slow_marks(monkeypatch, 50, 0.5)
    timeout = _statement_timeout()
    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/?page=2")
    assert page.status_code == 200
    assert _ids(page.content.decode()) == _public(Listing())[20:40]
    assert _marks_read(ctx.captured_queries) == 1
    assert cache.get(marks.cache_key_of(public_counts.ALL)) == b""
    assert _statement_timeout() == timeout
    with CaptureQueriesContext(connection) as again:
        assert _ids(client.get("/?page=2").content.decode()) == _public(Listing())[20:40]
    assert _marks_read(again.captured_queries) == 0


def test_a_shorter_statement_timeout_of_the_request_is_kept_for_the_marks(
    marked: None, fifty: list[Note], monkeypatch: pytest.MonkeyPatch
) -> None:
    _slow_marks(monkeypatch, 5_000, 0.6)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '200ms'")
    page = Client().get("/?page=2")
    assert _ids(page.content.decode()) == _public(Listing())[20:40]
    assert cache.get(marks.cache_key_of(public_counts.ALL)) == b""
    assert _statement_timeout() == "200ms"


def test_marks_read_in_time_leave_the_statement_timeout_as_it_was(
    marked: None, fifty: list[Note]
) -> None:
    timeout = _statement_timeout()
    Client().get("/?page=2")
    assert len(cache.get(marks.cache_key_of(public_counts.ALL))) > 0
    assert _statement_timeout() == timeout


def test_a_long_list_in_another_order_is_cut_by_offset(marked: None, fifty: list[Note]) -> None:
    with CaptureQueriesContext(connection) as ctx:
        page = Client().get("/?sort=created&order=asc&page=2").content.decode()
    assert _marks_read(ctx.captured_queries) == 0
    listing = Listing(sort="created", descending=False)
    assert _ids(page) == _public(listing)[20:40]


def test_marks_read_before_an_edit_shift_a_page_by_at_most_the_notes_edited(
    marked: None, fifty: list[Note], alice: User
) -> None:
    client = Client()
    before = _ids(client.get("/?page=2").content.decode())
    # Two notes from past the second page move to the top of the list.
    edited = _public(Listing())[45:47]
    for pk in edited:
        note = Note.objects.get(pk=pk)
        content = NoteContent(body="Edited.", tags=["all"], visibility="public")
        note_save(note=note, user=note.author, content=content, base_revision=note.revision)
    now = _public(Listing())
    stale = _ids(client.get("/?page=2").content.decode())
    assert stale == before  # read from the marks made before the edits
    assert stale == now[22:42]  # two places past where the list now puts page 2
    cache.delete(marks.cache_key_of(public_counts.ALL))
    assert _ids(client.get("/?page=2").content.decode()) == now[20:40]


def test_a_tag_of_any_characters_has_its_marks(marked: None, alice: User) -> None:
    tag = services.note_tags("ключ-ü.c++#")[0]  # a tag as the site stores it
    notes = [make_note(alice, make_paper(alice, title=f"P {i}"), tags=[tag]) for i in range(45)]
    expected = [note.pk for note in reversed(notes)]
    client = Client()
    assert (
        _ids(client.get("/?" + urlencode({"tag": tag, "page": 2})).content.decode())
        == (expected[20:40])
    )
    assert cache.get(marks.cache_key_of(public_counts.tag_key(tag))) is not None


def test_short_lists_have_no_marks(fifty: list[Note]) -> None:
    with CaptureQueriesContext(connection) as ctx:
        Client().get("/?page=2")
    assert _marks_read(ctx.captured_queries) == 0
    assert len(fifty) < marks.MARKED_FROM

"""A note's search data is written by its save, in the same row version: exactly what
``search.refresh`` builds from the stored note and its paper, whatever the text."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Note
from notes.selectors import search
from tests.corpora import naughty_strings
from tests.factories import make_note, make_paper, revise

pytestmark = pytest.mark.django_db


def _search_data(pk: int) -> tuple[object, ...]:
    return tuple(Note.objects.values_list(*search.SEARCH_COLUMNS).get(pk=pk))


def _refreshed(pk: int) -> tuple[object, ...]:
    search.refresh(note_ids=[pk])
    return _search_data(pk)


TEXTS = [
    "The cell spectrum of a quasicrystal, with $x_i$ math and `code`.",
    "O'Brien's \\\"quoted\\\" words: don't, can't, 'single', back\\\\slash.",
    "النتائجُ أحمد في المختبر — نصٌّ عربي",
    "",
    *naughty_strings()[::40],
]


def test_a_new_note_and_each_revision_carry_the_search_data_refresh_builds(alice: User) -> None:
    paper = make_paper(alice, title="Spectra of O'Brien's “quasi” crystals", authors="Ада Lovelace")
    note = make_note(alice, paper, body=TEXTS[0], tags=["c++", "o'brien", "über"])
    saved = _search_data(note.pk)
    assert saved == _refreshed(note.pk)
    assert all(value is not None for value in saved)
    for text in TEXTS[1:]:
        note = revise(note, text, tags=["x&y", text[:20].strip() or "empty"])
        saved = _search_data(note.pk)
        assert saved == _refreshed(note.pk), repr(text)
        # The saved note is found by its words, as any other.
        if "quasicrystal" in text:
            assert search.matching(Note.objects.all(), "quasicrystal").filter(pk=note.pk).exists()


def test_a_save_writes_the_note_s_row_once_without_reading_the_old_documents(alice: User) -> None:
    note = make_note(alice, body="First words.")
    with CaptureQueriesContext(connection) as queries:
        note = revise(note, "Second words, about a spectrum.")
    statements = [q["sql"].strip() for q in queries.captured_queries]
    updates = [sql for sql in statements if re.match(r'UPDATE "?notes_note"?\s', sql)]
    assert len(updates) == 1, updates
    # The documents it replaces are never read back: only the database needs them.
    selects = [sql for sql in statements if sql.startswith("SELECT")]
    assert not [sql for sql in selects if re.search(r'"notes_note"\."search_\w+"', sql)]
    assert search.matching(Note.objects.all(), "spectrum").filter(pk=note.pk).exists()
    assert not search.matching(Note.objects.all(), "first").filter(pk=note.pk).exists()

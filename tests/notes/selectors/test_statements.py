"""``RowLookup``: a note or a paper read with a statement compiled once is the one the ORM
reads — the same fields loaded and deferred, the same related rows, the same annotations
for each reader — in one query, with the statement made once per kind of reader."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model

from accounts.models import User
from notes.access import NOTE, NOTE_HISTORY, NOTE_PAGE, PAPER, PAPER_PAGE
from notes.models import Note, Paper
from notes.selectors import revbar
from notes.selectors.papers import papers_for_page
from notes.selectors.statements import RowLookup
from notes.services import note_vote, paper_rate
from tests.factories import make_note, make_paper, revise

pytestmark = pytest.mark.django_db

SHAPES = {
    "default": (
        NOTE,
        lambda reader: Note.objects.select_related("paper", "author").without_search_data(),
    ),
    "page": (
        NOTE_PAGE,
        lambda reader: Note.objects.for_page(reader).annotate(**revbar.annotations(reader)),
    ),
    "history": (NOTE_HISTORY, lambda reader: Note.objects.for_history()),
    "paper": (PAPER, lambda reader: Paper.objects.all()),
    "paper page": (PAPER_PAGE, papers_for_page),
}


def _state(instance: Model | None, annotations: tuple[str, ...] = ()) -> Any:
    """What an instance holds: its loaded fields, what it defers, its related rows'
    fields, and ``annotations``."""
    if instance is None:
        return None
    loaded = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in instance.get_deferred_fields()
    }
    related = {name: _state(cached) for name, cached in instance._state.fields_cache.items()}
    return (
        loaded,
        sorted(instance.get_deferred_fields()),
        related,
        {name: getattr(instance, name) for name in annotations},
    )


@pytest.fixture
def notes(alice: User, bob: User) -> list[Note]:
    public = make_note(alice, body="public $x$", tags=["a", "b"])
    revise(public, "public, again", tags=["a"])
    private = make_note(bob, make_paper(bob), body="private", visibility="private")
    note_vote(note=public, user=bob, vote=True)
    paper_rate(paper=public.paper, user=bob, stars=4)
    return [public, private]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_note_is_the_one_the_orm_reads_for_every_reader(
    shape: str, notes: list[Note], alice: User, bob: User, staff: User, django_assert_num_queries
) -> None:
    lookup, make = SHAPES[shape]
    for reader in (AnonymousUser(), alice, bob, staff):
        query = make(reader)
        annotations = tuple(query.query.annotations)
        rows = [note.paper_id for note in notes] if shape.startswith("paper") else notes
        for pk in (*(getattr(row, "pk", row) for row in rows), 987654321):
            expected = _state(query.filter(pk=pk).first(), annotations)
            with django_assert_num_queries(1):
                found = lookup.get(pk, reader)
                state = _state(found, annotations)
            assert state == expected, (shape, reader, pk)


def test_the_readers_own_flags_follow_the_reader(notes: list[Note], alice: User, bob: User) -> None:
    public = notes[0]
    assert NOTE_PAGE.get(public.pk, bob).viewer_voted is True
    assert NOTE_PAGE.get(public.pk, alice).viewer_voted is False
    assert NOTE_PAGE.get(public.pk, AnonymousUser()).viewer_voted is False
    assert list(NOTE_PAGE.get(public.pk, alice).newest_readable) == [0]


def test_a_statement_is_made_once_per_kind_of_reader(
    notes: list[Note], alice: User, bob: User
) -> None:
    made: list[object] = []

    def make(reader: Any) -> Any:
        made.append(reader)
        return Note.objects.for_page(reader)

    lookup = RowLookup(Note, make)
    for reader in (alice, bob, AnonymousUser(), alice, AnonymousUser()):
        assert lookup.get(notes[0].pk, reader).pk == notes[0].pk
    assert len(made) == 2
    assert made[0].is_authenticated and not made[1].is_authenticated

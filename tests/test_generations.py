"""The public generation changes with every change to public notes and papers, in the
change's own transaction, never with a view being counted, and never repeats a number."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import F
from django.test import Client

from accounts.models import User
from notes import generations
from notes.models import Note, Paper
from notes.moderation import flag, moderate
from notes.reactions import note_vote, paper_rate
from notes.services import NoteContent, note_save, note_trash, paper_save
from tests.conftest import BROWSER_AGENT
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db


def _changes(action) -> bool:
    before = generations.public()
    action()
    return generations.public() != before


def test_writing_notes_and_papers_changes_it(alice: User, bob: User, staff: User) -> None:
    paper = make_paper(alice)
    note = make_note(alice, paper, tags=["optics"])
    assert _changes(lambda: make_note(alice, tags=["optics"]))
    revised = NoteContent(body="Revised.", tags=["lasers"], visibility="public")
    assert _changes(lambda: note_save(note=note, user=alice, content=revised, base_revision=0))
    paper.title = "A new title"
    assert _changes(lambda: paper_save(paper=paper, user=alice))
    assert _changes(lambda: paper_rate(paper=paper, user=alice, stars=4))
    flag(flagger=bob, item=note, reason="spam")  # staff act only on what is flagged
    assert _changes(lambda: moderate(actor=staff, item=note, verb="hide"))
    assert _changes(lambda: note_trash(note=Note.objects.get(pk=note.pk)))
    assert _changes(lambda: Note.objects.filter(pk=note.pk).delete())


def test_counting_views_and_votes_leaves_it(alice: User, bob: User) -> None:
    note = make_note(alice, tags=["optics"])
    reader = Client(HTTP_USER_AGENT=BROWSER_AGENT)
    assert not _changes(lambda: reader.get(f"/n/{note.pk}/"))
    assert not _changes(lambda: reader.get(f"/papers/{note.paper_id}/"))
    assert not _changes(lambda: note_vote(note=note, user=bob, vote=True))
    assert Note.objects.get(pk=note.pk).view_count == 1
    assert Paper.objects.get(pk=note.paper_id).view_count == 1


def test_a_rolled_back_change_leaves_no_trace_and_no_number_comes_twice(alice: User) -> None:
    before = generations.public()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_note(alice)
        inside = generations.public()
        raise RuntimeError
    assert inside != before
    assert generations.public() == before
    make_note(alice)
    assert generations.public() not in {before, inside}


def test_a_bulk_update_of_a_public_column_changes_it_once(alice: User) -> None:
    make_note(alice)
    make_note(alice)
    assert _changes(lambda: Note.objects.update(tag_names=["bulk"]))
    assert not _changes(lambda: Note.objects.update(view_count=F("view_count") + 1))

"""``manage.py demo``: content that shows votes, ratings and related papers, and that a
second run leaves exactly as it was."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from notes.models import Note, NoteVote, Paper, PaperRating

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, object]:
    return {
        "notes": sorted(Note.objects.values_list("pk", "revision", "vote_count")),
        "papers": sorted(Paper.objects.values_list("pk", "rating_count", "rating_sum")),
        "votes": NoteVote.objects.count(),
        "ratings": PaperRating.objects.count(),
    }


def test_the_demo_shows_votes_ratings_and_related_papers_and_can_run_again() -> None:
    call_command("demo", stdout=StringIO())
    first = _snapshot()
    assert first["votes"] and first["ratings"]
    for note in Note.objects.all():
        assert note.vote_count == NoteVote.objects.filter(note=note).count()
        assert not NoteVote.objects.filter(note=note, user=note.author).exists()
    transformer = Paper.objects.get(arxiv_id="1706.03762")
    page = Client().get(f"/papers/{transformer.pk}/").content.decode()
    assert "4.5 from 2 ratings" in page
    assert "Read also" in page
    assert "Deep Residual Learning for Image Recognition" in page
    # alice's VAE note is private: its paper is never offered to others by it.
    assert "Auto-Encoding Variational Bayes" not in page

    call_command("demo", stdout=StringIO())
    assert _snapshot() == first

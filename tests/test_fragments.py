"""Remembered pieces of pages (entries, results, history rows) are never stale."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.services import paper_save
from tests.factories import make_note, revise

pytestmark = pytest.mark.django_db

PAGES = ["/", "/tags/physics/", "/u/alice/", "/search/?q=summary"]


def _all(client: Client, note_pk: int) -> str:
    return "".join(client.get(url).content.decode() for url in [*PAGES, f"/n/{note_pk}/history/"])


def test_pages_follow_paper_edits_name_changes_and_new_revisions(alice: User) -> None:
    client = Client()
    note = make_note(alice, body="A summary of the first kind.")
    before = _all(client, note.pk)  # remembers every piece
    assert "Alice Liddell" in before

    paper = note.paper
    paper.title = "Renamed study"
    paper_save(paper=paper, user=alice)
    alice.display_name = "Alice Pleasance"
    alice.save()
    revise(note, "A summary of the second kind.", message="clearer")

    after = _all(client, note.pk)
    assert "Renamed study" in after
    assert "Alice Pleasance" in after and "Alice Liddell" not in after
    assert "second kind" in after and "first kind" not in client.get("/").content.decode()
    assert "clearer" in after


def test_a_note_made_private_shows_its_badge_to_its_author(alice: User, alice_client) -> None:
    note = make_note(alice)
    alice_client.get("/u/alice/")
    note.visibility = "private"
    revise(note, note.body)
    assert '<span class="badge">private</span>' in alice_client.get("/u/alice/").content.decode()

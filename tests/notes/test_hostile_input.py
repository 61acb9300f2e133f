"""Every corpus string through the paper form (title, authors) and the tag field: a clear
answer, never a 500, and never executable markup in the page that shows it back."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.forms import NoteForm, PaperForm
from notes.models import Note, Paper
from tests.factories import make_paper
from tests.hostile import all_strings, executable_markup

pytestmark = pytest.mark.django_db


def test_corpus_strings_as_paper_title_and_authors(alice_client: Client) -> None:
    strings = all_strings()
    for text in strings:
        form = PaperForm({"title": text, "authors": text[:2000]})
        assert form.is_valid() or set(form.errors) <= {"title", "authors"}, text
    # The whole way, form to page, for every eighth string.
    for text in strings[::8]:
        response = alice_client.post("/papers/new/", {"title": text, "authors": text[:2000]})
        assert response.status_code in (200, 302), text
        if response.status_code == 302:
            response = alice_client.get(response["Location"])
            assert response.status_code == 200, text
        assert not executable_markup(response.content.decode()), text
    assert Paper.objects.count() > 150
    listing = alice_client.get("/papers/")
    assert not executable_markup(listing.content.decode())


def test_corpus_strings_as_tags_are_refused_or_kept_tidy() -> None:
    for text in all_strings():
        form = NoteForm({"body": "text", "tags": text, "visibility": "public"})
        if form.is_valid():
            for tag in form.cleaned_data["tags"]:
                assert tag == tag.lower().strip()
                assert "<" not in tag and ">" not in tag and '"' not in tag
        else:
            assert "tags" in form.errors, text


def test_a_sample_of_corpus_tags_through_the_editor(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice)
    for text in all_strings()[::25]:
        response = alice_client.post(
            f"/papers/{paper.pk}/write/", {"body": "text", "tags": text, "visibility": "public"}
        )
        assert response.status_code in (200, 302), text
        if response.status_code == 302:
            note = Note.objects.get(paper=paper, author=alice)
            assert not executable_markup(alice_client.get(f"/n/{note.pk}/").content.decode())
            assert not executable_markup(alice_client.get("/tags/").content.decode())
            note.delete()

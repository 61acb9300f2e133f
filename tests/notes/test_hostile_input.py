"""Every corpus string through the paper form (title, authors) and the tag field: a clear
answer, never a 500, and never executable markup in the page that shows it back."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.models import User
from notes.forms import NoteForm, PaperForm
from notes.models import Note, Paper
from tests.corpora import naughty_strings, xss_list_names, xss_payloads
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

OUR_SCRIPTS = {"/static/js/notes.js", "/static/js/htmx-2.0.10.min.js"}


class _ScriptFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _ in attrs}
        if any(name.startswith("on") for name in names):
            self.problems.append(f"event handler on <{tag}>")
        if tag in {"iframe", "object", "embed", "svg", "base"}:
            self.problems.append(f"<{tag}>")
        if tag == "script" and dict(attrs).get("src") not in OUR_SCRIPTS:
            self.problems.append("a script that is not ours")
        dangerous = ("javascript:", "data:", "vbscript:")
        for name, value in attrs:
            url = (value or "").strip().lower()
            if name in {"href", "src", "action"} and url.startswith(dangerous):
                self.problems.append(f"{name}={value[:40]}")


def _executable_markup(html: str) -> list[str]:
    finder = _ScriptFinder()
    finder.feed(html)
    return finder.problems


def _all_strings() -> list[str]:
    strings = [s for s in naughty_strings() if s.strip()]
    for name in sorted(xss_list_names()):
        strings.extend(line for line in xss_payloads(name) if line.strip())
    return strings


def test_corpus_strings_as_paper_title_and_authors(alice_client: Client) -> None:
    strings = _all_strings()
    for text in strings:
        form = PaperForm({"title": text, "authors": text[:2000]})
        assert form.is_valid() or set(form.errors) <= {"title", "authors"}, text
    # The whole way, form to page, for every fourth string.
    for text in strings[::4]:
        response = alice_client.post("/papers/new/", {"title": text, "authors": text[:2000]})
        assert response.status_code in (200, 302), text
        if response.status_code == 302:
            response = alice_client.get(response["Location"])
            assert response.status_code == 200, text
        assert not _executable_markup(response.content.decode()), text
    assert Paper.objects.count() > 300
    listing = alice_client.get("/papers/")
    assert not _executable_markup(listing.content.decode())


def test_corpus_strings_as_tags_are_refused_or_kept_tidy() -> None:
    for text in _all_strings():
        form = NoteForm({"body": "text", "tags": text, "visibility": "public"})
        if form.is_valid():
            for tag in form.cleaned_data["tags"]:
                assert tag == tag.lower().strip()
                assert "<" not in tag and ">" not in tag and '"' not in tag
        else:
            assert "tags" in form.errors, text


def test_a_sample_of_corpus_tags_through_the_editor(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice)
    for text in _all_strings()[::25]:
        response = alice_client.post(
            f"/papers/{paper.pk}/write/", {"body": "text", "tags": text, "visibility": "public"}
        )
        assert response.status_code in (200, 302), text
        if response.status_code == 302:
            note = Note.objects.get(paper=paper, author=alice)
            assert not _executable_markup(alice_client.get(f"/n/{note.pk}/").content.decode())
            assert not _executable_markup(alice_client.get("/tags/").content.decode())
            note.delete()

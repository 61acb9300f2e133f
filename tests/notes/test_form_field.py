"""A form's field written once when nothing was filled in (the new-comment form of every
note page), and as the template writes it."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from notes.forms import CommentForm
from notes.templatetags import entries
from notes.templatetags.entries import form_field
from tests.conftest import client_for
from tests.factories import make_note

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_blank_field_is_the_templates_and_is_written_once(language: str) -> None:
    with translation.override(language):
        field = CommentForm(prefix_id="new-comment")["body"]
        written = form_field(field)
        assert written == render_to_string("_field.html", {"field": field})
        assert form_field(CommentForm(prefix_id="new-comment")["body"]) is written


def test_what_makes_a_field_differ_is_part_of_its_key() -> None:
    new = form_field(CommentForm(prefix_id="new-comment")["body"])
    reply = form_field(CommentForm(prefix_id="reply-7", label="Your reply")["body"])
    assert 'id="new-comment-body"' in new and "Your comment" in new
    assert 'id="reply-7-body"' in reply and "Your reply" in reply
    with translation.override("ar"):
        assert form_field(CommentForm(prefix_id="new-comment")["body"]) != new


def test_a_filled_in_field_is_written_each_time_with_its_value_and_errors() -> None:
    bound = CommentForm({"body": "x" * 20_000}, prefix_id="new-comment")
    assert not bound.is_valid()
    written = form_field(bound["body"])
    assert written == render_to_string("_field.html", {"field": bound["body"]})
    assert "x" * 20_000 in written and "field--error" in written
    initial = CommentForm(prefix_id="new-comment", initial={"body": "Quoted"})
    assert "Quoted" in form_field(initial["body"])
    assert "Quoted" not in form_field(CommentForm(prefix_id="new-comment")["body"])


def test_the_note_page_holds_the_new_comment_field(alice: User, bob: User) -> None:
    note = make_note(alice)
    html = client_for(bob).get(note.get_absolute_url()).content.decode()
    assert form_field(CommentForm(prefix_id="new-comment")["body"]) in html


def test_only_so_many_blank_fields_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(entries, "_BLANK_FIELDS", {})
    monkeypatch.setattr(entries, "BLANK_FIELDS_KEPT", 2)
    written = [form_field(CommentForm(prefix_id=f"reply-{n}")["body"]) for n in range(5)]
    assert [f'id="reply-{n}-body"' in html for n, html in enumerate(written)] == [True] * 5
    assert len(entries._BLANK_FIELDS) == 2

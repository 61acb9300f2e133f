"""Every corpus string as a comment body: a clear answer, never a 500, and never
executable markup on the note page, in place or in the inbox.

Every string goes through the form and the renderer that makes a comment's HTML; the
strings with characters past ASCII, and every third of the others, are posted as well and
shown together on the note page and in the inbox.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.forms import CommentForm
from notes.markup.rendering import comment_id_prefix
from notes.models import Comment
from notes.services.comments import comment_post
from notes.services.notes import render_note_body
from tests.factories import make_note
from tests.hostile import all_strings, executable_markup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings) -> None:
    settings.COMMENT_RATE_LIMIT = 1_000_000


def test_every_corpus_string_as_a_comment_renders_safely(
    alice: User, bob: User, alice_client: Client
) -> None:
    note = make_note(alice)
    strings = all_strings()
    accepted = posted = 0
    for i, text in enumerate(strings):
        form = CommentForm({"body": text})
        if not form.is_valid():
            assert set(form.errors) == {"body"}, text
            continue
        accepted += 1
        body = form.cleaned_data["body"]
        if body.isascii() and i % 3:
            # What comment_post would store as the comment's HTML.
            html = render_note_body(author=bob, body=body, id_prefix=comment_id_prefix(1)).html
            assert not executable_markup(html), text
            continue
        comment_post(note=note, author=bob, body=body)
        posted += 1
    assert accepted > len(strings) * 0.9
    assert Comment.objects.filter(note=note).count() == posted > len(strings) / 3
    for comment in Comment.objects.filter(note=note):
        assert not executable_markup(comment.body_html), comment.body
    page = alice_client.get(f"/n/{note.pk}/")
    assert page.status_code == 200
    assert not executable_markup(page.content.decode())
    inbox = alice_client.get("/notifications/")
    assert not executable_markup(inbox.content.decode())


@pytest.mark.parametrize("in_place", [False, True])
def test_a_sample_of_corpus_comments_through_the_site(
    alice: User, bob: User, bob_client: Client, in_place: bool
) -> None:
    note = make_note(alice)
    headers = {"HTTP_HX_REQUEST": "true"} if in_place else {}
    for text in all_strings()[:: 20 if in_place else 21]:
        response = bob_client.post(f"/n/{note.pk}/comments/", {"body": text}, **headers)
        assert response.status_code in (200, 302, 400), text
        assert not executable_markup(response.content.decode()), text
        if response.status_code == 302:
            assert response["Location"].startswith(f"/n/{note.pk}/#c")
    assert Comment.objects.filter(note=note).count() > 40
    page = bob_client.get(f"/n/{note.pk}/")
    assert not executable_markup(page.content.decode())

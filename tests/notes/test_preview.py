"""Previewing a note: who may, what links it shows, its own ids, and its rate limit."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import client_for
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db

PREVIEW = "/n/preview/"


def _preview(client: Client, body: str):
    return client.post(PREVIEW, {"body": body, "tags": "", "visibility": "public"})


def test_anonymous_cannot_preview() -> None:
    response = _preview(Client(), "**x**")
    assert response.status_code == 403
    assert "<strong>" not in response.content.decode()


@pytest.mark.parametrize(("who", "linked"), [("alice", True), ("bob", False), ("staff", False)])
def test_a_preview_links_only_notes_its_writer_may_read(
    who: str, linked: bool, alice: User, bob: User, staff: User
) -> None:
    secret = make_note(alice, visibility="private")
    public = make_note(bob)
    user = {"alice": alice, "bob": bob, "staff": staff}[who]
    html = _preview(client_for(user), f"See {{{secret.pk}}} and {{{public.pk}}}.").content.decode()
    assert f'href="/n/{public.pk}/"' in html
    assert (f'href="/n/{secret.pk}/"' in html) is linked


def test_a_preview_has_ids_of_its_own(alice_client: Client) -> None:
    html = _preview(alice_client, "# main\n\nA claim.[^1]\n\n[^1]: preview-body").content.decode()
    ids = re.findall(r' id="([^"]*)"', html)
    assert ids and all(ident.startswith("p-") for ident in ids), ids
    assert 'href="#p-fn:1"' in html


def test_previews_are_rate_limited_per_user_with_a_message(
    alice: User, alice_client: Client, bob_client: Client, settings
) -> None:
    settings.PREVIEW_RATE_LIMIT = 3
    settings.PREVIEW_RATE_WINDOW_SECONDS = 60
    for n in range(3):
        assert f"<em>{n}</em>" in _preview(alice_client, f"*{n}*").content.decode()
    response = _preview(alice_client, "*one too many*")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert "faster than 3 previews in 60 seconds" in html
    assert "<em>" not in html
    # The editor's own Preview button (the fallback when the fragment fails) says the same
    # and keeps the text in the form; nothing is saved.
    paper = make_paper(alice)
    answer = alice_client.post(
        f"/papers/{paper.pk}/write/",
        {"body": "my *kept* words", "tags": "", "visibility": "public", "preview": "1"},
    )
    assert answer.status_code == 429
    assert 0 < int(answer["Retry-After"]) <= 60
    page = answer.content.decode()
    assert "faster than 3 previews in 60 seconds" in page
    assert "my *kept* words" in page
    assert not paper.notes.exists()
    # Another user is not affected.
    assert _preview(bob_client, "*hi*").status_code == 200


def test_the_preview_window_ends(alice_client: Client, settings, monkeypatch) -> None:
    from accounts import throttle

    settings.PREVIEW_RATE_LIMIT = 1
    clock = [1000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    assert _preview(alice_client, "a").status_code == 200
    assert _preview(alice_client, "b").status_code == 429
    clock[0] += settings.PREVIEW_RATE_WINDOW_SECONDS
    assert _preview(alice_client, "c").status_code == 200


def test_saving_is_not_counted_as_previewing(alice: User, alice_client: Client, settings) -> None:
    settings.PREVIEW_RATE_LIMIT = 1
    note = make_note(alice)
    for revision in range(3):
        response = alice_client.post(
            f"/n/{note.pk}/edit/",
            {"body": f"v{revision}", "visibility": "public", "base_revision": str(revision)},
        )
        assert response.status_code == 302
    assert _preview(alice_client, "a").status_code == 200

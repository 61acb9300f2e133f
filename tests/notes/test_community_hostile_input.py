"""Corpus strings as flag details and as followed tags: a clear answer (a message or a
4xx), never a 500, and never executable markup in the moderation queue or on a page."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Flag, Follow
from tests.factories import make_note
from tests.hostile import all_strings, executable_markup

pytestmark = pytest.mark.django_db


def test_corpus_strings_as_flag_details(
    alice: User, bob_client: Client, staff_client: Client
) -> None:
    strings = all_strings()[::5]
    notes = [make_note(alice) for _ in range(3)]
    accepted = 0
    for i, text in enumerate(strings):
        note = notes[i % len(notes)]
        response = bob_client.post(f"/n/{note.pk}/flag/", {"reason": "other", "text": text})
        assert response.status_code in (302, 400), text
        accepted += response.status_code == 302
        if i % 50 == 0:
            page = staff_client.get("/moderation/")
            assert page.status_code == 200
            assert not executable_markup(page.content.decode()), text
        # Gone before the next string, which would otherwise count as a repeat.
        Flag.objects.all().delete()
    assert accepted > len(strings) * 0.9


def test_corpus_strings_as_followed_tags(alice_client: Client) -> None:
    for text in all_strings()[::7]:
        path = quote(text, safe="")
        follow = alice_client.post(f"/tags/{path}/follow/", {"follow": "1"})
        assert follow.status_code in (302, 400, 404), text
        page = alice_client.get(f"/tags/{path}/")
        assert page.status_code in (200, 404), text
        if page.status_code == 200:
            assert not executable_markup(page.content.decode()), text
    following = alice_client.get("/following/")
    assert following.status_code == 200
    assert not executable_markup(following.content.decode())
    assert Follow.objects.exists()

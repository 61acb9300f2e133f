"""Every corpus string through the API's writes and reads: a clear 4xx or a success, never
a 5xx, and never executable markup in the HTML the API hands back."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api.tokens import token_create
from notes.models import Note
from tests.factories import make_note
from tests.hostile import all_strings, executable_markup

pytestmark = pytest.mark.django_db


def _send(client: Client, method: str, url: str, data: object):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def test_corpus_strings_through_the_api(alice, bob, settings) -> None:
    settings.API_RATE_TOKEN = "1000000/hour"
    settings.COMMENT_RATE_LIMIT = 1000000
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token_create(user=alice, name='t', scope='write')[1]}"
    )
    note = make_note(alice)
    other = make_note(bob)
    for text in all_strings()[::40]:
        answers = [
            _send(
                client,
                "patch",
                f"/api/v1/notes/{note.pk}/",
                {"body": text, "base_revision": Note.objects.get(pk=note.pk).revision},
            ),
            _send(
                client,
                "patch",
                f"/api/v1/notes/{note.pk}/",
                {"tags": [text], "base_revision": Note.objects.get(pk=note.pk).revision},
            ),
            _send(client, "post", f"/api/v1/notes/{other.pk}/comments/", {"body": text}),
            _send(client, "post", "/api/v1/papers/", {"title": text, "authors": text[:2000]}),
            _send(client, "post", "/api/v1/follows/", {"tag": text}),
            client.get("/api/v1/search/", {"q": text}),
            client.get("/api/v1/notes/", {"q": text, "tag": text, "user": text}),
            client.get("/api/v1/tags/", {"prefix": text}),
            client.get("/api/v1/papers/", {"q": text, "doi": text}),
        ]
        for response in answers:
            assert response.status_code < 500, (text, response.status_code)
            assert response.status_code in (200, 201, 400, 404, 422), (text, response.content)
    shown = client.get(f"/api/v1/notes/{note.pk}/").json()
    assert not executable_markup(shown["body_html"])
    for comment in client.get(f"/api/v1/notes/{other.pk}/comments/").json():
        assert not executable_markup(comment["body_html"])
    for tag in shown["tags"]:
        assert "<" not in tag and ">" not in tag and '"' not in tag

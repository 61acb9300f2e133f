"""The API's permission matrix: readers × note states × endpoints and methods, against the
site's one rule (``notes.visibility``)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import User
from api.tokens import token_create
from notes.models import Note, Visibility
from notes.services import moderation, note_trash
from tests.conftest import client_for
from tests.factories import make_comment, make_note, make_paper

pytestmark = pytest.mark.django_db

STATES = ["public", "private", "trashed", "hidden"]
READERS = ["anonymous", "author", "author read token", "other", "other token", "staff"]
# Who reads the note (its page, revisions, thread), as the site's rule says.
READABLE = {
    "public": set(READERS),
    "private": {"author", "author read token"},
    "trashed": {"author", "author read token"},  # to restore it
    "hidden": {"author", "author read token"},
}
# Who finds it in lists, search and tag counts: nobody finds a note in the trash.
LISTED = {**READABLE, "trashed": set()}
WORD = "zygomorphic"


def _token(user: User, scope: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user, name='t', scope=scope)[1]}")


@pytest.fixture
def readers(alice: User, bob: User, staff: User) -> dict[str, Client]:
    return {
        "anonymous": Client(),
        "author": client_for(alice),
        "author read token": _token(alice, "read"),
        "other": client_for(bob),
        "other token": _token(bob, "write"),
        "staff": client_for(staff),
    }


def _note_in_state(alice: User, bob: User, staff: User, state: str) -> Note:
    note = make_note(
        alice,
        make_paper(alice),
        body=f"A {WORD} summary.",
        tags=["solitary-tag"],
        visibility=Visibility.PRIVATE if state == "private" else Visibility.PUBLIC,
    )
    make_comment(note, alice, "The author comments.")
    if state == "trashed":
        note_trash(note=note)
    if state == "hidden":
        moderation.flag(flagger=bob, item=note, reason="spam")
        moderation.moderate(actor=staff, item=note, verb="hide")
    return Note.objects.get(pk=note.pk)


@pytest.mark.parametrize("state", STATES)
def test_reads(readers, alice, bob, staff, state) -> None:
    note = _note_in_state(alice, bob, staff, state)
    for who, client in readers.items():
        reads = who in READABLE[state]
        for url in (
            f"/api/v1/notes/{note.pk}/",
            f"/api/v1/notes/{note.pk}/revisions/",
            f"/api/v1/notes/{note.pk}/revisions/0/",
            f"/api/v1/notes/{note.pk}/comments/",
        ):
            assert client.get(url).status_code == (200 if reads else 404), (who, url)
        listed = who in LISTED[state]
        found = {n["id"] for n in client.get("/api/v1/notes/").json()["results"]}
        assert (note.pk in found) is listed, (who, "list")
        searched = {n["id"] for n in client.get(f"/api/v1/search/?q={WORD}").json()["results"]}
        assert (note.pk in searched) is listed, (who, "search")
        tags = {t["name"] for t in client.get("/api/v1/tags/").json()}
        assert ("solitary-tag" in tags) is listed, (who, "tags")
        papers = {p["id"] for p in client.get("/api/v1/papers/").json()["results"]}
        # A paper is listed for whoever reads a note on it, and for who added it.
        assert (note.paper_id in papers) is (listed or who.startswith("author")), (who, "papers")


def _send(client: Client, method: str, url: str, data: object = None):
    return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")


@pytest.mark.parametrize("state", STATES)
def test_writes(readers, alice, bob, staff, state) -> None:
    note = _note_in_state(alice, bob, staff, state)
    author_write = _token(alice, "write")
    for who, client in {**readers, "author write token": author_write}.items():
        reads = who in READABLE[state] or who == "author write token"
        may_write = who in ("author", "author write token")
        if who == "anonymous":
            expected = 401
        elif not reads:
            expected = 404
        elif not may_write:
            expected = 403
        else:
            expected = None
        head = Note.objects.get(pk=note.pk).revision
        update = _send(client, "patch", f"/api/v1/notes/{note.pk}/", {"base_revision": head})
        if expected is not None:
            assert update.status_code == expected, (who, "update")
        else:
            # The author changes it unless it is in the trash.
            assert update.status_code == (409 if state == "trashed" else 200), (who, "update")
        comment = _send(client, "post", f"/api/v1/notes/{note.pk}/comments/", {"body": "hi"})
        if expected in (401, 404):
            assert comment.status_code == expected, (who, "comment")
        elif who.endswith("read token"):
            assert comment.status_code == 403, (who, "comment")
        else:
            assert comment.status_code == (403 if state == "trashed" else 201), (who, "comment")
        vote = _send(client, "put", f"/api/v1/notes/{note.pk}/vote/", {"vote": True})
        if expected in (401, 404):
            vote_expected = expected
        elif who == "author read token":
            vote_expected = 403  # the scope
        elif state == "trashed":
            vote_expected = 404  # nobody votes for a note in the trash
        elif who.startswith("author"):
            vote_expected = 403  # nobody votes for their own note
        else:
            vote_expected = 200
        assert vote.status_code == vote_expected, (who, "vote")
        assert Note.objects.get(pk=note.pk).author == alice

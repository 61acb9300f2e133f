"""Incremental sync: versions given at commit, ``since``, 304, deletions; no change is
ever skipped by a client that syncs from the version it was given."""

from __future__ import annotations

import json

import psycopg
import pytest
from django.db import connection
from django.test import Client

from api.sync import current_version
from api.tokens import token_create
from notes.models import Visibility
from notes.services import note_trash
from tests.conftest import make_user
from tests.factories import make_comment, make_note, make_paper, revise

pytestmark = pytest.mark.django_db(transaction=True)


def token_client(user) -> Client:
    _, raw = token_create(user=user, name="sync", scope="write")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def changed(client: Client, since: int) -> tuple[list[int], int]:
    response = client.get(f"/api/v1/notes/?since={since}")
    assert response.status_code == 200
    return [n["id"] for n in response.json()["results"]], int(response["Last-Modified-Version"])


def test_every_write_advances_the_version_recorded_on_the_object() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    client = token_client(alice)
    start = current_version()
    note = make_note(alice)
    ids, version = changed(client, start)
    assert ids == [note.pk] and version > start
    assert client.get(f"/api/v1/notes/{note.pk}/").json()["version"] == version
    assert changed(client, version) == ([], version)

    revise(note, "new text")
    ids, after_edit = changed(client, version)
    assert ids == [note.pk] and after_edit > version

    token_client(bob).put(
        f"/api/v1/notes/{note.pk}/vote/",
        json.dumps({"vote": True}),
        content_type="application/json",
    )
    ids, after_vote = changed(client, after_edit)
    assert ids == [note.pk] and after_vote > after_edit

    # A view being counted is no change.
    from notes.models import Note

    Note.objects.filter(pk=note.pk).update(view_count=5)
    assert changed(client, after_vote) == ([], after_vote)


def test_if_modified_since_version_answers_304() -> None:
    alice = make_user("alice")
    make_note(alice)
    client = token_client(alice)
    version = int(client.get("/api/v1/notes/")["Last-Modified-Version"])
    unchanged = client.get("/api/v1/notes/", headers={"If-Modified-Since-Version": str(version)})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    make_note(alice)
    again = client.get("/api/v1/notes/", headers={"If-Modified-Since-Version": str(version)})
    assert again.status_code == 200
    bad = client.get("/api/v1/notes/", headers={"If-Modified-Since-Version": "x"})
    assert bad.status_code == 400
    assert client.get("/api/v1/notes/?since=-1").status_code == 400


def test_if_unmodified_since_version_refuses_a_stale_write() -> None:
    alice = make_user("alice")
    note = make_note(alice, body="one")
    client = token_client(alice)
    version = client.get(f"/api/v1/notes/{note.pk}/").json()["version"]
    revise(note, "two")
    stale = client.patch(
        f"/api/v1/notes/{note.pk}/",
        json.dumps({"body": "mine"}),
        content_type="application/json",
        headers={"If-Unmodified-Since-Version": str(version)},
    )
    assert stale.status_code == 412
    assert stale.json()["head"]["body"] == "two"
    fresh = client.get(f"/api/v1/notes/{note.pk}/").json()["version"]
    saved = client.patch(
        f"/api/v1/notes/{note.pk}/",
        json.dumps({"body": "mine"}),
        content_type="application/json",
        headers={"If-Unmodified-Since-Version": str(fresh)},
    )
    assert saved.status_code == 200
    assert saved.json()["body"] == "mine"
    assert int(saved["Last-Modified-Version"]) > fresh


def test_deletions_since_a_version() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    trashed = make_note(alice)
    to_private = make_note(alice)
    always_private = make_note(alice, visibility=Visibility.PRIVATE)
    kept = make_note(alice)
    comment = make_comment(kept, alice)
    start = current_version()
    note_trash(note=trashed)
    revise_private = to_private
    from notes.services import NoteContent, note_save

    note_save(
        note=revise_private,
        user=alice,
        content=NoteContent(body="now private", tags=[], visibility=Visibility.PRIVATE),
        base_revision=0,
    )
    from notes.services import comment_delete

    comment_delete(comment=comment)
    note_trash(note=always_private)

    bobs = token_client(bob).get(f"/api/v1/deleted/?since={start}").json()
    assert sorted(bobs["notes"]) == sorted([trashed.pk, to_private.pk])
    assert bobs["comments"] == [comment.pk]
    alices = token_client(alice).get(f"/api/v1/deleted/?since={start}").json()
    assert sorted(alices["notes"]) == sorted([trashed.pk, always_private.pk])
    assert token_client(bob).get("/api/v1/deleted/").status_code == 400


def test_a_transaction_that_commits_later_gets_a_later_version() -> None:
    """A client that synced while a write was still open gets it at the next sync."""
    alice = make_user("alice")
    early = make_note(alice, make_paper(), body="early")
    late = make_note(alice, make_paper(), body="late")
    client = token_client(alice)
    start = current_version()
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )
    try:
        # The early write starts first and is still open...
        other.execute("UPDATE notes_note SET body = 'early, changed' WHERE id = %s", [early.pk])
        # ...while the late one commits.
        revise(late, "late, changed")
        ids, seen = changed(client, start)
        assert ids == [late.pk]
        other.commit()
    finally:
        other.close()
    ids, after = changed(client, seen)
    assert ids == [early.pk]
    assert after > seen


def test_since_zero_is_everything_even_what_has_no_version_yet() -> None:
    from api.models import Change

    alice = make_user("alice")
    note = make_note(alice)
    # As a note written before versions began.
    Change.objects.filter(kind="note", object_id=note.pk).delete()
    client = token_client(alice)
    body = client.get(f"/api/v1/notes/{note.pk}/").json()
    assert body["version"] == 0
    ids, version = changed(client, 0)
    assert ids == [note.pk]
    assert changed(client, version) == ([], version)

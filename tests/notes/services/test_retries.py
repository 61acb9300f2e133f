"""A save that PostgreSQL picks as a deadlock victim is run again; when it keeps losing,
the editor answers with the conflict page that keeps the text (issue 19.1).

The deadlock is real: another connection holds a new tag the save is about to create,
then asks for the note the save has locked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.utils.html import escape

from accounts.models import User
from notes.models import Note
from papernotes import db
from papernotes.db import Failure, failure_kind, retrying
from tests.factories import make_note

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting(pid: int, other: BaseDatabaseWrapper) -> bool:
    with other.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
        return cursor.fetchone() is not None


def _deadlock_with(pid: int, *, tag: str, note_pk: int) -> threading.Thread:
    """In another connection: create ``tag`` (uncommitted), wait until ``pid`` waits for
    it, then ask for the note ``pid`` holds. PostgreSQL breaks the ring by failing ``pid``,
    which waited first; then this side lets go. Returns once ``tag`` is created, so that
    the save cannot create it first."""
    holding = threading.Event()

    def run() -> None:
        other = connections.create_connection("default")
        try:
            other.set_autocommit(False)
            with other.cursor() as cursor:
                cursor.execute("INSERT INTO taggit_tag (name, slug) VALUES (%s, %s)", [tag, tag])
                holding.set()
                for _ in range(600):
                    if _waiting(pid, other):
                        break
                    time.sleep(0.02)
                # PostgreSQL looks for a ring a second (deadlock_timeout) after a session
                # starts to wait, and fails the session that looks: the save, if this side
                # starts waiting well after it.
                time.sleep(0.5)
                cursor.execute("SELECT 1 FROM notes_note WHERE id = %s FOR UPDATE", [note_pk])
        finally:
            other.rollback()
            other.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert holding.wait(timeout=30), "the other connection never created the tag"
    return thread


@pytest.fixture
def saving(alice: User) -> Iterator[tuple[Client, Note, int]]:
    note = make_note(alice, body="Before.")
    client = Client()
    client.force_login(alice)
    connection.ensure_connection()
    yield client, note, connection.connection.info.backend_pid


def _post(client: Client, note: Note, body: str, tag: str):
    data = {"body": body, "tags": tag, "visibility": "public", "base_revision": "0"}
    return client.post(f"/n/{note.pk}/edit/", data)


def test_a_save_chosen_as_a_deadlock_victim_is_run_again(
    saving: tuple[Client, Note, int],
) -> None:
    client, note, pid = saving
    locks: list[str] = []

    def count_locks(execute, sql, params, many, context):
        if "FOR NO KEY UPDATE" in sql:
            locks.append(sql)
        return execute(sql, params, many, context)

    other = _deadlock_with(pid, tag="ringed", note_pk=note.pk)
    with connection.execute_wrapper(count_locks):
        response = _post(client, note, "After the deadlock.", "ringed")
    other.join(timeout=30)
    assert len(locks) == 2  # the first attempt lost, the second went through
    assert response.status_code == 302
    stored = Note.objects.get(pk=note.pk)
    assert (stored.revision, stored.body, stored.tag_names) == (
        1,
        "After the deadlock.",
        ["ringed"],
    )
    assert stored.history.count() == 2


def test_a_save_that_keeps_colliding_gets_the_conflict_page_with_its_text(
    saving: tuple[Client, Note, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, note, pid = saving
    monkeypatch.setattr(db, "RETRY_ATTEMPTS", 1)  # every attempt there is, lost
    other = _deadlock_with(pid, tag="ringed", note_pk=note.pk)
    response = _post(client, note, "My <text> survives.", "ringed")
    other.join(timeout=30)
    assert response.status_code == 409
    html = response.content.decode()
    assert "too busy" in html
    assert escape("My <text> survives.") in html
    assert Note.objects.get(pk=note.pk).body == "Before."


def test_retrying_gives_up_after_the_attempts_and_passes_other_errors_at_once() -> None:
    calls: list[int] = []

    def collide() -> None:
        calls.append(1)
        with connection.cursor() as cursor:
            # What PostgreSQL raises for a deadlock victim.
            cursor.execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$")

    with pytest.raises(DatabaseError) as raised:
        retrying(collide, attempts=3)
    assert failure_kind(raised.value) is Failure.COLLISION
    assert len(calls) == 3

    calls.clear()

    def fail() -> None:
        calls.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    with pytest.raises(DatabaseError):
        retrying(fail, attempts=3)
    assert len(calls) == 1


def test_inside_an_open_transaction_nothing_is_retried() -> None:
    calls: list[int] = []

    def collide() -> None:
        calls.append(1)
        with connection.cursor() as cursor:
            cursor.execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$")

    with pytest.raises(DatabaseError), transaction.atomic():
        retrying(collide, attempts=3)
    assert len(calls) == 1

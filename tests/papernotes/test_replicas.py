"""Reads from the replica, writes to the primary, read-your-writes, and the fall-back
when the replica is away (issue 16).

The "replica" here is a second connection to the test database: it cannot see what the
test's own transaction wrote and has not committed, which is exactly what a replica
behind its primary looks like. tests/cluster/ runs a real streaming replica.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import Client

from accounts.models import User
from notes.models import Note
from papernotes import replicas
from tests.conftest import BROWSER_AGENT, client_for
from tests.factories import make_note
from tests.ops import free_port


@pytest.fixture
def replica(db: None, settings) -> Iterator[dict]:
    """A "replica" alias: another session on the test database, a transaction behind."""
    replica_settings = {**connection.settings_dict, "CONN_MAX_AGE": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Overriding setting DATABASES": only the router reads it
        settings.DATABASES = {**settings.DATABASES, replicas.REPLICA: replica_settings}
    # Made here rather than from settings, as the site's own would be from DATABASES: the
    # test runner then lets it connect outside the test's transaction.
    connections[replicas.REPLICA] = DatabaseWrapper(replica_settings, alias=replicas.REPLICA)
    replicas._replica_down_until = 0.0
    try:
        yield replica_settings
    finally:
        connections[replicas.REPLICA].close()
        del connections[replicas.REPLICA]
        replicas._replica_down_until = 0.0


def test_reads_go_to_the_replica_and_writes_to_the_primary(alice: User, replica: dict) -> None:
    note = make_note(alice)  # written in the test's transaction: the replica is behind
    router = replicas.ReplicaRouter()
    assert router.db_for_read(Note) == "replica"
    assert router.db_for_write(Note) == "default"
    assert not Note.objects.filter(pk=note.pk).exists()  # read from the replica
    assert Note.objects.using("default").filter(pk=note.pk).exists()
    assert router.allow_migrate("replica", "notes") is False


def test_inside_a_transaction_reads_stay_on_the_primary(alice: User, replica: dict) -> None:
    from django.db import transaction

    note = make_note(alice)
    with transaction.atomic():
        assert Note.objects.filter(pk=note.pk).exists()


def test_a_reader_who_has_not_written_reads_the_replica(alice: User, replica: dict) -> None:
    note = make_note(alice)
    reader = Client(HTTP_USER_AGENT=BROWSER_AGENT)
    assert reader.get(f"/n/{note.pk}/").status_code == 404  # not on the replica yet


def test_a_writer_reads_their_own_writes_from_the_primary(
    alice: User, replica: dict, settings
) -> None:
    settings.REPLICA_STICKY_SECONDS = 30
    note = make_note(alice)
    writer = client_for(alice)
    response = writer.post(
        f"/n/{note.pk}/edit/",
        {"body": "Revised.", "tags": "", "visibility": "public", "base_revision": "0"},
    )
    assert response.status_code == 302
    pinned = response.cookies[replicas.STICKY_COOKIE]
    assert pinned["httponly"] and int(pinned["max-age"]) == 31
    # The next page, on whichever app server: from the primary, with the revision.
    page = writer.get(f"/n/{note.pk}/", HTTP_USER_AGENT=BROWSER_AGENT)
    assert page.status_code == 200
    assert "Revised." in page.content.decode()


def test_the_pin_ends_after_the_sticky_seconds(alice: User, replica: dict) -> None:
    note = make_note(alice)
    reader = Client(HTTP_USER_AGENT=BROWSER_AGENT)
    reader.cookies[replicas.STICKY_COOKIE] = "1"  # long past
    assert reader.get(f"/n/{note.pk}/").status_code == 404
    reader.cookies[replicas.STICKY_COOKIE] = "not a time"
    assert reader.get(f"/n/{note.pk}/").status_code == 404


def test_the_view_count_is_written_to_the_primary(alice: User, bob: User, replica: dict) -> None:
    note = make_note(alice)
    Note.objects.using("default").filter(pk=note.pk).update(view_count=0)
    reader = client_for(bob)
    reader.cookies[replicas.STICKY_COOKIE] = "9999999999"  # reads this note from the primary
    assert reader.get(f"/n/{note.pk}/", HTTP_USER_AGENT=BROWSER_AGENT).status_code == 200
    assert Note.objects.using("default").get(pk=note.pk).view_count == 1


def test_while_the_replica_is_away_reads_go_to_the_primary(
    alice: User, replica: dict, caplog: pytest.LogCaptureFixture
) -> None:
    replica.update(HOST="127.0.0.1", PORT=str(free_port()))
    note = make_note(alice)
    reader = Client(HTTP_USER_AGENT=BROWSER_AGENT)
    for _ in range(3):
        assert reader.get(f"/n/{note.pk}/").status_code == 200
    warnings = [r for r in caplog.records if r.name == "papernotes.replicas"]
    assert len(warnings) == 1  # tried once, then left alone for a while
    assert "does not answer" in warnings[0].getMessage()


def test_without_a_replica_nothing_changes(alice: User) -> None:
    note = make_note(alice)
    assert replicas.ReplicaRouter().db_for_read(Note) == "default"
    response = client_for(alice).post(f"/n/{note.pk}/delete/")
    assert replicas.STICKY_COOKIE not in response.cookies

"""Backups (issue 16): ``backup`` dumps the configured database with the pg_dump of its
server's version, ``restore`` loads the dump into an empty database, and what comes back
is what was there: every table's rows, every note's history, every count."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from accounts.models import User
from notes.models import Visibility
from notes.services import comments, follows, moderation, reactions
from papernotes import backups
from tests.conftest import BROWSER_AGENT, client_for
from tests.factories import make_comment, make_note, make_paper, revise
from tests.jobs import empty_queue
from tests.ops import fresh_database, server_connection

ROOT = Path(__file__).resolve().parents[2]


def _tables(conn) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    ]


def _snapshot(dbname: str) -> dict[str, object]:
    """Every table's rows (in a stable order) and every sequence's position."""
    with server_connection(dbname) as conn:
        snapshot: dict[str, object] = {}
        for table in _tables(conn):
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
            snapshot[table] = sorted(rows, key=repr)
        for (sequence,) in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            snapshot[f"sequence {sequence}"] = conn.execute(
                f'SELECT last_value, is_called FROM "{sequence}"'  # noqa: S608
            ).fetchone()
        return snapshot


def _some_of_everything(alice: User, bob: User, carol: User, staff: User) -> None:
    paper = make_paper(alice, title="A paper worth keeping")
    note = make_note(alice, paper, body="First words $x^2$.", tags=["kept", "math"])
    note = revise(note, f"Second words, {{{note.pk}}} cited.", message="more")
    revise(note, "Third words.", tags=["kept"])
    make_note(bob, paper, body="A private view.", visibility=Visibility.PRIVATE)
    other = make_note(carol, make_paper(carol), body="Carol's note.")
    reply_to = make_comment(note, bob, "A question?")
    make_comment(note, alice, "An answer.", reply_to)
    comments.comment_delete(comment=make_comment(other, alice, "Gone."))
    reactions.note_vote(note=note, user=bob, vote=True)
    reactions.note_vote(note=note, user=carol, vote=True)
    reactions.paper_rate(paper=paper, user=bob, stars=4)
    follows.follow(follower=carol, tag="kept")
    moderation.flag(flagger=bob, item=other, reason="spam")
    Client(HTTP_USER_AGENT=BROWSER_AGENT).get(f"/n/{note.pk}/")
    client_for(carol).get(f"/papers/{paper.pk}/", HTTP_USER_AGENT=BROWSER_AGENT)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_has_everything(
    alice: User, bob: User, carol: User, staff: User, tmp_path: Path
) -> None:
    empty_queue()
    _some_of_everything(alice, bob, carol, staff)
    dump = tmp_path / "site.dump"
    out = StringIO()
    call_command("backup", output=dump, stdout=out)
    server = backups.server_version(connection)
    assert f"Wrote {dump}" in out.getvalue()
    assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert list(tmp_path.iterdir()) == [dump]  # no partial file left beside it

    with fresh_database("restored") as url:
        restored = subprocess.run(
            [sys.executable, "manage.py", "restore", str(dump)],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restored.returncode == 0, restored.stderr
        original = _snapshot(connection.settings_dict["NAME"])
        copy = _snapshot(url.rsplit("/", 1)[1])
        assert copy.keys() == original.keys()
        for table in original:
            assert copy[table] == original[table], table
        # What this test is about, said plainly: the history of every note and the counts.
        assert len(original["notes_historicalnote"]) == 5
        assert original["notes_noteview"] and original["notes_notevote"]

        # Restoring again into the database, which now has the site, is refused.
        again = subprocess.run(
            [sys.executable, "manage.py", "restore", str(dump)],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode != 0
        assert "is not empty" in again.stderr
        assert _snapshot(url.rsplit("/", 1)[1]) == copy
    assert server == backups.server_version(connection)


@pytest.mark.django_db
def test_the_dump_is_made_by_the_pg_dump_of_the_servers_version(tmp_path: Path) -> None:
    out = StringIO()
    call_command("backup", output=tmp_path / "x.dump", stdout=out)
    found = backups.installed("pg_dump")
    server = backups.server_version(connection)
    assert str(found[server]) in out.getvalue()


def test_the_tool_is_the_servers_version_else_the_oldest_newer_one() -> None:
    found = {15: Path("/pg15/pg_dump"), 17: Path("/pg17/pg_dump"), 18: Path("/pg18/pg_dump")}
    assert backups.choose("pg_dump", server=15, found=found) == found[15]
    assert backups.choose("pg_dump", server=16, found=found) == found[17]
    with pytest.raises(CommandError, match="No pg_dump for PostgreSQL 19 was found"):
        backups.choose("pg_dump", server=19, found=found)


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(tmp_path: Path) -> None:
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(dump))
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path / "missing.dump"))

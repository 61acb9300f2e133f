"""No request waits for ever on the database: statements and lock waits have time limits,
and a request that reaches one answers 503 with Retry-After, keeping a text being saved
(issue 11.6)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.utils.html import escape

from accounts.models import User
from notes.models import Note
from papernotes.outages import reporter
from tests.factories import make_note, make_paper
from tests.paths import ROOT


@pytest.fixture(autouse=True)
def _fresh_failure_log() -> Iterator[None]:
    reporter.reset()
    yield
    reporter.reset()


@pytest.fixture(autouse=True)
def _configured_limits_afterwards() -> Iterator[None]:
    yield
    # A fresh connection has the configured limits again, not the short ones set below.
    connection.close()


@contextmanager
def _holding(sql: str, params: list[object] | None = None) -> Iterator[BaseDatabaseWrapper]:
    """Another connection that runs ``sql`` (taking a lock) and keeps its transaction open."""
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(sql, params or [])
        yield other
    finally:
        other.rollback()
        other.close()


def _limit(**settings: str) -> None:
    # The same settings as the configured ones, shorter, so that the test waits briefly.
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


@pytest.mark.django_db
def test_every_connection_has_a_statement_and_a_lock_timeout() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("10s",)
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone() == ("3s",)


@pytest.mark.django_db
def test_management_commands_run_without_them() -> None:
    """migrate, seed_bench and maintenance commands may run longer than any page should."""
    env = {**os.environ, "DB_STATEMENT_TIMEOUT_MS": "5000", "DB_LOCK_TIMEOUT_MS": "1000"}
    if "DATABASE_URL" in env:
        # The configured database need not exist on a test server; the test database does.
        url = urlsplit(env["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW statement_timeout'); s = c.fetchone()[0]\n"
        "    c.execute('SHOW lock_timeout'); print('timeouts:', s, c.fetchone()[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "timeouts: 0 0" in result.stdout


def _options_in_a_process(**env: str) -> subprocess.CompletedProcess[str]:
    """The database options a web process (not a management command) is configured with."""
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "papernotes.settings", **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_timeouts_come_from_the_environment() -> None:
    result = _options_in_a_process(DB_STATEMENT_TIMEOUT_MS="2500", DB_LOCK_TIMEOUT_MS="0")
    assert result.returncode == 0, result.stderr
    assert "'options': '-c statement_timeout=2500'" in result.stdout
    refused = _options_in_a_process(DB_LOCK_TIMEOUT_MS="-1")
    assert refused.returncode != 0
    assert "DB_LOCK_TIMEOUT_MS=-1 is below the minimum" in refused.stderr


@pytest.mark.django_db(transaction=True)
def test_a_save_that_waits_too_long_for_the_note_answers_503_and_keeps_the_text(
    alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    note = make_note(alice, body="Before.")
    client = Client()
    client.force_login(alice)
    _limit(lock_timeout="300ms")
    data = {"body": "My <new> text.", "tags": "physics", "visibility": "public"}
    with _holding("SELECT 1 FROM notes_note WHERE id = %s FOR UPDATE", [note.pk]):
        response = client.post(f"/n/{note.pk}/edit/", {**data, "base_revision": "0"})
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    html = response.content.decode()
    assert escape("My <new> text.") in html  # the editor, with the text
    assert "nothing was saved" in html
    assert Note.objects.get(pk=note.pk).body == "Before."
    assert not [r for r in caplog.records if r.name == "django.request"]
    # Once the lock is gone, the same form saves.
    assert client.post(f"/n/{note.pk}/edit/", {**data, "base_revision": "0"}).status_code == 302
    assert Note.objects.get(pk=note.pk).body == "My <new> text."


@pytest.mark.django_db(transaction=True)
def test_a_first_summary_that_waits_too_long_answers_503_and_keeps_the_text(alice: User) -> None:
    paper = make_paper(alice)
    client = Client()
    client.force_login(alice)
    _limit(lock_timeout="300ms")
    data = {"body": "Waiting <text>.", "tags": "", "visibility": "public", "save": "1"}
    # Someone holds the paper's row against the key-share lock of the new note's
    # foreign-key check, which runs as the note's transaction commits.
    with _holding("SELECT 1 FROM notes_paper WHERE id = %s FOR UPDATE", [paper.pk]):
        response = client.post(f"/papers/{paper.pk}/write/", data)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert escape("Waiting <text>.") in response.content.decode()
    assert not Note.objects.exists()
    assert client.post(f"/papers/{paper.pk}/write/", data).status_code == 302


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("limits", "kind"),
    [
        ({"lock_timeout": "300ms"}, "lock timeout"),
        ({"lock_timeout": "0", "statement_timeout": "300ms"}, "statement timeout"),
    ],
)
def test_a_page_that_waits_too_long_answers_503_and_logs_one_line(
    alice: User, caplog: pytest.LogCaptureFixture, limits: dict[str, str], kind: str
) -> None:
    make_note(alice)
    client = Client()
    _limit(**limits)
    with (
        caplog.at_level(logging.WARNING),
        _holding("LOCK TABLE notes_note IN ACCESS EXCLUSIVE MODE"),
    ):
        responses = [client.get("/") for _ in range(3)]
    for response in responses:
        assert response.status_code == 503
        assert response["Retry-After"].isdigit()
        assert "try again" in response.content.decode()
    lines = [r.getMessage() for r in caplog.records if r.name == "papernotes.outages"]
    assert len(lines) == 1
    assert lines[0].startswith(kind)
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert client.get("/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_paper_forms_that_wait_too_long_answer_503_and_keep_what_was_typed(alice: User) -> None:
    note = make_note(alice)
    client = Client()
    client.force_login(alice)
    _limit(lock_timeout="300ms")
    edited = {"title": "A <better> title", "authors": "Ada Lovelace", "abstract": "Typed."}
    # Saving a paper's details refreshes its notes, one of which someone holds.
    with _holding("SELECT 1 FROM notes_note WHERE id = %s FOR UPDATE", [note.pk]):
        response = client.post(f"/papers/{note.paper_id}/edit/", edited)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert escape("A <better> title") in response.content.decode()
    assert Note.objects.get(pk=note.pk).paper.title != "A <better> title"

    added = {"title": "A paper added <while> busy", "authors": "Alan Turing"}
    # A new paper's foreign-key check on its creator, at commit, waits for alice's row.
    with _holding("SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE", [alice.pk]):
        response = client.post("/papers/new/", added)
    assert response.status_code == 503
    assert escape("A paper added <while> busy") in response.content.decode()
    assert client.post("/papers/new/", added).status_code == 302

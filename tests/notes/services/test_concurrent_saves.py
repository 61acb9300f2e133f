"""Many people saving at once: nobody gets a 500, and every save a person was told about
is stored, with its text.

These tests commit for real (``transaction=True``) and send their requests from threads,
each with its own client and its own database connection, so the saves meet each other in
PostgreSQL as they would from several gunicorn workers.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from notes.models import Note, Paper
from tests.conftest import make_user
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 16
SAVES_EACH = 4
OWNER_SAVES = 12
_SAVED_RE = re.compile(r"^/n/(\d+)/$")


@dataclass
class Outcome:
    """What one person's requests got back."""

    statuses: list[int] = field(default_factory=list)
    # The bodies the site said it saved, in order, by note.
    saved: dict[int, list[str]] = field(default_factory=dict)

    def server_errors(self) -> list[int]:
        return [status for status in self.statuses if status >= 500]


def client_for(user: User) -> Client:
    # A 500 is an answer to count here, not an exception to stop the test at.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _run_together(jobs: list[Callable[[], None]]) -> None:
    """Start every job at the same moment, each in its own thread, and wait for them all."""
    start = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            start.wait()
            job()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert not failures, failures


def _form(body: str, base: int | None = None) -> dict[str, str]:
    data = {"body": body, "tags": "concurrency shared", "visibility": "public"}
    if base is not None:
        data["base_revision"] = str(base)
    return data


def _edit_repeatedly(
    client: Client, outcome: Outcome, note_pk: int, label: str, saves: int
) -> None:
    """Save ``saves`` new revisions one after another, each on top of the last one saved."""
    base = Note.objects.get(pk=note_pk).revision
    for i in range(saves):
        body = f"{label} revision text {i}"
        response = client.post(f"/n/{note_pk}/edit/", _form(body, base))
        outcome.statuses.append(response.status_code)
        if response.status_code == 302 and _SAVED_RE.match(response["Location"]):
            outcome.saved.setdefault(note_pk, []).append(body)
            base += 1


def _assert_every_acknowledged_save_is_stored(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        for note_pk, bodies in outcome.saved.items():
            note = Note.objects.get(pk=note_pk)
            history = list(note.history.order_by("revision").values_list("revision", "body"))
            # One revision per save the person was told about, and no other.
            assert [body for _, body in history][-len(bodies) :] == bodies
            assert note.body == bodies[-1]
            assert [rev for rev, _ in history] == list(range(note.revision + 1))


def test_sixteen_writers_and_the_owner_saving_on_one_paper_all_succeed(alice: User) -> None:
    paper = make_paper(alice)
    owned = make_note(alice, paper, body="The owner's first text.")
    writers = [make_user(f"writer{i}") for i in range(WRITERS)]
    outcomes = {user.username: Outcome() for user in [alice, *writers]}

    def write_then_revise(user: User) -> Callable[[], None]:
        def job() -> None:
            client, outcome = client_for(user), outcomes[user.username]
            body = f"{user.username} first text"
            response = client.post(f"/papers/{paper.pk}/write/", _form(body))
            outcome.statuses.append(response.status_code)
            found = _SAVED_RE.match(response.get("Location", ""))
            if response.status_code == 302 and found:
                note_pk = int(found.group(1))
                outcome.saved[note_pk] = [body]
                _edit_repeatedly(client, outcome, note_pk, user.username, SAVES_EACH - 1)

        return job

    def owner() -> None:
        _edit_repeatedly(client_for(alice), outcomes["alice"], owned.pk, "alice", OWNER_SAVES)

    _run_together([owner, *(write_then_revise(user) for user in writers)])

    errors = {name: o.server_errors() for name, o in outcomes.items() if o.server_errors()}
    assert errors == {}
    _assert_every_acknowledged_save_is_stored(list(outcomes.values()))
    # Nobody else wrote: with no 5xx, every save went through (a busy answer keeps the text,
    # but none was needed).
    assert len(outcomes["alice"].saved[owned.pk]) == OWNER_SAVES
    for user in writers:
        assert sum(len(b) for b in outcomes[user.username].saved.values()) == SAVES_EACH
    assert Note.objects.filter(paper=paper).count() == WRITERS + 1


def test_saving_a_note_while_another_tab_adds_papers(alice: User) -> None:
    owned = make_note(alice, body="The first text.")
    saving, adding = Outcome(), Outcome()
    added: list[str] = []

    def save_note() -> None:
        _edit_repeatedly(client_for(alice), saving, owned.pk, "alice", 20)

    def add_papers() -> None:
        client = client_for(alice)
        for i in range(20):
            title = f"A paper added from the other tab, number {i}"
            response = client.post("/papers/new/", {"title": title, "authors": "Ada Lovelace"})
            adding.statuses.append(response.status_code)
            if response.status_code == 302:
                added.append(title)

    _run_together([save_note, add_papers])

    assert saving.server_errors() == adding.server_errors() == []
    _assert_every_acknowledged_save_is_stored([saving])
    assert len(saving.saved[owned.pk]) == 20
    assert sorted(Paper.objects.filter(title__in=added).values_list("title", flat=True)) == sorted(
        added
    )
    assert len(added) == 20

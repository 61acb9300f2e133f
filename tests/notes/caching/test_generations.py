"""The public generation changes with every change to public notes and papers, in the
change's own transaction (for other readers, as it commits), never with a view being
counted, and never repeats a number."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.test import Client

from accounts.models import User
from notes.caching import generations, public_counts
from notes.models import Note, Paper, PublicCount, PublicCountDelta
from notes.services import NoteContent, note_save, note_trash, paper_save
from notes.services.moderation import flag, moderate
from notes.services.reactions import note_vote, paper_rate
from tests.conftest import BROWSER_AGENT
from tests.factories import make_note, make_paper, revise
from tests.threads import other_connection

pytestmark = pytest.mark.django_db


def _changes(action) -> bool:
    before = generations.public()
    action()
    return generations.public() != before


def test_writing_notes_and_papers_changes_it(alice: User, bob: User, staff: User) -> None:
    paper = make_paper(alice)
    note = make_note(alice, paper, tags=["optics"])
    assert _changes(lambda: make_note(alice, tags=["optics"]))
    revised = NoteContent(body="Revised.", tags=["lasers"], visibility="public")
    assert _changes(lambda: note_save(note=note, user=alice, content=revised, base_revision=0))
    paper.title = "A new title"
    assert _changes(lambda: paper_save(paper=paper, user=alice))
    assert _changes(lambda: paper_rate(paper=paper, user=alice, stars=4))
    flag(flagger=bob, item=note, reason="spam")  # staff act only on what is flagged
    assert _changes(lambda: moderate(actor=staff, item=note, verb="hide"))
    assert _changes(lambda: note_trash(note=Note.objects.get(pk=note.pk)))
    assert _changes(lambda: Note.objects.filter(pk=note.pk).delete())


def test_counting_views_and_votes_leaves_it(alice: User, bob: User) -> None:
    note = make_note(alice, tags=["optics"])
    reader = Client(HTTP_USER_AGENT=BROWSER_AGENT)
    assert not _changes(lambda: reader.get(f"/n/{note.pk}/"))
    assert not _changes(lambda: reader.get(f"/papers/{note.paper_id}/"))
    assert not _changes(lambda: note_vote(note=note, user=bob, vote=True))
    assert Note.objects.get(pk=note.pk).view_count == 1
    assert Paper.objects.get(pk=note.paper_id).view_count == 1


def test_a_rolled_back_change_leaves_no_trace_and_no_number_comes_twice(alice: User) -> None:
    before = generations.public()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_note(alice)
        inside = generations.public()
        raise RuntimeError
    assert inside != before
    assert generations.public() == before
    make_note(alice)
    assert generations.public() not in {before, inside}


def test_a_bulk_update_of_a_public_column_changes_it_once(alice: User) -> None:
    make_note(alice)
    make_note(alice)
    assert _changes(lambda: Note.objects.update(tag_names=["bulk"]))
    assert not _changes(lambda: Note.objects.update(view_count=F("view_count") + 1))


# --- At commit, last of all --------------------------------------------------------------
# The generation row and the count rows are shared by every writer; they are written only
# as a transaction commits, after everything else it does, so no writer queues on them in
# the middle of its work or holds them while it waits for anything else.


def _generation_row_is_free(other: BaseDatabaseWrapper) -> bool:
    """Whether another transaction could write the generation row without waiting."""
    with other.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            cursor.execute(
                "SELECT value FROM notes_generation WHERE key = 'public' FOR UPDATE NOWAIT"
            )
        except OperationalError:
            return False
        finally:
            cursor.execute("ROLLBACK")
    return True


def _committed(other: BaseDatabaseWrapper) -> int:
    with other.cursor() as cursor:
        cursor.execute("SELECT value FROM notes_generation WHERE key = 'public'")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_writer_holds_no_shared_row_until_it_commits(alice: User) -> None:
    paper = make_paper(alice)
    with other_connection() as other:
        before = _committed(other)
        with transaction.atomic():
            note = make_note(alice, paper, tags=["optics"])
            revise(note, "Revised while the transaction is open.")
            # The writer sees its change under a number of its own, which nobody else sees.
            own = generations.public()
            assert own != before
            assert _committed(other) == before
            assert _generation_row_is_free(other)
            with other.cursor() as cursor:
                cursor.execute("SELECT 1 FROM notes_publiccount WHERE key = '*' FOR UPDATE NOWAIT")
        after = _committed(other)
    assert after not in {before, own}
    assert generations.public() == after
    assert public_counts.public_counts([public_counts.ALL, "tag:optics"]) == {
        "*": 1,
        "tag:optics": 1,
    }
    assert dict(PublicCount.objects.values_list("key", "count")) == {"*": 1, "tag:optics": 1}
    # Nothing is left behind for a later transaction.
    assert not PublicCountDelta.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM notes_publicchange")
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db(transaction=True)
def test_a_reader_never_caches_rows_under_a_number_they_are_older_than(alice: User) -> None:
    """A reader that reads the generation, then the rows, while a writer has not committed
    yet, keys old rows under the old number; once the writer commits, every reader reads a
    new number. (A number taken before the commit, from the sequence, would fail here.)"""
    paper = make_paper(alice)
    done = threading.Event()
    written = threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                make_note(alice, paper, body="Written by the other process.")
                written.set()
                done.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(timeout=30)
        seen = generations.public()
        rows = list(Note.objects.filter(paper=paper))
        assert rows == []  # not committed yet: cached under ``seen``, it is the old state
    finally:
        done.set()
        thread.join(timeout=30)
    assert Note.objects.filter(paper=paper).count() == 1
    assert generations.public() != seen


@pytest.mark.django_db(transaction=True)
def test_the_generation_is_written_after_the_foreign_key_checks(alice: User, bob: User) -> None:
    """A writer whose commit waits for a foreign-key check must not hold the generation row
    meanwhile: anyone else who committed a public change would wait for it, in a ring if the
    row it checks is theirs."""
    first, second = make_paper(alice), make_paper(bob)
    waiting_pid: list[int] = []
    committed = threading.Event()

    def writer() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
            waiting_pid.append(connection.connection.info.backend_pid)
            with transaction.atomic():
                make_note(alice, first)  # the first public change queues the generation
                make_note(alice, second)  # its foreign-key check on ``second`` comes later
            committed.set()
        finally:
            connection.close()

    with other_connection() as holder, other_connection() as other:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            # Holds ``second`` so that no one can take a key-share lock on it.
            cursor.execute("SELECT 1 FROM notes_paper WHERE id = %s FOR UPDATE", [second.pk])
        thread = threading.Thread(target=writer)
        thread.start()
        try:
            assert _waits_for_a_lock(other, waiting_pid), "the writer never reached its commit"
            assert not committed.is_set()
            assert _generation_row_is_free(other)
        finally:
            holder.rollback()
            thread.join(timeout=30)
    assert committed.is_set()


def _waits_for_a_lock(other: BaseDatabaseWrapper, pid: list[int]) -> bool:
    for _ in range(600):
        if pid:
            with other.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted", [pid[0]])
                if cursor.fetchone():
                    return True
        time.sleep(0.05)
    return False

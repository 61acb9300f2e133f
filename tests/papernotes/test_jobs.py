"""Background work runs as jobs (issue 16): queued with the change that calls for it,
sent once however often a job runs, retried with a growing pause, picked up again after
a worker is killed, and deferred on schedule once per time whatever the number of
workers."""

from __future__ import annotations

import contextlib
import datetime
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction
from procrastinate import exceptions as procrastinate_exceptions
from procrastinate.contrib.django import app
from procrastinate.periodic import PeriodicDeferrer

from accounts.models import User
from notes.models import Delivery, Note, Notification, NotificationKind, Visibility
from notes.services import follows, notifications
from papernotes import jobs
from tests.conftest import client_for
from tests.factories import make_comment, make_note
from tests.jobs import call_async, empty_queue, job_rows, run_jobs, run_worker
from tests.ops import database_url, free_port, wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _empty_queue(request: pytest.FixtureRequest) -> None:
    if "django_db" in request.keywords:
        request.getfixturevalue("db")
        empty_queue()


def _prefer(user: User, delivery: str) -> None:
    notifications.save_preferences(
        user=user, deliveries=dict.fromkeys(NotificationKind.values, delivery)
    )


def _make_due(job_id: int) -> None:
    """As if the pause before the job's next attempt had passed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() - interval '1 second' "
            "WHERE id = %s",
            [job_id],
        )


# ------------------------------------------------------------------ queued, sent once


@pytest.mark.django_db
def test_a_comment_queues_its_email_and_the_request_sends_nothing(alice: User, bob: User) -> None:
    _prefer(alice, Delivery.IMMEDIATE)
    note = make_note(alice)
    run_jobs()  # the note's publication
    response = client_for(bob).post(f"/n/{note.pk}/comments/", {"body": "Hello by mail."})
    assert response.status_code in (200, 302)
    assert mail.outbox == []
    [row] = job_rows("send_immediate_emails")
    assert (row["status"], row["args"]) == ("todo", {"recipient_ids": [alice.pk]})

    assert run_jobs() == 1
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert "Hello by mail." in mail.outbox[0].body


@pytest.mark.django_db
def test_a_change_that_rolls_back_queues_no_job(alice: User, bob: User) -> None:
    _prefer(alice, Delivery.IMMEDIATE)
    note = make_note(alice)
    with contextlib.suppress(RuntimeError), transaction.atomic():
        make_comment(note, bob, "Never saved.")
        raise RuntimeError("the request failed after the comment was written")
    assert job_rows("send_immediate_emails") == []
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_an_email_job_run_twice_sends_each_email_once(alice: User, bob: User) -> None:
    _prefer(alice, Delivery.IMMEDIATE)
    note = make_note(alice)
    run_jobs()  # the note's publication
    make_comment(note, bob, "One.")
    make_comment(note, bob, "Two.")
    # Two jobs for alice are queued; a third, as a retry whose first run did its work would.
    jobs.defer(jobs.send_immediate_emails, recipient_ids=[alice.pk])
    assert run_jobs() == 3
    assert len(mail.outbox) == 2
    jobs.send_immediate_emails(recipient_ids=[alice.pk])
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_publication_tells_followers_through_a_job_that_tells_nobody_twice(
    alice: User, bob: User
) -> None:
    follows.follow(follower=bob, user=alice)
    note = make_note(alice)
    assert not Notification.objects.filter(recipient=bob).exists()  # the save did not wait
    [row] = job_rows("notify_publication")
    assert row["args"] == {"note_id": note.pk, "actor_id": alice.pk}
    assert run_jobs() == 1
    jobs.notify_publication(note_id=note.pk, actor_id=alice.pk)  # run again, as a retry would
    assert list(Notification.objects.filter(recipient=bob).values_list("kind", flat=True)) == [
        NotificationKind.FOLLOWED_USER
    ]


@pytest.mark.django_db
def test_a_publication_job_for_a_note_made_private_since_tells_nobody(
    alice: User, bob: User
) -> None:
    follows.follow(follower=bob, user=alice)
    note = make_note(alice)
    Note.objects.filter(pk=note.pk).update(visibility=Visibility.PRIVATE)
    assert run_jobs() == 1
    assert not Notification.objects.filter(recipient=bob).exists()


@pytest.mark.django_db
def test_relinking_a_note_deleted_since_does_nothing(alice: User) -> None:
    note = make_note(alice)
    run_jobs()  # the note's publication
    jobs.defer(jobs.relink_references, target_id=note.pk)
    note.delete()
    assert run_jobs() == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_queued_emails_once(alice: User, bob: User) -> None:
    _prefer(alice, Delivery.IMMEDIATE)
    note = make_note(alice)
    make_comment(note, bob, "Hello.")
    run_worker()
    run_worker()
    assert len(mail.outbox) == 1
    assert [row["status"] for row in job_rows("send_immediate_emails")] == ["succeeded"]
    assert Notification.objects.get(recipient=alice).emailed_at is not None


# ----------------------------------------------------------------------------- retries


@pytest.mark.django_db(transaction=True)
def test_a_failed_email_job_is_tried_again_after_a_growing_pause(
    alice: User, bob: User, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 5
    _prefer(alice, Delivery.IMMEDIATE)
    make_comment(make_note(alice), bob, "Hello.")

    pauses = []
    for attempt in (1, 2):
        before = datetime.datetime.now(datetime.UTC)
        run_worker()
        after = datetime.datetime.now(datetime.UTC)
        [row] = job_rows("send_immediate_emails")
        assert (row["status"], row["attempts"]) == ("todo", attempt)
        pause = datetime.timedelta(seconds=2**attempt)  # jobs.RETRY: 2, 4, 8, … seconds
        assert before + pause <= row["scheduled_at"] <= after + pause
        pauses.append(pause)
        # Not due yet: a worker leaves it.
        run_worker()
        assert job_rows("send_immediate_emails")[0]["attempts"] == attempt
        _make_due(row["id"])
    assert pauses[1] > pauses[0]
    assert mail.outbox == []
    assert Notification.objects.get(recipient=alice).emailed_at is None

    settings.EMAIL_BACKEND = LOCMEM  # the mail server is back
    run_worker()
    assert [row["status"] for row in job_rows("send_immediate_emails")] == ["succeeded"]
    assert len(mail.outbox) == 1
    assert Notification.objects.get(recipient=alice).emailed_at is not None


def test_every_job_is_retried_and_gives_up_in_the_end() -> None:
    for name in ("send_immediate_emails", "send_digests", "prune_views", "relink_references"):
        strategy = app.tasks[name].retry_strategy
        assert strategy is jobs.RETRY
    assert jobs.RETRY.max_attempts


# ---------------------------------------------------------------------- killed workers


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_was_killed_is_queued_again_and_sent_once(
    alice: User, bob: User
) -> None:
    _prefer(alice, Delivery.IMMEDIATE)
    make_comment(make_note(alice), bob, "Hello.")
    # A mail server that accepts the connection and never answers: the worker's job hangs.
    with socket.socket() as silent_server:
        silent_server.bind(("127.0.0.1", 0))
        silent_server.listen()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(silent_server.getsockname()[1]),
            "EMAIL_USE_TLS": "0",
        }
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker", "--no-listen-notify"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=None,
        )
        try:
            wait_for(lambda: job_rows("send_immediate_emails")[0]["status"] == "doing")
        finally:
            worker.kill()
            worker.wait()
    [row] = job_rows("send_immediate_emails")
    assert row["status"] == "doing"
    assert mail.outbox == []

    # Time passes: the dead worker's last heartbeat grows old.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - make_interval(secs => %s)",
            [django_settings.JOB_STALLED_SECONDS + 1],
        )
    # What every worker runs each minute; the killed worker may have queued it already.
    with contextlib.suppress(procrastinate_exceptions.AlreadyEnqueued):
        jobs.defer(jobs.retry_stalled_jobs, timestamp=0)
    run_worker()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert job_rows("send_immediate_emails")[0]["status"] == "succeeded"
    run_worker()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_running_job_of_a_live_worker_is_left_alone() -> None:
    async def fetch_one() -> None:
        worker_id = await app.job_manager.register_worker()
        await app.job_manager.fetch_job(queues=None, worker_id=worker_id)

    jobs.defer(jobs.prune_views, timestamp=0)
    call_async(fetch_one)
    jobs.defer(jobs.retry_stalled_jobs, timestamp=0)
    run_jobs()
    assert job_rows("prune_views")[0]["status"] == "doing"


# ---------------------------------------------------------------------------- schedule


def test_the_schedule_is_the_documented_one() -> None:
    scheduled = {
        periodic.task.name: periodic.cron
        for periodic in app.periodic_registry.periodic_tasks.values()
    }
    assert scheduled == jobs.PERIODIC
    assert jobs.PERIODIC["send_digests"] == "0 7 * * *"  # daily
    readme = (BASE_DIR / "README.md").read_text()
    for name, cron in jobs.PERIODIC.items():
        assert f"`{name}`" in readme and f"`{cron}`" in readme


@pytest.mark.django_db
def test_the_schedule_defers_what_is_due_once_whatever_the_number_of_workers(
    alice: User, bob: User
) -> None:
    at = datetime.datetime(2026, 3, 2, 7, 0, 30, tzinfo=datetime.UTC).timestamp()
    for _host in range(2):  # two workers, on two hosts, at the same moment
        deferrer = PeriodicDeferrer(registry=app.periodic_registry)
        due = list(deferrer.get_previous_tasks(at=at))
        assert {periodic.task.name for periodic, _ in due} == {
            "send_digests",
            "retry_stalled_jobs",
        }
        call_async(deferrer.defer_jobs, due)
    assert sorted(row["task_name"] for row in job_rows()) == ["retry_stalled_jobs", "send_digests"]

    # The digest job sends the digests, once.
    _prefer(alice, Delivery.DIGEST)
    make_comment(make_note(alice), bob, "For the digest.")
    run_jobs()
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert "1 new notification" in mail.outbox[0].subject
    jobs.send_digests(timestamp=0)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_old_view_records_are_pruned_by_their_job(alice: User) -> None:
    from notes.models.reactions import NoteView

    note = make_note(alice)
    old_day = datetime.date.today() - datetime.timedelta(days=10)
    NoteView.objects.create(note=note, viewer="someone", day=old_day)
    jobs.defer(jobs.prune_views, timestamp=0)
    run_jobs()
    assert not NoteView.objects.filter(day=old_day).exists()


# ---------------------------------------------------------------------------- health


@pytest.mark.django_db
def test_ready_says_when_the_job_queue_does_not_answer() -> None:
    from django.test import Client

    assert Client().get("/health/ready").json()["checks"]["jobs"] == "ok"
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute("ALTER TABLE procrastinate_jobs RENAME TO procrastinate_jobs_away")
    response = Client().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["jobs"] == "job queue: database error"
    assert "procrastinate" not in response.content.decode()


@pytest.mark.django_db
def test_the_stored_html_follows_the_renderer_through_a_job(alice: User) -> None:
    note = make_note(alice, body="*Stored* long ago.")
    run_jobs()  # the note's publication
    Note.objects.filter(pk=note.pk).update(body_html="<p>as an old renderer made it</p>")
    jobs.defer(jobs.rerender_stored_texts)
    with (
        pytest.raises(procrastinate_exceptions.AlreadyEnqueued),  # one at a time
        transaction.atomic(),
    ):
        jobs.defer(jobs.rerender_stored_texts)
    assert run_jobs() == 1
    assert "<em>Stored</em>" in Note.objects.get(pk=note.pk).body_html

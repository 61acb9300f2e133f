"""Work that need not happen inside a request, as jobs in a queue kept in PostgreSQL.

The queue is procrastinate's: its tables live in the site's own database (migrated with
the rest), so a job is deferred in the same transaction as the change that calls for it
and exists exactly when that change is committed, and a queue needs no server besides
the database, the embedded one included. Workers (``python manage.py procrastinate
worker``; ``make run`` starts one) take jobs with ``FOR UPDATE SKIP LOCKED``, on any
number of hosts.

Every job here is idempotent: it reads what is still to do from the database and marks
it done in the same transaction (a notification's ``emailed_at``, the revision a
re-rendered text was read at), so running one twice, or again after a worker was killed
in the middle of it, sends and writes nothing twice. A job that fails is tried again
with a growing pause (``RETRY``); a job whose worker died (no heartbeat for
``JOB_STALLED_SECONDS``) is handed back to the queue by ``retry_stalled_jobs`` every
minute, so a killed worker loses no job.

The periodic jobs (``PERIODIC``) are deferred by every running worker at their time;
the database keeps one of each per scheduled time, however many workers there are.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from papernotes import queue

logger = logging.getLogger("papernotes.jobs")

# Eight more tries, 2, 4, 8, … 256 s apart (about eight minutes in all): long enough for an SMTP
# server or the database to come back, short enough that an e-mail "at once" is not late
# by hours.
RETRY = RetryStrategy(max_attempts=8, exponential_wait=2)

# The periodic jobs: task name to its cron schedule (UTC). Kept here, in one table, so the
# README and the tests read the same schedule the workers run.
PERIODIC = {
    "send_digests": "0 7 * * *",
    "prune_views": "30 3 * * *",
    "retry_stalled_jobs": "* * * * *",
    "delete_old_jobs": "15 4 * * *",
}


@app.task(name="send_immediate_emails", retry=RETRY)
def send_immediate_emails(*, recipient_ids: list[int]) -> int:
    """E-mail these people's unsent "at once" notifications."""
    from notes.services.notifications import send_immediate

    return send_immediate(recipient_ids=recipient_ids)


@app.periodic(cron=PERIODIC["send_digests"])
@app.task(name="send_digests", retry=RETRY, queueing_lock="send_digests")
def send_digests(timestamp: int) -> int:
    from notes.services import notifications

    return notifications.send_digests()


@app.periodic(cron=PERIODIC["prune_views"])
@app.task(name="prune_views", retry=RETRY, queueing_lock="prune_views")
def prune_views(timestamp: int) -> int:
    from notes.services.reactions import forget_old_views

    return forget_old_views(keep_days=2)


@app.task(name="relink_references", retry=RETRY)
def relink_references(*, target_id: int) -> int:
    """Render again what cites note ``target_id`` (its visibility, trash or hidden state
    changed)."""
    from notes.models import Note
    from notes.services import relink_references_to

    target = Note.objects.filter(pk=target_id).first()
    if target is None:  # deleted for good since: nothing cites it any more
        return 0
    return relink_references_to(target=target)


@app.task(name="notify_publication", retry=RETRY)
def notify_publication(*, note_id: int, actor_id: int) -> int:
    """Tell the followers of a note just published, and the paper's other summarisers."""
    from accounts.models import User
    from notes.models import Note
    from notes.services.notifications import note_published

    note = Note.objects.select_related("author", "paper").filter(pk=note_id).first()
    actor = User.objects.filter(pk=actor_id).first()
    if note is None or actor is None:  # deleted for good since
        return 0
    return len(note_published(note, actor=actor))


@app.task(name="rerender_stored_texts", retry=RETRY, queueing_lock="rerender_stored_texts")
def rerender_stored_texts() -> int:
    """``manage.py rerender`` on a worker (``manage.py procrastinate defer
    rerender_stored_texts``): the stored HTML of every text follows the renderer. It
    writes only what changed, so a retry after a failure half-way redoes nothing."""
    from notes.management.commands.rerender import rerender

    return sum(tally.changed for tally in rerender(batch_size=200))


@app.periodic(cron=PERIODIC["retry_stalled_jobs"])
@app.task(name="retry_stalled_jobs", pass_context=True, queueing_lock="retry_stalled_jobs")
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> int:
    """Hand back to the queue the jobs of workers that stopped sending heartbeats (killed,
    or their host lost)."""
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=settings.JOB_STALLED_SECONDS)
    for job in stalled:
        logger.warning(
            "job %s (%s) was left running by a worker that stopped; queued again",
            job.id,
            job.task_name,
        )
        await manager.retry_job(job)
    return len(stalled)


@app.periodic(cron=PERIODIC["delete_old_jobs"])
@app.task(name="delete_old_jobs", pass_context=True, queueing_lock="delete_old_jobs")
async def delete_old_jobs(context: JobContext, timestamp: int) -> None:
    """Forget finished jobs after a while (failed ones are kept longer, to be looked at)."""
    manager = context.app.job_manager
    await manager.delete_old_jobs(nb_hours=24 * 7, include_failed=False)
    await manager.delete_old_jobs(nb_hours=24 * 30, include_failed=True)


def defer(task: Any, **kwargs: Any) -> None:
    """Queue ``task`` (one of the jobs above) in the current transaction; the site's own
    code queues jobs by name through ``papernotes.queue.defer``."""
    queue.defer(task.name, **kwargs)


@app.task(name="run_import", retry=RETRY, pass_context=True)
def run_import(context: JobContext, *, import_id: int) -> int:
    """Go on with an uploaded file's import (``notes.exchange.imports``) from where it got;
    each step commits with its progress, so a retry does nothing twice. When the last try
    fails too, the import is marked failed, so its page says so instead of waiting."""
    from notes.exchange import imports

    try:
        return imports.run(import_id=import_id)
    except Exception as exc:
        if (
            context.job is not None
            and RETRY.get_retry_decision(exception=exc, job=context.job) is None
        ):
            imports.give_up(import_id=import_id)
        raise

"""The job queue as the rest of the site sees it: queue a job by its name, and read the
queue's state for health checks and metrics.

The jobs themselves (``papernotes.jobs``) call into the notes app; the notes app queues
them from here by name, so that nothing below the jobs imports them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import DatabaseError, connection, transaction
from procrastinate.contrib.django import app

from papernotes.db import failure_kind


def defer(task_name: str, **kwargs: Any) -> None:
    """Queue the job ``task_name`` of ``papernotes.jobs`` with ``kwargs`` in the current
    transaction: the job exists once the transaction commits, and never if it rolls back.
    An unknown name is an error, not a job no worker would run."""
    app.configure_task(task_name, allow_unknown=False).defer(**kwargs)


def queue_check() -> str:
    """For ``/health/ready``: "ok" when the queue's tables answer, else what failed (never a
    server's message)."""
    try:
        with transaction.atomic():  # a failure leaves an enclosing transaction usable
            queue_stats()
    except DatabaseError as exc:
        return f"job queue: {failure_kind(exc) or 'database error'}"
    return "ok"


def queue_stats() -> dict[str, int]:
    """Jobs by state, for health and metrics: waiting (``todo``), running (``doing``),
    failed for good (``failed``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, count(*) FROM procrastinate_jobs "
            "WHERE status IN ('todo', 'doing', 'failed') GROUP BY status"
        )
        counts = dict(cursor.fetchall())
    return {state: counts.get(state, 0) for state in ("todo", "doing", "failed")}


def oldest_waiting_seconds() -> float:
    """How long the oldest job that could run now has waited (0 when none waits)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(scheduled_at) FROM procrastinate_jobs WHERE status = 'todo' "
            "AND (scheduled_at IS NULL OR scheduled_at <= now())"
        )
        (oldest,) = cursor.fetchone()
    if oldest is None:
        return 0.0
    return max((datetime.datetime.now(datetime.UTC) - oldest).total_seconds(), 0.0)


def failed_attempts(*, hours: int) -> int:
    """Attempts that failed within the last ``hours`` (to be retried, or for good)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM procrastinate_events WHERE type IN "
            "('deferred_for_retry', 'failed') AND at > now() - make_interval(hours => %s)",
            [hours],
        )
        return cursor.fetchone()[0]

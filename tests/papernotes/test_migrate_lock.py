"""Replicas starting together each run ``migrate`` on one fresh database: it is applied
once, and every run succeeds (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.jobs import database_url

ROOT = Path(__file__).resolve().parents[2]


def _server_connection(dbname: str = "postgres") -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


@pytest.fixture
def fresh_database(db: None) -> Iterator[str]:
    """An empty database on the test server; its URL."""
    name = f"{connection.settings_dict['NAME']}_fresh"
    with _server_connection() as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlsplit(database_url())
    yield urlunsplit(url._replace(path=f"/{name}"))
    with _server_connection() as server:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def test_two_migrate_runs_at_once_on_a_fresh_database_both_succeed(fresh_database: str) -> None:
    env = {**os.environ, "DATABASE_URL": fresh_database}
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # One applied everything; the other waited, then had nothing left to do.
    assert sum("No migrations to apply." in output for output in outputs) == 1
    with _server_connection(urlsplit(fresh_database).path.lstrip("/")) as fresh:
        duplicates = fresh.execute(
            "SELECT app, name FROM django_migrations GROUP BY app, name HAVING count(*) > 1"
        ).fetchall()
        applied = fresh.execute("SELECT count(*) FROM django_migrations WHERE app = 'notes'")
        assert duplicates == []
        assert applied.fetchone()[0] == len(list((ROOT / "notes" / "migrations").glob("0*.py")))

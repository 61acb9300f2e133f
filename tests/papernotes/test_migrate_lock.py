"""Replicas starting together each run ``migrate`` on one fresh database: it is applied
once, and every run succeeds (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ops import fresh_database as fresh_database_on_server
from tests.ops import server_connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_database(db: None) -> Iterator[str]:
    with fresh_database_on_server("fresh") as url:
        yield url


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
    with server_connection(urlsplit(fresh_database).path.lstrip("/")) as fresh:
        duplicates = fresh.execute(
            "SELECT app, name FROM django_migrations GROUP BY app, name HAVING count(*) > 1"
        ).fetchall()
        applied = fresh.execute("SELECT count(*) FROM django_migrations WHERE app = 'notes'")
        assert duplicates == []
        assert applied.fetchone()[0] == len(list((ROOT / "notes" / "migrations").glob("0*.py")))

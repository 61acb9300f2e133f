"""The embedded PostgreSQL server: started on demand, reused, shared between processes,
and never started when DATABASE_URL names another server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from papernotes import embedded_db

ROOT = Path(__file__).resolve().parent.parent


def _postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


def _settings_in_subprocess(var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Load settings in a fresh process, as runserver or a management command would."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(env, VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="papernotes.settings")
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d['HOST'], d['NAME'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("var")
    yield path
    embedded_db.stop(path / "pgdata")


def test_it_starts_on_demand_on_a_unix_socket(var_dir: Path) -> None:
    config = embedded_db.database_settings(var_dir / "pgdata", name="papernotes_probe")
    assert Path(config["HOST"]).is_dir()  # a socket directory, not a host name
    assert config["PORT"] == ""
    with psycopg.connect(host=config["HOST"], user="postgres", dbname="papernotes_probe") as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("papernotes_probe",)
        # no TCP listener: the server was started with an empty listen_addresses
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
    # Tuned for data on a local disk, mostly in memory (a reload, which the server takes in
    # its own time).
    deadline = time.monotonic() + 10
    while _setting(config, "random_page_cost") != "1.1" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _setting(config, "random_page_cost") == "1.1"


def _setting(config: dict[str, str], name: str) -> str:
    with psycopg.connect(host=config["HOST"], user="postgres", dbname="postgres") as conn:
        return conn.execute("SELECT setting FROM pg_settings WHERE name = %s", [name]).fetchone()[0]


def test_it_is_reused_by_the_next_call(var_dir: Path) -> None:
    embedded_db.start(var_dir / "pgdata")
    first = _postmaster_pid(var_dir / "pgdata")
    embedded_db.start(var_dir / "pgdata")
    assert _postmaster_pid(var_dir / "pgdata") == first


def test_a_second_process_shares_the_running_server(var_dir: Path) -> None:
    embedded_db.start(var_dir / "pgdata")
    pid = _postmaster_pid(var_dir / "pgdata")
    result = _settings_in_subprocess(var_dir)
    assert result.returncode == 0, result.stderr
    host, name = result.stdout.split()
    assert name == "papernotes"
    assert Path(host) == Path(embedded_db.start(var_dir / "pgdata"))
    assert _postmaster_pid(var_dir / "pgdata") == pid  # still the same server


def test_it_survives_the_process_that_started_it(var_dir: Path) -> None:
    result = _settings_in_subprocess(var_dir)
    assert result.returncode == 0, result.stderr
    pid = _postmaster_pid(var_dir / "pgdata")
    os.kill(pid, 0)  # raises if the server went away with the subprocess


def test_nothing_starts_when_database_url_is_set(tmp_path: Path) -> None:
    result = _settings_in_subprocess(
        tmp_path, DATABASE_URL="postgresql://someone@db.example:5432/papers"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["db.example", "papers"]
    assert not (tmp_path / "pgdata").exists()


def test_a_server_that_cannot_start_says_why_and_what_to_do(tmp_path: Path) -> None:
    broken = tmp_path / "pgdata"
    broken.write_text("not a data directory")
    with pytest.raises(embedded_db.EmbeddedDatabaseError) as excinfo:
        embedded_db.start(broken)
    message = str(excinfo.value)
    assert "could not start" in message
    assert "What to do" in message
    assert "DATABASE_URL" in message

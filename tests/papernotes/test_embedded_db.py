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
from tests.paths import ROOT


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


# --- A stale PID file, and several processes starting at once (issue 11.5) ----------------


@pytest.fixture
def fresh_var(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("fresh-var")
    yield path
    embedded_db.stop(path / "pgdata")


@pytest.fixture
def unrelated_process() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(["sleep", "300"])
    yield process
    process.kill()
    process.wait()


def _name_in_pid_file(pgdata: Path, pid: int, lines: list[str]) -> None:
    """A PID file as a server that died left it, whose PID now belongs to ``pid``."""
    (pgdata / "postmaster.pid").write_text("\n".join([str(pid), *lines[1:]]) + "\n")


def test_a_pid_file_naming_another_process_is_neither_trusted_nor_signalled(
    fresh_var: Path, unrelated_process: subprocess.Popen[bytes]
) -> None:
    pgdata = fresh_var / "pgdata"
    embedded_db.start(pgdata)
    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    assert embedded_db.stop(pgdata)
    _name_in_pid_file(pgdata, unrelated_process.pid, lines)

    assert embedded_db.stop(pgdata) is False
    assert unrelated_process.poll() is None  # still running: no signal was sent to it

    _name_in_pid_file(pgdata, unrelated_process.pid, lines)
    config = embedded_db.database_settings(pgdata, name="papernotes_probe")
    with psycopg.connect(host=config["HOST"], user="postgres", dbname="papernotes_probe") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    server_pid = _postmaster_pid(pgdata)
    assert server_pid != unrelated_process.pid
    assert embedded_db.is_postmaster_of(server_pid, pgdata)
    assert not embedded_db.is_postmaster_of(unrelated_process.pid, pgdata)
    assert unrelated_process.poll() is None


def test_creating_the_database_from_many_processes_at_once_creates_it_once(
    var_dir: Path,
) -> None:
    socket_dir = embedded_db.start(var_dir / "pgdata")
    name = f"papernotes_race_{os.getpid()}"
    code = (
        "import sys; from pathlib import Path; from papernotes import embedded_db;"
        "embedded_db.ensure_database(Path(sys.argv[1]), sys.argv[2])"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(socket_dir), name],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * 8, errors
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname=name) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (name,)


def test_several_processes_starting_a_fresh_data_directory_at_once_share_one_server(
    fresh_var: Path,
) -> None:
    """Two ``make run`` at once, or gunicorn's workers booting together."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(VAR_DIR=str(fresh_var), DJANGO_SETTINGS_MODULE="papernotes.settings")
    code = "from django.conf import settings; print(settings.DATABASES['default']['HOST'])"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=180) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, [err for _, err in outputs]
    assert len({out.strip() for out, _ in outputs}) == 1
    assert embedded_db.is_postmaster_of(_postmaster_pid(fresh_var / "pgdata"), fresh_var / "pgdata")

"""``make run`` (``manage.py serve``): a job worker beside the web server, both stopped
together, and the embedded database started again when it dies, with the reason logged
(issue 16)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from accounts.models import User
from notes.models import Delivery, Notification, NotificationKind
from notes.services import notifications
from papernotes import embedded_db, supervisor
from tests.factories import make_comment, make_note
from tests.jobs import empty_queue
from tests.ops import database_url, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pgdata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("var") / "pgdata"
    embedded_db.database_settings(path, name="papernotes_watched")
    yield path
    embedded_db.stop(path)


def _postmaster(pgdata: Path) -> psutil.Process:
    return psutil.Process(int((pgdata / "postmaster.pid").read_text().splitlines()[0]))


def test_a_dead_embedded_server_is_started_again_and_the_log_says_why(
    pgdata: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watch = supervisor.EmbeddedWatch(pgdata)
    assert watch.check() is False  # running: nothing to do
    old = _postmaster(pgdata)
    old.send_signal(signal.SIGKILL)  # a crash, or the OOM killer
    old.wait(timeout=30)
    with caplog.at_level(logging.INFO, logger="papernotes.supervisor"):
        # Its backends may hold the shared memory a few moments longer: checks go on.
        wait_for(watch.check, seconds=60)
    assert watch.restarts == 1
    messages = [record.getMessage() for record in caplog.records]
    assert any("has stopped" in m and "last lines of its log" in m for m in messages)
    assert any("running again" in m for m in messages)
    new = _postmaster(pgdata)
    assert new.pid != old.pid
    socket_dir = embedded_db.start(pgdata)
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="papernotes_watched") as c:
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_the_server_log_is_rotated_when_it_grows(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text("first\n")
    assert embedded_db.rotate_log(tmp_path, max_bytes=100) is False
    for round_ in range(5):
        log.write_text(f"round {round_}\n" * 20)
        assert embedded_db.rotate_log(tmp_path, max_bytes=100, keep=3) is True
        assert log.read_text() == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log", "log.1", "log.2", "log.3"]
    assert (tmp_path / "log.1").read_text().startswith("round 4")
    assert (tmp_path / "log.3").read_text().startswith("round 2")


def test_a_running_server_keeps_writing_to_its_rotated_log(pgdata: Path) -> None:
    embedded_db.rotate_log(pgdata, max_bytes=0)
    socket_dir = embedded_db.start(pgdata)
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as conn:
        conn.execute("DO $$ BEGIN RAISE LOG 'written after the rotation'; END $$")
    wait_for(lambda: "written after the rotation" in (pgdata / "log").read_text(), seconds=10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_serve_runs_a_worker_beside_the_web_server_and_stops_them_together(
    alice: User, bob: User
) -> None:
    empty_queue()
    notifications.save_preferences(
        user=alice, deliveries=dict.fromkeys(NotificationKind.values, Delivery.IMMEDIATE)
    )
    make_comment(make_note(alice), bob, "Sent by the worker make run starts.")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "WARNING"}
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/health/live"))
        wait_for(
            lambda: Notification.objects.filter(recipient=alice, emailed_at__isnull=False).exists()
        )
        started = psutil.Process(serve.pid).children(recursive=True)
        commands = [" ".join(child.cmdline()) for child in started]
        assert any("runserver" in c for c in commands)
        assert any("procrastinate worker" in c for c in commands)
    finally:
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=60)
    assert code == 0
    _gone, alive = psutil.wait_procs(started, timeout=20)
    assert alive == []
    assert not _answers(f"http://127.0.0.1:{port}/health/live")

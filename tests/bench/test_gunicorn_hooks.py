"""The server hooks that log what each request costs in CPU time."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from bench import gunicorn_hooks
from bench.management.commands.bench import cpu_by_tag


def _request(tag: str) -> SimpleNamespace:
    return SimpleNamespace(headers=[("HOST", "x"), ("X-BENCH-BATCH", tag)])


def test_a_request_logs_its_worker_and_database_cpu_time(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "cpu.log"
    monkeypatch.setenv("BENCH_CPU_LOG", str(log))
    connection.ensure_connection()
    worker = SimpleNamespace()
    gunicorn_hooks.pre_request(worker, _request("page 3"))
    with connection.cursor() as cursor:
        # Work for the database's process: its CPU time must show.
        cursor.execute("SELECT count(*) FROM generate_series(1, 300000)")
    sum(range(200_000))
    gunicorn_hooks.post_request(worker, _request("page 3"))
    ((tag, own, database),) = [line.split("\t") for line in log.read_text().splitlines()]
    assert tag == "page 3"
    assert int(own) > 0 and int(database) > 1000  # microseconds
    costs = gunicorn_hooks.read_log(log)
    assert list(costs) == ["page 3"]
    cpu, database_cpu = cpu_by_tag(log)
    assert cpu["page 3"][0] == pytest.approx((int(own) + int(database)) / 1000)
    assert database_cpu["page 3"][0] == pytest.approx(int(database) / 1000)


def test_requests_without_a_tag_or_a_log_leave_no_line(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "cpu.log"
    worker = SimpleNamespace()
    gunicorn_hooks.pre_request(worker, _request("page 1"))
    gunicorn_hooks.post_request(worker, _request("page 1"))  # no BENCH_CPU_LOG
    monkeypatch.setenv("BENCH_CPU_LOG", str(log))
    gunicorn_hooks.post_request(worker, SimpleNamespace(headers=[]))
    assert not log.exists()


def test_a_database_process_that_went_away_is_left_out(tmp_path: Path) -> None:
    log = tmp_path / "cpu.log"
    log.write_text("page 1\t800\t-\npage 1\t900\t1100\nbroken line\n")
    assert gunicorn_hooks.read_log(log) == {"page 1": [(0.8, None), (0.9, 1.1)]}
    # Both lists leave it out, so that they stay request for request.
    assert cpu_by_tag(log) == ({"page 1": [pytest.approx(2.0)]}, {"page 1": [pytest.approx(1.1)]})
    assert gunicorn_hooks.read_log(tmp_path / "missing.log") == {}


def test_a_database_on_another_machine_is_not_read_from_proc(
    db, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection.ensure_connection()
    assert gunicorn_hooks.backend_pid() == connection.connection.info.backend_pid
    monkeypatch.setitem(connection.settings_dict, "HOST", "db.example.org")
    assert gunicorn_hooks.backend_pid() is None

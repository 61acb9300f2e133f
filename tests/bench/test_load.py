"""The benchmark's HTTP client and load loop, against a small local server."""

from __future__ import annotations

from collections import Counter

import pytest

from bench import server
from bench.client import LoginFailed, Session, request
from bench.load import Batch, median, percentile, run_batch


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7
    assert median([3.0, 1.0, 2.0]) == 2
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_a_batch_lists_what_was_not_200() -> None:
    batch = Batch([1.0] * 3)
    batch.statuses.update({200: 2, 500: 1})
    batch.errors.update({"ConnectionResetError": 1})
    assert batch.status == "2× 200, 1× 500, 1× ConnectionResetError"
    assert (batch.failures, batch.server_errors) == (2, 1)
    assert Batch([1.0], statuses=Counter({200: 1})).status == "200"


def test_batches_pool_their_figures() -> None:
    pooled = Batch()
    pooled.add(Batch([1.0, 2.0], Counter({200: 2}), elapsed_s=1.0))
    pooled.add(Batch([3.0], Counter({302: 1}), elapsed_s=0.5))
    assert pooled.requests == 3
    assert pooled.rps == pytest.approx(2.0)
    assert pooled.p(50) == 2.0


def test_run_batch_requests_each_path_once(local_server: int) -> None:
    session = Session("127.0.0.1", local_server)
    batch = run_batch([session], ["/ok/"] * 20 + ["/missing/"] * 5, concurrency=3)
    assert batch.requests == 25
    assert batch.statuses == {200: 20, 404: 5}
    assert batch.failures == 5
    assert batch.rps > 0


def test_run_batch_stops_at_its_time_limit(local_server: int) -> None:
    session = Session("127.0.0.1", local_server)
    batch = run_batch([session], ["/ok/"] * 10**6, concurrency=1, max_seconds=0.2)
    assert 0 < batch.requests < 10**6


def test_a_request_that_gets_no_answer_is_counted_as_an_error() -> None:
    closed = Session("127.0.0.1", 9)  # discard: nothing listens
    batch = run_batch([closed], ["/ok/"] * 3, concurrency=1)
    assert batch.requests == 0
    assert sum(batch.errors.values()) == 3


def test_a_session_logs_in_through_the_form_and_keeps_its_cookies(local_server: int) -> None:
    session = Session("127.0.0.1", local_server)
    session.login("bench_reader_1", "right")
    assert session.cookies == {"csrftoken": "rotated-token", "sessionid": "s1"}
    echoed = request(
        "127.0.0.1", local_server, "GET", "/echo/", headers=session.headers, keep_body=True
    )
    assert echoed.body == b"csrftoken=rotated-token; sessionid=s1"
    assert session.name == "bench_reader_1"


def test_a_wrong_password_is_a_clear_failure(local_server: int) -> None:
    with pytest.raises(LoginFailed, match="could not log in"):
        Session("127.0.0.1", local_server).login("bench_reader_1", "wrong")


def test_reading_pages_leaves_a_shared_sessions_cookies_alone(local_server: int) -> None:
    session = Session("127.0.0.1", local_server)
    run_batch([session], ["/accounts/login/"] * 4, concurrency=2)
    assert session.cookies == {}


def test_the_server_under_test_keeps_the_sites_database_timeouts() -> None:
    # manage.py lifts them for its commands, bench among them; the server must not inherit
    # that, or its pages could wait longer than the site's ever do.
    base = {"DB_STATEMENT_TIMEOUT_MS": "0", "DB_LOCK_TIMEOUT_MS": "0", "PATH": "/bin"}
    env = server.production_env(base, database_url="postgresql:///x", secret_key="k" * 64)
    assert "DB_STATEMENT_TIMEOUT_MS" not in env and "DB_LOCK_TIMEOUT_MS" not in env
    assert env["PATH"] == "/bin" and env["DEBUG"] == "0"
    assert env["DJANGO_SETTINGS_MODULE"] == "papernotes.settings"


def test_the_server_s_static_files_stay_out_of_the_checkout_s(settings) -> None:
    # Collected into var/static, they would be indexed by every test client of a later run.
    env = server.production_env({}, database_url="postgresql:///x", secret_key="k" * 64)
    assert env["STATIC_ROOT"] == str(server.STATIC_DIR) != str(settings.STATIC_ROOT)
    assert server.STATIC_DIR.parent.name == "var"
    mine = {"STATIC_ROOT": "/srv/static"}
    env = server.production_env(mine, database_url="postgresql:///x", secret_key="k" * 64)
    assert env["STATIC_ROOT"] == "/srv/static"

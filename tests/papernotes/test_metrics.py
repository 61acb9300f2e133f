"""Prometheus metrics (issue 16): only for allowed addresses or the token; requests by
view and status, latency, database and cache errors, render time-outs, the job queue;
added up across gunicorn's workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from django.db import connection
from django.test import Client
from django.urls import resolve
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import User
from notes import services
from papernotes import jobs
from papernotes.cache import DegradingRedisCache
from papernotes.outages import reporter
from tests.conftest import BROWSER_AGENT, client_for
from tests.factories import make_note
from tests.jobs import empty_queue
from tests.ops import database_url, free_port, wait_for
from tests.texts import ordinary_note, scaled

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-scraper-token-of-at-least-32-characters"
OUTSIDE = "203.0.113.9"


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _scrape(client: Client | None = None) -> dict[tuple[str, frozenset], float]:
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return _samples(response.content.decode())


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(autouse=True)
def _fresh_failure_log() -> Iterator[None]:
    reporter.reset()
    yield
    reporter.reset()


# ------------------------------------------------------------------------------ access


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "owner", "other", "staff"])
def test_from_another_address_nobody_reads_the_metrics_without_the_token(
    people: dict[str, Client], role: str
) -> None:
    response = people[role].get("/metrics", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    assert b"papernotes_" not in response.content


@pytest.mark.django_db
def test_allowed_addresses_and_the_token_are_let_in(settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 200  # 127.0.0.1, allowed by default
    with_token = Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert with_token.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 200
    wrong = Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")
    assert wrong.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 403
    # A forwarded address is anybody's to write: it lets nobody in.
    forwarded = Client(HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert forwarded.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 403

    settings.METRICS_TOKEN = ""
    assert with_token.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 403
    settings.METRICS_ALLOWED_NETWORKS = []
    assert Client().get("/metrics").status_code == 403


def test_bad_metrics_settings_stop_start_up() -> None:
    for env, message in [
        ({"METRICS_ALLOWED_IPS": "10.0.0.0/8,localhost"}, "'localhost' is not an IP address"),
        ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN must be at least 32"),
    ]:
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode != 0
        assert message in result.stderr


# ---------------------------------------------------------------------------- content


@pytest.mark.django_db
def test_requests_are_counted_by_view_and_status_with_their_latency(alice: User) -> None:
    note = make_note(alice)
    before = _scrape()
    reader = Client(HTTP_USER_AGENT=BROWSER_AGENT)
    reader.get(f"/n/{note.pk}/")
    reader.get(f"/n/{note.pk}/")
    reader.get("/n/999999999/")
    client_for(alice).post(f"/n/{note.pk}/delete/")
    Client().get("/no/such/page/at/all/")
    after = _scrape()
    # Views are named as the URL configuration names them.
    page, delete = resolve(f"/n/{note.pk}/").view_name, resolve(f"/n/{note.pk}/delete/").view_name

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("papernotes_requests_total", view=page, method="GET", status="200") == 2
    assert grew("papernotes_requests_total", view=page, method="GET", status="404") == 1
    assert grew("papernotes_requests_total", view=delete, method="POST", status="302") == 1
    assert grew("papernotes_requests_total", view="unmatched", method="GET", status="404") == 1
    assert grew("papernotes_request_duration_seconds_count", view=page) == 3
    assert grew("papernotes_request_duration_seconds_sum", view=page) > 0


@pytest.mark.django_db(transaction=True)
def test_database_failures_are_counted_by_kind_and_the_queue_says_it_is_unread() -> None:
    before = _scrape()
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        for _ in range(3):
            assert Client().get("/papers/").status_code == 503
        during = _samples(Client().get("/metrics").content.decode())
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    kind = {"kind": "database unavailable"}
    grown = _value(during, "papernotes_database_errors_total", **kind) - _value(
        before, "papernotes_database_errors_total", **kind
    )
    assert grown >= 3
    assert _value(during, "papernotes_jobs_up") == 0
    assert _value(_scrape(), "papernotes_jobs_up") == 1


@pytest.mark.django_db
def test_cache_failures_are_counted() -> None:
    before = _value(_scrape(), "papernotes_cache_errors_total")
    unreachable = DegradingRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )
    assert unreachable.get("anything", "missed") == "missed"
    assert _value(_scrape(), "papernotes_cache_errors_total") == before + 1


@pytest.mark.django_db
def test_render_time_outs_are_counted(alice: User, settings) -> None:
    before = _value(_scrape(), "papernotes_render_timeouts_total")
    # A text the renderer refuses for its shape is not a time-out.
    with pytest.raises(services.TooComplexToRender):
        services.render_note_body(author=alice, body=scaled("a\n=\n", 200_000), id_prefix="n2-")
    assert _value(_scrape(), "papernotes_render_timeouts_total") == before
    # An ordinary long text takes a few tenths of a second: past a budget of a tenth.
    settings.RENDER_CPU_SECONDS = 0.1
    body, _ = ordinary_note(150_000)
    with pytest.raises(services.TooComplexToRender):
        services.render_note_body(author=alice, body=body, id_prefix="n1-")
    assert _value(_scrape(), "papernotes_render_timeouts_total") == before + 1


@pytest.mark.django_db
def test_the_job_queue_depth_and_failures_are_shown(alice: User) -> None:
    empty_queue()
    for _ in range(3):
        jobs.defer(jobs.relink_references, target_id=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() - interval '90 seconds' "
            "WHERE id = (SELECT min(id) FROM procrastinate_jobs)"
        )
        cursor.execute(
            "INSERT INTO procrastinate_events (job_id, type) "
            "SELECT min(id), 'deferred_for_retry' FROM procrastinate_jobs"
        )
    samples = _scrape()
    assert _value(samples, "papernotes_jobs_up") == 1
    assert _value(samples, "papernotes_jobs", state="todo") == 3
    assert _value(samples, "papernotes_jobs", state="failed") == 0
    assert _value(samples, "papernotes_jobs_oldest_waiting_seconds") >= 90
    assert _value(samples, "papernotes_job_failed_attempts_last_hour") == 1


# ------------------------------------------------------------------------ gunicorn


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@pytest.mark.django_db(transaction=True)
def test_under_gunicorn_the_metrics_add_up_every_worker(tmp_path: Path) -> None:
    empty_queue()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:papernotes.gunicorn_conf",
            "papernotes.wsgi",
            "--workers",
            "3",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    served = 0

    def live() -> None:
        nonlocal served
        _get(f"{base}/health/live")
        served += 1

    try:
        # Wait on another view: a probe that times out while a worker boots may still be
        # served, and must not be counted among the requests the scrape adds up.
        wait_for(lambda: _answers(f"{base}/metrics"))
        for _ in range(10):
            live()
        # Every worker is replaced (SIGHUP): the ones that served so far are gone, and
        # whichever new one answers the scrape must add up their counts with its own.
        first = {child.pid for child in psutil.Process(server.pid).children()}
        server.send_signal(signal.SIGHUP)
        wait_for(lambda: not first & {c.pid for c in psutil.Process(server.pid).children()})
        for _ in range(10):
            live()
        for _ in range(3):
            samples = _samples(_get(f"{base}/metrics"))
            labels = {"view": resolve("/health/live").view_name, "method": "GET", "status": "200"}
            assert _value(samples, "papernotes_requests_total", **labels) == served
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0]
    # The access log: one line per request, with its id.
    assert output.count('"GET /health/live HTTP/1.1" 200') == served
    assert "request_id=" in output


def _answers(url: str) -> bool:
    try:
        _get(url)
    except OSError:
        return False
    return True

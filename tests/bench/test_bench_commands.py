"""The benchmark's data set generator (seed_bench) and the load driver's helpers (bench).

The gunicorn run itself is exercised by ``make bench``; here the generator runs at a small
scale and the measuring and reporting pieces run on made-up numbers and a local server.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import dj_database_url
import pytest
from django.core.management import call_command
from django.db import connection

from bench import benchmarking as bm
from bench.management.commands import seed_bench
from bench.management.commands.bench import count_queries, endpoints, find_phrase
from notes.models import Note

NOTES, USERS = 300, 20


def seed(**options: object) -> str:
    out = StringIO()
    options = {
        "notes": NOTES,
        "users": USERS,
        "revisions": 1,
        "seed": 1,
        "templates": 60,
        **options,
    }
    # The site does not install the bench app, so the command is given, not looked up.
    call_command(seed_bench.Command(), stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db) -> str:
    return seed()


def _scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


# ----------------------------------------------------------------------------- bench


def test_bench_chooses_its_pages_from_the_data(seeded: str) -> None:
    special = Note.objects.get(revision=199)
    paths = {e.path for e in endpoints()}
    assert "/health/" in paths
    assert f"/n/{special.pk}/history/" in paths
    assert f"/n/{special.pk}/diff/0/199/" in paths
    assert "/search/?q=network" in paths
    top = Note.objects.filter(tag_names__contains=["machine-learning"]).count()
    assert top and "/tags/machine-learning/" in paths


def test_queries_are_counted_in_process(seeded: str) -> None:
    assert count_queries("/health/") == (1, 200)
    assert count_queries("/no/such/page/")[1] == 404


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert bm.percentile(values, 50) == pytest.approx(50.5)
    assert bm.percentile(values, 95) == pytest.approx(95.05)
    assert bm.percentile(values, 0) == 1
    assert bm.percentile(values, 100) == 100
    assert bm.percentile([7.0], 99) == 7
    with pytest.raises(ValueError):
        bm.percentile([], 50)


def _measured(name: str, p95: float, queries: int, kind: str = "page") -> bm.Measurement:
    return bm.Measurement(
        bm.Endpoint(name, f"/{name}/", kind), "200", 100, 50.0, p95 / 2, p95, p95, queries
    )


def test_targets_compare_with_the_floor_and_count_queries() -> None:
    results = [
        _measured("floor", 20, 1, "floor"),
        _measured("fine", 100, 12),
        _measured("slow", 110, 3),
        _measured("chatty", 30, 13),
        _measured("search-ok", 59, 4, "search"),
        _measured("search-slow", 60, 4, "search"),
        bm.Measurement(bm.Endpoint("missing", "/missing/"), "404"),
    ]
    bm.evaluate(results)
    misses = {m.endpoint.name: m.misses for m in results}
    assert misses["floor"] == [] and misses["fine"] == [] and misses["search-ok"] == []
    assert misses["slow"] == ["p95 5.5× floor > 5×"]
    assert misses["chatty"] == ["13 queries > 12"]
    assert misses["search-slow"] == ["search p95 60 ms ≥ 60 ms"]
    assert misses["missing"] == []
    assert results[1].ratio == pytest.approx(5.0)
    assert "not measured" in bm.results_table(results)
    assert "missing a target: slow, chatty, search-slow" in bm.summary(results)
    assert "Not measured (no 200 answer): missing (404)" in bm.summary(results)


def test_load_status_lists_what_was_not_200() -> None:
    load = bm.LoadResult([1.0] * 3)
    load.statuses.update({200: 2, 500: 1})
    assert load.status == "2× 200, 1× 500"
    assert bm.LoadResult([1.0], statuses=Counter({200: 1})).status == "200"


def test_the_report_replaces_only_the_results_between_markers(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    bm.write_report(report, "first run", "# Benchmarks\n\nHow to run it.")
    assert report.read_text().startswith("# Benchmarks\n\nHow to run it.\n\n")
    assert "first run" in report.read_text()
    report.write_text(report.read_text() + "\n## Findings\n\nWritten by hand.\n")
    bm.write_report(report, "second run", "ignored header")
    text = report.read_text()
    assert "second run" in text and "first run" not in text
    assert text.endswith("## Findings\n\nWritten by hand.\n")
    assert "ignored header" not in text


def test_the_results_section_names_machine_dataset_and_targets() -> None:
    results = [_measured("floor", 5, 1, "floor"), _measured("index", 10, 3)]
    bm.evaluate(results)
    section = bm.results_section(
        when="2025-01-01 00:00 UTC",
        machine=bm.machine_info(),
        database="PostgreSQL 18",
        dataset={"notes": 100_000, "papers": 60_000},
        server="gunicorn",
        client="2 threads",
        measurements=results,
    )
    assert "100,000 notes, 60,000 papers" in section
    assert "| index | `/index/` | 200 | 100 | 50 | 5.0 | 10.0 | 10.0 | 3 | 2.0× | pass |" in section
    assert "at most 12 SQL queries" in section and "under 60 ms" in section


def test_database_url_round_trips_a_unix_socket() -> None:
    url = bm.database_url({"NAME": "papernotes_bench", "USER": "postgres", "HOST": "/var/pg s"})
    parsed = dj_database_url.parse(url)
    assert (parsed["NAME"], parsed["USER"], parsed["HOST"]) == (
        "papernotes_bench",
        "postgres",
        "/var/pg s",
    )
    url = bm.database_url({"NAME": "n", "USER": "u", "PASSWORD": "p@ss", "HOST": "db", "PORT": 5})
    assert dj_database_url.parse(url)["PASSWORD"] == "p@ss"


def test_find_phrase_takes_the_most_frequent_pair_of_content_words() -> None:
    texts = ["the protein folding problem", "protein folding again. folding protein", "x y"]
    assert find_phrase(texts) == "protein folding"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/ok/" else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_run_load_makes_the_requests_asked_for(server: int) -> None:
    load = bm.run_load("127.0.0.1", server, "/ok/", requests=25, concurrency=3)
    assert load.requests == 25
    assert load.statuses == {200: 25}
    assert load.status == "200"
    assert load.rps > 0
    assert bm.probe("127.0.0.1", server, "/missing/") == "404"


def test_run_load_stops_at_its_time_limit(server: int) -> None:
    load = bm.run_load("127.0.0.1", server, "/ok/", requests=10**6, concurrency=1, max_seconds=0.2)
    assert 0 < load.requests < 10**6

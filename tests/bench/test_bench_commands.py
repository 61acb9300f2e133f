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
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import User
from bench import benchmarking as bm
from bench.management.commands import seed_bench
from bench.management.commands.bench import count_queries, endpoints, find_phrase
from notes.models import Note, Paper, Visibility
from notes.rendering import render_markdown

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


# ------------------------------------------------------------------------------ seed_bench


def test_it_creates_the_notes_users_and_papers_asked_for(seeded: str) -> None:
    assert Note.objects.count() == NOTES
    assert User.objects.filter(username__startswith="bench_").count() == USERS
    assert Paper.objects.count() == round(NOTES * 0.6)
    assert Paper.history.model.objects.count() == Paper.objects.count()
    assert "VACUUM skipped" in seeded  # tests run inside a transaction


def test_every_note_has_one_history_row_per_revision_and_its_head_is_the_last(
    seeded: str,
) -> None:
    assert Note.history.model.objects.count() >= NOTES + 199
    assert not _scalar(
        "SELECT count(*) FROM notes_note n WHERE n.revision + 1 <> "
        "(SELECT count(*) FROM notes_historicalnote h WHERE h.id = n.id)"
    )
    assert not _scalar(
        "SELECT count(*) FROM notes_note n JOIN notes_historicalnote h "
        "ON h.id = n.id AND h.revision = n.revision "
        "WHERE h.body <> n.body OR h.body_html <> n.body_html OR h.tag_names <> n.tag_names "
        "OR h.modified <> n.modified"
    )
    assert Note.objects.filter(revision__gt=0).exists()


def test_one_public_note_has_200_revisions_that_differ(seeded: str) -> None:
    note = Note.objects.get(revision=199)
    history = list(note.history.order_by("revision"))
    assert [h.revision for h in history] == list(range(200))
    assert history[0].history_type == "+"
    assert {h.history_type for h in history[1:]} == {"~"}
    assert len({h.body for h in history}) > 100
    assert [h.history_date for h in history] == sorted(h.history_date for h in history)
    assert note.is_public and not note.in_trash
    assert f"/n/{note.pk}/" in seeded


def test_bodies_are_what_the_renderer_makes_of_them(seeded: str) -> None:
    for note in Note.objects.order_by("pk")[::15]:
        rendered = render_markdown(note.body, linkable_notes=lambda numbers: numbers)
        assert rendered.html == note.body_html
        assert rendered.text == note.body_text
        assert 300 <= note.body_size <= 3000
        assert note.body_size == len(note.body.encode())
    assert Note.objects.filter(body__contains="$$").exists()
    assert Note.objects.filter(body_html__contains="<math").exists()
    assert Note.objects.filter(body__startswith="## ").exists()


def test_tags_are_taggit_rows_with_a_few_tags_far_more_common_than_the_rest(
    seeded: str,
) -> None:
    for note in Note.objects.prefetch_related("tags")[:100]:
        assert sorted(tag.name for tag in note.tags.all()) == note.tag_names
        assert 1 <= len(note.tag_names) <= 5
    counts = sorted(
        (
            Note.objects.filter(tag_names__contains=[name]).count()
            for name in {t for n in Note.objects.values_list("tag_names", flat=True) for t in n}
        ),
        reverse=True,
    )
    assert counts[0] >= NOTES // 10
    assert counts[0] >= 10 * counts[len(counts) // 2]


def test_search_data_is_built_for_every_note(seeded: str) -> None:
    assert not Note.objects.filter(search_vector__isnull=True).exists()
    assert not Note.objects.filter(paper_title="").exists()
    common = Note.objects.filter(search_vector=SearchQuery("network", config="english"))
    assert NOTES // 20 < common.count() < NOTES


def test_about_a_tenth_are_private_and_a_few_in_the_trash(seeded: str) -> None:
    private = Note.objects.filter(visibility=Visibility.PRIVATE).count()
    trashed = Note.objects.filter(deleted_at__isnull=False).count()
    assert NOTES * 0.04 <= private <= NOTES * 0.18
    assert trashed <= NOTES * 0.04
    assert Note.objects.visible_to(AnonymousUser()).count() < NOTES


def test_it_refuses_a_database_that_already_has_notes(seeded: str) -> None:
    with pytest.raises(CommandError, match="--reset"):
        seed(notes=10, users=5)
    assert Note.objects.count() == NOTES


def test_if_empty_leaves_existing_notes_alone(seeded: str) -> None:
    assert "nothing to do" in seed(notes=10, users=5, if_empty=True)
    assert Note.objects.count() == NOTES


def test_reset_replaces_the_previous_data(seeded: str) -> None:
    seed(notes=40, users=5, papers=30, reset=True)
    assert Note.objects.count() == 40
    assert Paper.objects.count() == 30
    assert User.objects.filter(username__startswith="bench_").count() == 5
    assert Note.history.model.objects.filter(id__in=Note.objects.values("pk")).count() >= 40 + 199


def test_it_refuses_more_notes_than_papers_and_users_can_hold(db) -> None:
    with pytest.raises(CommandError, match="do not fit"):
        seed(notes=100, users=2, papers=10)


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

"""The benchmark's targets, ratios and report, on made-up figures."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import dj_database_url
import pytest

from bench import report
from bench.databases import url_of
from bench.load import Batch


def batch(*latencies: float, status: int = 200) -> Batch:
    return Batch(list(latencies), Counter({status: len(latencies)}), elapsed_s=1.0)


def steady(ms: float, n: int = 40) -> Batch:
    return batch(*([ms] * n))


def _rounds(
    pages: list[Batch],
    floors: list[tuple[Batch, Batch]],
    cpu: list[float] = (),
    floor_cpu: list[float] = (),
) -> list[report.Round]:
    return [
        report.Round(page, before, after, page_cpu=cpu, floor_cpu=floor_cpu)
        for page, (before, after) in zip(pages, floors, strict=True)
    ]


def _page(
    pages: list[Batch],
    floors: list[tuple[Batch, Batch]],
    *,
    cpu: list[float] = (),
    floor_cpu: list[float] = (),
    **extra: object,
) -> report.Row:
    options = {"group": "anonymous · cold", "name": "note", "path": "/n/1/", "kind": "page"}
    rounds = _rounds(pages, floors, cpu, floor_cpu)
    return report.page_row(rounds=rounds, **{**options, "queries": 3, **extra})


def test_a_round_compares_the_page_with_the_floor_around_it() -> None:
    without_cpu = _rounds(
        [steady(20), steady(30)], [(steady(4), steady(6)), (steady(10), steady(10))]
    )
    with_cpu = report.Round(steady(8), steady(2), steady(2), page_cpu=[6.0], floor_cpu=[1.0, 2.0])
    latency, cpu = report.round_ratios([*without_cpu, with_cpu])
    assert latency == pytest.approx([20 / 6, 3.0, 4.0])  # p95 of the floor before and after
    assert cpu == pytest.approx([6 / 1.95])  # only the round with CPU figures


def test_a_busy_moment_slows_page_and_floor_alike_and_leaves_the_verdict() -> None:
    """The same page on a quiet machine and with a burst of load in some rounds."""
    quiet = _page([steady(12)] * 5, [(steady(3), steady(3))] * 5)
    pages = [steady(12), steady(40), steady(12), steady(36), steady(12)]
    floors = [
        (steady(3), steady(3)),
        (steady(10), steady(10)),
        (steady(3), steady(3)),
        (steady(9), steady(9)),
        (steady(3), steady(3)),
    ]
    busy = _page(pages, floors)
    assert quiet.ratio == pytest.approx(4.0)
    assert busy.ratio == pytest.approx(4.0)
    assert (busy.ratio_low, busy.ratio_high) == pytest.approx((4.0, 4.0))
    assert quiet.misses == busy.misses == []
    # Measured once at the start, the floor would have put this page at 13× in a round.
    assert report.FLOOR_RATIO_LIMIT < 40 / 3


def test_waits_that_weigh_on_short_requests_move_latency_not_cpu() -> None:
    """A CPU hog adds a few milliseconds of waiting to every request, which weighs more on
    the floor's than on a page's: the latency ratio drops, the CPU ratio does not."""
    cpu = {"cpu": [24.0] * 20, "floor_cpu": [4.0] * 20}
    quiet = _page([steady(30)] * 5, [(steady(5), steady(5))] * 5, **cpu)
    busy = _page([steady(40)] * 5, [(steady(15), steady(15))] * 5, **cpu)
    assert (quiet.latency_ratio, busy.latency_ratio) == pytest.approx((6.0, 40 / 15))
    assert quiet.ratio == busy.ratio == pytest.approx(6.0)
    assert quiet.misses == busy.misses == ["CPU p95 6.0× floor > 5×"]


def test_a_ratio_close_to_the_limit_is_flagged_either_way() -> None:
    floors = [(steady(10), steady(10))]
    assert _page([steady(46)], floors).facts.endswith("near the limit")
    assert _page([steady(54)], floors).facts.endswith("near the limit")
    assert "near" not in _page([steady(40)], floors).facts


def test_the_median_of_the_rounds_ignores_one_round_caught_off_balance() -> None:
    pages = [steady(12)] * 4 + [steady(60)]  # the load started after the floor of round 5
    row = _page(pages, [(steady(3), steady(3))] * 5)
    assert row.ratio == pytest.approx(4.0)
    assert row.ratio_high == pytest.approx(20.0)
    assert row.misses == []


def test_targets_of_a_read_page() -> None:
    floors = [(steady(10), steady(10))]
    assert _page([steady(55)], floors).misses == ["p95 5.5× floor > 5×"]
    assert _page([steady(55)], floors).facts.startswith("judged on latency: no CPU time measured")
    costly = _page([steady(20)], floors, cpu=[11.0], floor_cpu=[2.0, 2.0])
    assert costly.misses == ["CPU p95 5.5× floor > 5×"]
    assert costly.latency_ratio == pytest.approx(2.0)
    assert _page([steady(20)], floors, queries=13).misses == ["13 queries > 12"]
    assert _page([steady(20)], floors, queries=None).misses == ["queries not counted"]
    search = {"kind": "search", "floor_cpu": [2.0] * 20}
    slow_search = _page([steady(90)], floors, cpu=[60.0] * 20, **search)
    assert "search p95 60 ms of CPU ≥ 60 ms" in slow_search.misses
    # Waiting on a busy machine is not the search's cost: its CPU time is.
    cheap = _page([steady(90)], floors, cpu=[6.0] * 19 + [9.0], **search)
    assert cheap.misses == []
    assert _page([steady(20)], floors, kind="search").misses == ["search CPU not measured"]
    errors = _page([batch(5.0, 5.0, status=500)], floors)
    assert errors.misses == ["2 of 2 not answered 2xx/3xx"]


def test_targets_of_writes() -> None:
    fine = report.write_row(
        name="note save", path="/n/1/edit/", batch=steady(80, 200), acknowledged=200, lost=0,
        rate=120, p95_limit=100, rate_limit=100,
    )  # fmt: skip
    assert fine.misses == []
    assert "200 stored as acknowledged, 0 lost, 0 5xx" in fine.facts
    failed = batch(*[80.0] * 10)
    failed.statuses[500] = 2
    failed.errors["ConnectionResetError"] = 1
    bad = report.write_row(
        name="note save", path="/n/1/edit/", batch=failed, acknowledged=8, lost=1, rate=40,
        p95_limit=50, rate_limit=100,
    )  # fmt: skip
    assert bad.misses == [
        "3 5xx or no answer",
        "1 acknowledged writes lost",
        "p95 80 ms > 50 ms",
        "40/s < 100/s",
    ]


def test_worker_memory_has_a_limit() -> None:
    assert report.memory_row({1: 90.0, 2: 120.0}).misses == []
    assert report.memory_row({1: 90.0, 2: 151.0}).misses == ["151 MB > 150 MB"]
    assert report.memory_row({1: None}).misses == ["worker memory not readable"]


def test_growth_compares_multiples_of_the_floor(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.json"
    small = [report.Row("anonymous · cold", "note", ratio=3.0)]
    assert report.save_figures(path, 100_000, small) == {}
    large = [
        report.Row("anonymous · cold", "note", ratio=4.8),
        report.Row("writes", "note save", ratio=None),
    ]
    smaller = report.save_figures(path, 1_000_000, large)
    assert smaller["notes"] == 100_000
    rows = report.growth_rows(
        {r.key: {"ratio": r.ratio} for r in large},
        smaller["rows"],
        notes=1_000_000,
        smaller_notes=100_000,
    )
    assert [(r.group, r.ratio, r.misses) for r in rows] == [
        ("growth 100,000 → 1,000,000", pytest.approx(1.6), ["cost grew 1.60× > 1.5×"])
    ]
    assert set(json.loads(path.read_text())) == {"100000", "1000000"}


def test_growth_takes_the_latest_figures_of_a_size_a_few_notes_over_a_tenth(
    tmp_path: Path,
) -> None:
    # A seeded data set has a few notes more than asked for: 100,016 is ten times smaller
    # than 1,000,000, and its run replaces the figures of an earlier one of 100,032 notes.
    path = tmp_path / "benchmarks.json"
    report.save_figures(path, 100_032, [report.Row("anonymous · cold", "note", ratio=9.0)])
    report.save_figures(path, 100_016, [report.Row("anonymous · cold", "note", ratio=3.0)])
    report.save_figures(path, 5_000, [report.Row("anonymous · cold", "note", ratio=1.0)])
    assert set(json.loads(path.read_text())) == {"100016", "5000"}
    large = [report.Row("anonymous · cold", "note", ratio=4.5)]
    smaller = report.save_figures(path, 1_000_000, large)
    assert smaller == {
        "notes": 100_016,
        "rows": {
            "anonymous · cold | note": pytest.approx({"p95": None, "ratio": 3.0, "cpu_p95": None})
        },
    }
    assert report.save_figures(path, 200_000, large)["notes"] == 5_000


def test_the_table_shows_every_figure_and_flags_each_miss() -> None:
    floor = report.floor_row([steady(4), steady(6)], cpu=[0.5, 1.0, 1.5])
    page = _page(
        [steady(12), steady(18)],
        [(steady(4), steady(4)), (steady(6), steady(6))],
        cpu=[5.0],
        floor_cpu=[1.0],
    )
    slow = _page([steady(60)], [(steady(4), steady(4))], name="slow")
    text = report.table([floor, page, slow])
    assert "| floor | floor (a minimal page) | `/health/` | 200 | 80 |" in text
    assert (
        "| anonymous · cold | note | `/n/1/` | 200 | 80 | 40 | 15.0 | 18.0 | 18.0 | 5.0 / 5.0 | 3 "
        in text
    )
    assert "| 1.0 / 1.4 | — | 1.0× | 1.0× | pass |" in text  # the floor's CPU time
    assert "| 3 | 3.0× (3.0–3.0) | 5.0× (5.0–5.0) |" in text
    assert "| **FAIL**: p95 15.0× floor > 5× (judged on latency: no CPU time measured) |" in text
    assert "| 5.0× (5.0–5.0) | pass (near the limit) |" in text
    assert report.summary([floor, page, slow]) == (
        "2 of 3 rows meet every target; missing a target: anonymous · cold: slow."
    )


def test_the_table_shows_the_database_part_of_the_cpu_time() -> None:
    rounds = [
        report.Round(
            steady(12), steady(4), steady(4), page_cpu=[5.0, 9.0], floor_cpu=[1.0],
            page_database=[2.0, 3.0],
        ),
        report.Round(
            steady(12), steady(4), steady(4), page_cpu=[7.0, 8.4], floor_cpu=[1.0],
            page_database=[1.0, 4.2],
        ),
    ]  # fmt: skip
    row = report.page_row(
        group="anonymous · cold", name="note", path="/n/1/", kind="page", rounds=rounds, queries=3
    )
    # Percentiles of each request's database time, pooled over the rounds as the CPU's.
    assert (row.database_p50, row.database_p95) == pytest.approx((2.5, 4.02))
    assert (row.cpu_p50, row.cpu_p95) == pytest.approx((7.7, 8.91))
    assert "| 7.7 / 8.9 (database 2.5 / 4.0) | 3 |" in report.table([row])
    save = report.write_row(
        name="note save", path="/n/1/edit/", batch=steady(80, 20), acknowledged=20, lost=0,
        rate=120, cpu=[20.0] * 20, database=[6.0] * 20,
    )  # fmt: skip
    assert "| 20.0 / 20.0 (database 6.0 / 6.0) |" in report.table([save])


def test_the_report_replaces_the_results_and_logs_each_run(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    report.write_report(path, "first run", "# Benchmarks\n\nHow to run it.", "| run 1 |")
    text = path.read_text()
    assert text.startswith("# Benchmarks\n\nHow to run it.\n\n")
    assert "first run" in text and "| run 1 |" in text
    path.write_text(text + "\n## Findings\n\nWritten by hand.\n")
    report.write_report(path, "second run", "ignored header", "| run 2 |")
    text = path.read_text()
    assert "second run" in text and "first run" not in text
    assert text.index("| run 1 |") < text.index("| run 2 |")
    assert text.count(report.RUNS_HEADER.splitlines()[0]) == 1
    assert text.endswith("## Findings\n\nWritten by hand.\n")
    assert "ignored header" not in text


def test_the_log_of_runs_keeps_the_latest(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    for n in range(report.RUNS_KEPT + 5):
        report.write_report(path, "run", "# B", f"| run {n} |")
    text = path.read_text()
    assert "| run 4 |" not in text
    assert "| run 5 |" in text and f"| run {report.RUNS_KEPT + 4} |" in text


def test_a_run_line_names_the_load_and_the_misses() -> None:
    rows = [report.floor_row([steady(4)]), _page([steady(60)], [(steady(4), steady(4))])]
    line = report.run_line(
        when="2026-01-01 00:00 UTC", notes=100_000, label="busy: one CPU hog",
        load="0.50 → 1.90", floor_p95=4.0, rows=rows,
    )  # fmt: skip
    assert line == (
        "| 2026-01-01 00:00 UTC | 100,000 | busy: one CPU hog | 0.50 → 1.90 | 4.0 "
        "| 1 of 2 | anonymous · cold: note |"
    )


def test_the_results_section_names_context_and_targets() -> None:
    section = report.results_section(
        when="2026-01-01 00:00 UTC",
        context=[("Dataset", "100,000 notes"), ("Client", "6 threads")],
        rows=[report.floor_row([steady(4)])],
    )
    assert section.startswith("## Latest run: 2026-01-01 00:00 UTC")
    assert "- **Dataset:** 100,000 notes" in section
    assert "at most 12 SQL queries" in section and "under 60 ms" in section
    assert "≥ 100 saves/s" in section and "≤ 150 MB" in section


def test_database_url_round_trips_a_unix_socket() -> None:
    url = url_of({"NAME": "papernotes_bench", "USER": "postgres", "HOST": "/var/pg s"})
    parsed = dj_database_url.parse(url)
    assert (parsed["NAME"], parsed["USER"], parsed["HOST"]) == (
        "papernotes_bench",
        "postgres",
        "/var/pg s",
    )
    url = url_of({"NAME": "n", "USER": "u", "PASSWORD": "p@ss", "HOST": "db", "PORT": 5})
    assert dj_database_url.parse(url)["PASSWORD"] == "p@ss"

"""The targets, and the one table a run prints and writes into docs/benchmarks.md.

Each row is a page for one kind of reader and cache (or a write mix, or the server's
memory) with its figures and the targets it misses. A page's cost is compared with the
floor's in the same rounds: the ratio of a round is the page's p95 over the p95 of the
floor requests made just before and just after it, and the page's ratio is the median of
its rounds' ratios, shown with their range. Ratios are taken of latency and of CPU time
per request; the target is judged on CPU time, which a busy machine leaves alone (latency
there grows by waits that weigh more on a short request than on a long one). See the
method section of docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.load import Batch, median, percentile

QUERY_LIMIT = 12
FLOOR_RATIO_LIMIT = 5.0
SEARCH_P95_LIMIT_MS = 60.0
SAVE_P95_LIMIT_MS = 100.0
SAVES_PER_SECOND = 100.0
COMMENT_P95_LIMIT_MS = 100.0
REACTION_P95_LIMIT_MS = 50.0
RSS_LIMIT_MB = 150.0
GROWTH_LIMIT = 1.5
# How far a page's CPU ratio moved between a run and the same run with CPU hogs added
# (a trial at 100,000 notes, docs/benchmarks.md); closer to the limit, a verdict is
# flagged as near it.
NEAR_LIMIT = 0.15

RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"
RUNS_START = "<!-- bench:runs:start -->"
RUNS_END = "<!-- bench:runs:end -->"
RUNS_KEPT = 30


@dataclass
class Row:
    group: str  # who and how: "anonymous · cold", "writes", …
    name: str
    path: str = ""
    status: str = ""
    requests: int = 0
    rate: float | None = None
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    queries: int | None = None
    # The judged ratio to the floor (of CPU time when measured): median of the rounds.
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None
    # The same of latency, for information.
    latency_ratio: float | None = None
    latency_ratio_low: float | None = None
    latency_ratio_high: float | None = None
    cpu_p50: float | None = None  # server CPU ms per request: worker and database
    cpu_p95: float | None = None
    # Of it, the database's: what is left for the worker is Python (Django, the templates).
    database_p50: float | None = None
    database_p95: float | None = None
    misses: list[str] = field(default_factory=list)
    facts: str = ""

    @property
    def key(self) -> str:
        return f"{self.group} | {self.name}"

    @property
    def label(self) -> str:
        """How text (not the table) names the row."""
        return f"{self.group}: {self.name}"

    @property
    def verdict(self) -> str:
        return "**FAIL**: " + "; ".join(self.misses) if self.misses else "pass"


def _fill(
    row: Row, batch: Batch, cpu: Sequence[float] = (), database: Sequence[float] = ()
) -> None:
    row.status = batch.status
    row.requests = batch.requests
    row.rate = batch.rps
    row.p50, row.p95, row.p99 = batch.p(50), batch.p(95), batch.p(99)
    if cpu:
        row.cpu_p50, row.cpu_p95 = percentile(cpu, 50), percentile(cpu, 95)
    if database:
        row.database_p50, row.database_p95 = percentile(database, 50), percentile(database, 95)


def floor_row(
    batches: Sequence[Batch], cpu: Sequence[float] = (), database: Sequence[float] = ()
) -> Row:
    pooled = Batch()
    for batch in batches:
        pooled.add(batch)
    row = Row("floor", "floor (a minimal page)", "/health/", queries=None)
    _fill(row, pooled, cpu, database)
    row.ratio = row.latency_ratio = 1.0
    if pooled.failures:
        row.misses.append("errors under load")
    return row


@dataclass
class Round:
    """A page's batch in one round, the floor batches just before and after it, and the
    CPU milliseconds their requests cost."""

    page: Batch
    before: Batch
    after: Batch
    page_cpu: Sequence[float] = ()
    floor_cpu: Sequence[float] = ()  # of the floor requests before and after
    page_database: Sequence[float] = ()  # the database's part of ``page_cpu``


def round_ratios(rounds: Sequence[Round]) -> tuple[list[float], list[float]]:
    """Each round's page p95 over the p95 of the floor requests around it: of latency,
    and of CPU time (rounds without CPU figures left out)."""
    latency, cpu = [], []
    for one in rounds:
        around = Batch()
        around.add(one.before)
        around.add(one.after)
        if one.page.latencies_ms and around.latencies_ms:
            latency.append(one.page.p(95) / around.p(95))
        if one.page_cpu and one.floor_cpu:
            cpu.append(percentile(one.page_cpu, 95) / percentile(one.floor_cpu, 95))
    return latency, cpu


def page_row(
    *,
    group: str,
    name: str,
    path: str,
    kind: str,
    rounds: Sequence[Round],
    queries: int | None,
) -> Row:
    """A read page: pooled figures, the median ratios of its rounds, and its targets.

    CPU time (see ``bench.gunicorn_hooks``) judges the targets where it was measured: the
    ratio to the floor, and a search's absolute target (on a quiet machine serving one
    request at a time, a page's latency is about its CPU time).
    """
    pooled = Batch()
    for one in rounds:
        pooled.add(one.page)
    cpu = [ms for one in rounds for ms in one.page_cpu]
    database = [ms for one in rounds for ms in one.page_database]
    row = Row(group, name, path, queries=queries)
    _fill(row, pooled, cpu, database)
    latency, cpu_ratios = round_ratios(rounds)
    if latency:
        row.latency_ratio = median(latency)
        row.latency_ratio_low, row.latency_ratio_high = min(latency), max(latency)
    judged = cpu_ratios or latency
    if judged:
        row.ratio, row.ratio_low, row.ratio_high = median(judged), min(judged), max(judged)
    if not cpu_ratios:
        row.facts = "judged on latency: no CPU time measured"
    if pooled.failures:
        row.misses.append(f"{pooled.failures} of {pooled.requests} not answered 2xx/3xx")
    if queries is None:
        row.misses.append("queries not counted")
    elif queries > QUERY_LIMIT:
        row.misses.append(f"{queries} queries > {QUERY_LIMIT}")
    if row.ratio is not None and row.ratio > FLOOR_RATIO_LIMIT:
        what = "CPU p95" if cpu_ratios else "p95"
        row.misses.append(f"{what} {row.ratio:.1f}× floor > {FLOOR_RATIO_LIMIT:g}×")
    if row.ratio is not None and abs(row.ratio / FLOOR_RATIO_LIMIT - 1) <= NEAR_LIMIT:
        # Within what the ratio moves between runs: another run may well say otherwise.
        row.facts = "; ".join(filter(None, [row.facts, "near the limit"]))
    if kind == "search":
        if row.cpu_p95 is None:
            row.misses.append("search CPU not measured")
        elif row.cpu_p95 >= SEARCH_P95_LIMIT_MS:
            row.misses.append(
                f"search p95 {row.cpu_p95:.0f} ms of CPU ≥ {SEARCH_P95_LIMIT_MS:g} ms"
            )
    return row


def write_row(
    *,
    name: str,
    path: str,
    batch: Batch,
    acknowledged: int,
    lost: int,
    rate: float,
    p95_limit: float | None = None,
    rate_limit: float | None = None,
    cpu: Sequence[float] = (),
    database: Sequence[float] = (),
) -> Row:
    """A write mix: writes per second (acknowledged), latency, 5xx and lost writes.

    Judged on latency: with several writers at once, waiting for each other's locks is
    part of what a write costs.
    """
    row = Row("writes", name, path)
    _fill(row, batch, cpu, database)
    row.rate = rate
    errors = batch.server_errors + sum(batch.errors.values())
    row.facts = f"{acknowledged} stored as acknowledged, {lost} lost, {errors} 5xx or no answer"
    if errors:
        row.misses.append(f"{errors} 5xx or no answer")
    if lost:
        row.misses.append(f"{lost} acknowledged writes lost")
    if not acknowledged:
        row.misses.append("nothing acknowledged")
    if p95_limit is not None and row.p95 is not None and row.p95 > p95_limit:
        row.misses.append(f"p95 {row.p95:.0f} ms > {p95_limit:g} ms")
    if rate_limit is not None and rate < rate_limit:
        row.misses.append(f"{rate:.0f}/s < {rate_limit:g}/s")
    return row


def memory_row(rss: Mapping[int, float | None]) -> Row:
    known = [mb for mb in rss.values() if mb is not None]
    row = Row("server", f"gunicorn worker RSS after the run ({len(rss)} workers)")
    row.facts = ", ".join(f"{mb:.0f} MB" for mb in known) or "not readable"
    if not known:
        row.misses.append("worker memory not readable")
    elif max(known) > RSS_LIMIT_MB:
        row.misses.append(f"{max(known):.0f} MB > {RSS_LIMIT_MB:g} MB")
    row.p50 = median(known) if known else None
    row.p99 = max(known) if known else None
    return row


def growth_rows(
    current: Mapping[str, Mapping[str, float]],
    smaller: Mapping[str, Mapping[str, float]],
    *,
    notes: int,
    smaller_notes: int,
) -> list[Row]:
    """How each read page's cost grew from the smaller data set to this one.

    Compared as multiples of the floor, each measured in its own run, so that two runs on
    different days compare what the pages cost, not how busy the machine was.
    """
    rows = []
    for key, figures in current.items():
        before = smaller.get(key)
        if not before or not before.get("ratio") or not figures.get("ratio"):
            continue
        growth = figures["ratio"] / before["ratio"]
        group, name = key.split(" | ", 1)
        row = Row(f"growth {smaller_notes:,} → {notes:,}", f"{name} ({group})")
        row.ratio = growth
        row.facts = f"{before['ratio']:.1f}× → {figures['ratio']:.1f}× floor"
        if growth > GROWTH_LIMIT:
            row.misses.append(f"cost grew {growth:.2f}× > {GROWTH_LIMIT:g}×")
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------ output


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _cpu(row: Row) -> str:
    if row.cpu_p50 is None or row.cpu_p95 is None:
        return "—"
    if row.database_p50 is None or row.database_p95 is None:
        return f"{row.cpu_p50:.1f} / {row.cpu_p95:.1f}"
    return (
        f"{row.cpu_p50:.1f} / {row.cpu_p95:.1f} "
        f"(database {row.database_p50:.1f} / {row.database_p95:.1f})"
    )


def _ratio(row: Row, *, latency: bool = False) -> str:
    ratio, low, high = (
        (row.latency_ratio, row.latency_ratio_low, row.latency_ratio_high)
        if latency
        else (row.ratio, row.ratio_low, row.ratio_high)
    )
    if ratio is None:
        return "—"
    if low is None or high is None:
        return f"{ratio:.2f}×" if row.group.startswith("growth") else f"{ratio:.1f}×"
    return f"{ratio:.1f}× ({low:.1f}–{high:.1f})"


def table(rows: Sequence[Row]) -> str:
    """The Markdown table of a run: every figure, every target missed."""
    lines = [
        "| Reader · cache | Page | Example | Status | Requests | per s | p50 ms | p95 ms "
        "| p99 ms | CPU ms p50 / p95 (of which the database) | SQL | p95 ÷ floor: median (range) "
        "| CPU p95 ÷ floor: median (range) | Verdict |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for row in rows:
        path = f"`{row.path.replace('|', '%7C')}`" if row.path else ""
        verdict = row.verdict + (f" ({row.facts})" if row.facts else "")
        lines.append(
            f"| {row.group} | {row.name} | {path} | {row.status or '—'} "
            f"| {row.requests or '—'} | {'—' if row.rate is None else f'{row.rate:.0f}'} "
            f"| {_ms(row.p50)} | {_ms(row.p95)} | {_ms(row.p99)} | {_cpu(row)} "
            f"| {'—' if row.queries is None else row.queries} | {_ratio(row, latency=True)} "
            f"| {_ratio(row)} | {verdict} |"
        )
    return "\n".join(lines)


def summary(rows: Sequence[Row]) -> str:
    failing = [row.label for row in rows if row.misses]
    text = f"{len(rows) - len(failing)} of {len(rows)} rows meet every target"
    return text + ("." if not failing else f"; missing a target: {'; '.join(failing)}.")


def console_table(rows: Sequence[Row]) -> str:
    """The results as aligned plain text, for the terminal."""
    header = ["reader · cache", "page", "n", "/s", "p50", "p95", "p99", "CPU", "SQL", "×floor"]
    header += ["CPU ×floor", ""]
    lines = [header]
    for row in rows:
        lines.append(
            [
                row.group,
                row.name[:48],
                str(row.requests or "-"),
                "-" if row.rate is None else f"{row.rate:.0f}",
                "-" if row.p50 is None else f"{row.p50:.1f}",
                "-" if row.p95 is None else f"{row.p95:.1f}",
                "-" if row.p99 is None else f"{row.p99:.1f}",
                "-" if row.cpu_p95 is None else f"{row.cpu_p95:.1f}",
                "-" if row.queries is None else str(row.queries),
                _ratio(row, latency=True),
                _ratio(row),
                ("FAIL: " + "; ".join(row.misses)) if row.misses else "ok",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line[:-1], widths, strict=True))
        + "  "
        + line[-1]
        for line in lines
    )


def machine_info() -> dict[str, str]:
    """CPU count, memory, CPU model, OS and Python version."""
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.MULTILINE)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpus": str(cpus),
        "memory": f"{int(memory.group(1)) / 1024 / 1024:.1f} GiB" if memory else "unknown",
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def results_section(
    *,
    when: str,
    context: Sequence[tuple[str, str]],
    rows: Sequence[Row],
) -> str:
    """The Markdown of one run: its context, the table, and the verdict."""
    lines = [f"## Latest run: {when}", ""]
    lines += [f"- **{label}:** {text}" for label, text in context]
    lines += [
        f"- **Targets:** at most {QUERY_LIMIT} SQL queries per read page; p95 CPU time per "
        f"request at most {FLOOR_RATIO_LIMIT:g}× the floor's (median of the rounds); a search's "
        "p95 CPU time "
        f"(worker and database) under {SEARCH_P95_LIMIT_MS:g} ms; note save p95 ≤ "
        f"{SAVE_P95_LIMIT_MS:g} ms and ≥ "
        f"{SAVES_PER_SECOND:g} saves/s; comment post p95 ≤ {COMMENT_P95_LIMIT_MS:g} ms; "
        f"rating and vote p95 ≤ {REACTION_P95_LIMIT_MS:g} ms; no 5xx and no lost write; "
        f"worker RSS ≤ {RSS_LIMIT_MB:g} MB; a page's cost at most {GROWTH_LIMIT:g}× from a "
        "data set ten times smaller.",
        "",
        table(rows),
        "",
        summary(rows),
    ]
    return "\n".join(lines)


def replace_between(text: str, start: str, end: str, block: str) -> str | None:
    """``text`` with what lies between the markers replaced (None: no markers)."""
    if start not in text or end not in text:
        return None
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    return f"{before}{start}\n{block}\n{end}{after}"


def write_report(path: Path, section: str, header: str, run_line: str) -> None:
    """Put ``section`` between the result markers of ``path`` and add ``run_line`` to the
    log of runs, keeping the rest of the file. A missing file (or one without markers)
    is written as ``header`` plus the section."""
    text = path.read_text() if path.exists() else ""
    replaced = replace_between(text, RESULTS_START, RESULTS_END, section)
    if replaced is None:
        replaced = f"{header.rstrip()}\n\n{RESULTS_START}\n{section}\n{RESULTS_END}\n"
    text = replaced
    runs = _between(text, RUNS_START, RUNS_END)
    if runs is None:
        text = f"{text.rstrip()}\n\n## Runs\n\n{RUNS_START}\n{RUNS_END}\n"
        runs = ""
    lines = [line for line in runs.splitlines() if line.startswith("| ") and "---" not in line]
    header_line = RUNS_HEADER.splitlines()
    body = [line for line in lines if line != header_line[0]][-(RUNS_KEPT - 1) :]
    block = "\n".join([*header_line, *body, run_line])
    text = replace_between(text, RUNS_START, RUNS_END, block) or text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


RUNS_HEADER = (
    "| When (UTC) | Notes | Label | Load average (1 min) at start → end "
    "| Floor p95 ms | Verdict | Rows missing a target |\n"
    "|---|---:|---|---|---:|---|---|"
)


def _between(text: str, start: str, end: str) -> str | None:
    if start not in text or end not in text:
        return None
    return text.split(start, 1)[1].split(end, 1)[0]


def run_line(
    *,
    when: str,
    notes: int,
    label: str,
    load: str,
    floor_p95: float | None,
    rows: Sequence[Row],
) -> str:
    failing = [row for row in rows if row.misses]
    names = "; ".join(row.label for row in failing) or "none"
    return (
        f"| {when} | {notes:,} | {label or '—'} | {load} | {_ms(floor_p95)} "
        f"| {len(rows) - len(failing)} of {len(rows)} | {names} |"
    )


# How far apart two data sets' sizes may be and still count as the same size.
SAME_SIZE = 0.01


def save_figures(path: Path, notes: int, rows: Sequence[Row]) -> dict[str, dict[str, float]]:
    """Keep this run's read figures beside the report, under its data set's size, for the
    growth rows of a run at another size; returns the figures of the largest smaller size
    at least ten times smaller, if any, as ``{"notes": …, "rows": …}``.

    A generated data set has a few notes more than asked for (``seed_bench --notes 100000``
    makes 100,016), so sizes are compared within 1 %: a run replaces the figures of any
    size within 1 % of its own, and a size counts as ten times smaller within 1 %.
    """
    stored: dict[str, dict] = {}
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except ValueError:
            stored = {}
    figures = {
        row.key: {"p95": row.p95, "ratio": row.ratio, "cpu_p95": row.cpu_p95}
        for row in rows
        if row.group not in ("writes", "server", "floor") and not row.group.startswith("growth")
    }
    for size in [size for size in stored if abs(int(size) - notes) <= notes * SAME_SIZE]:
        del stored[size]
    stored[str(notes)] = figures
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
    smaller = [int(size) for size in stored if int(size) * 10 <= notes * (1 + SAME_SIZE)]
    if not smaller:
        return {}
    size = max(smaller)
    return {"notes": size, "rows": stored[str(size)]}


def as_dicts(rows: Sequence[Row]) -> list[dict]:
    return [asdict(row) for row in rows]

"""Measuring pages under load and reporting the results, for ``manage.py bench``.

The pieces here are plain functions: percentiles, the targets each page must meet, the
Markdown report, a description of the machine, and a small HTTP load loop on the standard
library (the benchmark needs nothing beyond the project's requirements). The command wires
them to a gunicorn server and the database.
"""

from __future__ import annotations

import http.client
import math
import os
import platform
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

QUERY_LIMIT = 12
FLOOR_RATIO_LIMIT = 5.0
SEARCH_P95_LIMIT_MS = 60.0

RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"


@dataclass(frozen=True)
class Endpoint:
    """A page to measure. ``kind`` is "floor" (the reference), "search" or "page"."""

    name: str
    path: str
    kind: str = "page"


@dataclass
class LoadResult:
    """What a load run saw: one latency per request that got an answer."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def status(self) -> str:
        """``200``, or every status and error seen, most frequent first."""
        seen = [(str(code), n) for code, n in self.statuses.most_common()]
        seen += self.errors.most_common()
        if len(seen) == 1 and not self.errors:
            return seen[0][0]
        return ", ".join(f"{n}× {what}" for what, n in seen) or "no answer"


@dataclass
class Measurement:
    endpoint: Endpoint
    status: str
    requests: int = 0
    rps: float | None = None
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    queries: int | None = None
    ratio: float | None = None
    misses: list[str] = field(default_factory=list)

    @property
    def measured(self) -> bool:
        return self.p95 is not None


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100), interpolating linearly between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is outside 0–100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure(
    endpoint: Endpoint, load: LoadResult | None, status: str, queries: int | None
) -> Measurement:
    """Summarise a load run; ``load`` is None when the page did not answer 200."""
    if load is None or not load.latencies_ms:
        return Measurement(endpoint, status, queries=queries)
    return Measurement(
        endpoint,
        load.status,
        requests=load.requests,
        rps=load.rps,
        p50=percentile(load.latencies_ms, 50),
        p95=percentile(load.latencies_ms, 95),
        p99=percentile(load.latencies_ms, 99),
        queries=queries,
    )


def evaluate(measurements: Sequence[Measurement]) -> None:
    """Fill in each measurement's ratio to the floor and the targets it misses."""
    floor = next((m for m in measurements if m.endpoint.kind == "floor"), None)
    floor_p95 = floor.p95 if floor is not None else None
    for m in measurements:
        m.misses = []
        p95 = m.p95
        if p95 is None:
            continue
        if m.status != "200":
            m.misses.append("errors under load")
        if m.queries is None:
            m.misses.append("queries not counted")
        elif m.queries > QUERY_LIMIT:
            m.misses.append(f"{m.queries} queries > {QUERY_LIMIT}")
        if floor_p95:
            m.ratio = p95 / floor_p95
            if m.ratio > FLOOR_RATIO_LIMIT:
                m.misses.append(f"p95 {m.ratio:.1f}× floor > {FLOOR_RATIO_LIMIT:g}×")
        if m.endpoint.kind == "search" and p95 >= SEARCH_P95_LIMIT_MS:
            m.misses.append(f"search p95 {p95:.0f} ms ≥ {SEARCH_P95_LIMIT_MS:g} ms")


# ---------------------------------------------------------------------------- the load


# What a browser sends: pages that count views count this reader's too (a request without
# a user agent is taken for a robot's and skips that).
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
HEADERS = {"Accept": "text/html,*/*", "User-Agent": USER_AGENT}


def _one_request(host: str, port: int, path: str, timeout: float) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status, (time.perf_counter() - started) * 1000


def run_load(
    host: str,
    port: int,
    path: str,
    *,
    requests: int,
    concurrency: int,
    max_seconds: float = 60.0,
    timeout: float = 30.0,
) -> LoadResult:
    """GET ``path`` ``requests`` times from ``concurrency`` threads, a new connection each.

    Stops early after ``max_seconds``, so a slow page cannot hold the run hostage.
    """
    result = LoadResult()
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= requests or time.monotonic() > deadline:
                    return
                issued += 1
            try:
                status, latency = _one_request(host, port, path, timeout)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    result.errors[type(exc).__name__] += 1
                continue
            with lock:
                result.statuses[status] += 1
                result.latencies_ms.append(latency)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, concurrency))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed_s = time.perf_counter() - started
    return result


def probe(host: str, port: int, path: str, timeout: float = 30.0) -> str:
    """The status of one GET of ``path``, or the error that prevented an answer."""
    try:
        status, _ = _one_request(host, port, path, timeout)
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__
    return str(status)


# ------------------------------------------------------------------- machine, database


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


def database_url(settings_dict: Mapping[str, object]) -> str:
    """A ``postgresql://`` URL for a Django DATABASES entry (Unix socket hosts included)."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    host = quote(str(settings_dict.get("HOST") or ""), safe="")
    port = str(settings_dict.get("PORT") or "")
    name = quote(str(settings_dict["NAME"]), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgresql://{credentials}{host}{':' + port if port else ''}/{name}"


def embedded_database_url(name: str, pgdata: Path | None = None) -> str:
    """The URL of database ``name`` on the embedded server (started and created if needed)."""
    from papernotes import embedded_db

    where = pgdata or Path(os.environ.get("VAR_DIR") or "var") / "pgdata"
    return database_url(embedded_db.database_settings(where.resolve(), name=name))


# ------------------------------------------------------------------------------ report


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def results_table(measurements: Sequence[Measurement]) -> str:
    """The per-endpoint Markdown table."""
    lines = [
        "| Endpoint | Path | Status | Requests | req/s | p50 ms | p95 ms | p99 ms | Queries "
        "| p95 ÷ floor | Targets |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in measurements:
        if not m.measured:
            verdict = "not measured"
        elif m.misses:
            verdict = "**FAIL**: " + "; ".join(m.misses)
        else:
            verdict = "pass"
        path = m.endpoint.path.replace("|", "%7C")
        lines.append(
            f"| {m.endpoint.name} | `{path}` | {m.status} | {m.requests or '—'} "
            f"| {'—' if m.rps is None else f'{m.rps:.0f}'} | {_ms(m.p50)} | {_ms(m.p95)} "
            f"| {_ms(m.p99)} | {'—' if m.queries is None else m.queries} "
            f"| {'—' if m.ratio is None else f'{m.ratio:.1f}×'} | {verdict} |"
        )
    return "\n".join(lines)


def summary(measurements: Sequence[Measurement]) -> str:
    measured = [m for m in measurements if m.measured]
    failing = [m.endpoint.name for m in measured if m.misses]
    unmeasured = [f"{m.endpoint.name} ({m.status})" for m in measurements if not m.measured]
    text = f"{len(measured) - len(failing)} of {len(measured)} measured endpoints meet every target"
    text += "." if not failing else f"; missing a target: {', '.join(failing)}."
    if unmeasured:
        text += f" Not measured (no 200 answer): {', '.join(unmeasured)}."
    return text


def results_section(
    *,
    when: str,
    machine: Mapping[str, str],
    database: str,
    dataset: Mapping[str, int],
    server: str,
    client: str,
    measurements: Sequence[Measurement],
) -> str:
    """The Markdown of one run: context, the table, and the verdict."""
    counts = ", ".join(f"{n:,} {what}" for what, n in dataset.items())
    return "\n".join(
        [
            f"## Latest run: {when}",
            "",
            f"- **Machine:** {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory']} "
            f"RAM, {machine['os']}, Python {machine['python']}",
            f"- **Database:** {database}",
            f"- **Dataset:** {counts}",
            f"- **Server:** {server}",
            f"- **Client:** {client}",
            f"- **Targets:** at most {QUERY_LIMIT} SQL queries per page; p95 at most "
            f"{FLOOR_RATIO_LIMIT:g}× the floor's p95; search p95 under {SEARCH_P95_LIMIT_MS:g} ms.",
            "",
            results_table(measurements),
            "",
            summary(measurements),
        ]
    )


def write_report(path: Path, section: str, header: str) -> None:
    """Put ``section`` between the result markers of ``path``, keeping the rest of the file.

    A missing file (or one without markers) is written as ``header`` plus the section.
    """
    block = f"{RESULTS_START}\n{section}\n{RESULTS_END}"
    text = path.read_text() if path.exists() else ""
    if RESULTS_START in text and RESULTS_END in text:
        before, rest = text.split(RESULTS_START, 1)
        after = rest.split(RESULTS_END, 1)[1]
        text = before + block + after
    else:
        text = f"{header.rstrip()}\n\n{block}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def console_table(measurements: Sequence[Measurement]) -> str:
    """The results as aligned plain text, for the terminal."""
    rows = [["endpoint", "status", "n", "req/s", "p50", "p95", "p99", "queries", "×floor", ""]]
    for m in measurements:
        rows.append(
            [
                m.endpoint.name,
                m.status,
                str(m.requests or "-"),
                "-" if m.rps is None else f"{m.rps:.0f}",
                "-" if m.p50 is None else f"{m.p50:.1f}",
                "-" if m.p95 is None else f"{m.p95:.1f}",
                "-" if m.p99 is None else f"{m.p99:.1f}",
                "-" if m.queries is None else str(m.queries),
                "-" if m.ratio is None else f"{m.ratio:.1f}",
                "" if not m.measured else ("FAIL: " + "; ".join(m.misses) if m.misses else "ok"),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    )

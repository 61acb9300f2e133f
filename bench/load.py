"""Load: many requests at once from client threads, and the statistics of what they saw."""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.client import Answer, Session


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


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


@dataclass
class Batch:
    """What a batch of requests saw: one latency per answer, statuses and errors."""

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

    def p(self, q: float) -> float | None:
        return percentile(self.latencies_ms, q) if self.latencies_ms else None

    @property
    def failures(self) -> int:
        """Answers other than 2xx and 3xx, and requests that got no answer."""
        bad = sum(n for status, n in self.statuses.items() if status >= 400)
        return bad + sum(self.errors.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def add(self, other: Batch) -> None:
        self.latencies_ms.extend(other.latencies_ms)
        self.statuses.update(other.statuses)
        self.errors.update(other.errors)
        self.elapsed_s += other.elapsed_s

    @property
    def status(self) -> str:
        """``200``, or every status and error seen, most frequent first."""
        seen = [(str(code), n) for code, n in self.statuses.most_common()]
        seen += self.errors.most_common()
        if len(seen) == 1 and not self.errors:
            return seen[0][0]
        return ", ".join(f"{n}× {what}" for what, n in seen) or "no answer"


def run_batch(
    sessions: Sequence[Session],
    paths: Sequence[str],
    *,
    concurrency: int,
    max_seconds: float = 120.0,
    timeout: float = 30.0,
    tag: str = "",
) -> Batch:
    """GET each of ``paths`` once from ``concurrency`` threads, thread i as
    ``sessions[i % len(sessions)]``; stops early after ``max_seconds``. ``tag`` marks the
    requests for the server's CPU log."""

    def one(session: Session, path: str) -> Answer:
        return session.get(path, timeout=timeout, remember=False, tag=tag)

    return run_actions(sessions, [(path, one) for path in paths], concurrency, max_seconds)


Action = Callable[[Session, str], Answer]


def run_actions(
    sessions: Sequence[Session],
    actions: Sequence[tuple[str, Action]],
    concurrency: int,
    max_seconds: float = 120.0,
) -> Batch:
    """Run ``actions`` (a path and what to do with it) from ``concurrency`` threads."""
    batch = Batch()
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + max_seconds

    def worker(session: Session) -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= len(actions) or time.monotonic() > deadline:
                    return
                path, action = actions[issued]
                issued += 1
            try:
                answer = action(session, path)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    batch.errors[type(exc).__name__] += 1
                continue
            with lock:
                batch.statuses[answer.status] += 1
                batch.latencies_ms.append(answer.latency_ms)

    threads = [
        threading.Thread(target=worker, args=(sessions[i % len(sessions)],), daemon=True)
        for i in range(max(1, concurrency))
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    batch.elapsed_s = time.perf_counter() - started
    return batch

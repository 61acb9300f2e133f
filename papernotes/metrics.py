"""Prometheus metrics at ``/metrics``, for the addresses in ``METRICS_ALLOWED_IPS`` or a
scraper that sends ``METRICS_TOKEN``.

prometheus-client directly rather than django-prometheus: the few metrics an operator
needs here are a middleware and a handful of counters, while django-prometheus would
replace the database engine and the cache backend (both ours: the timeouts, the cache
that degrades) with its own wrappers to count what ``papernotes.outages`` already sees.

What is counted: requests by view, method and status, and their latency; database and
cache failures by kind (every one ``papernotes.outages`` reports); texts too complex to
render in time; and, read from the database at each scrape, the job queue: jobs by
state, the age of the oldest waiting job, and failed attempts in the last hour.

Several processes (gunicorn's workers): prometheus-client's multiprocess mode, each
process writing its values to files in ``PROMETHEUS_MULTIPROC_DIR``, which a scrape
adds up whichever worker answers it. ``papernotes/gunicorn.conf.py`` sets it up; see
README.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "papernotes_requests",
    "Requests answered, by view, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "papernotes_request_duration_seconds",
    "Time from the request's arrival to its answer, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DATABASE_ERRORS = Counter(
    "papernotes_database_errors", "Database failures, by kind (papernotes.db.Failure).", ["kind"]
)
CACHE_ERRORS = Counter("papernotes_cache_errors", "Times the cache could not be reached.")
RENDER_TIMEOUTS = Counter(
    "papernotes_render_timeouts", "Texts refused because rendering them took too long."
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def failure(kind: str) -> None:
    """Count a failure ``papernotes.outages`` reports."""
    if kind == "cache unavailable":
        CACHE_ERRORS.inc()
    else:
        DATABASE_ERRORS.labels(kind=kind).inc()


def render_timeout() -> None:
    RENDER_TIMEOUTS.inc()


def request_metrics(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = get_response(request)
        match = request.resolver_match
        # A path that matches no view is counted as one label, whatever the path (a scan
        # of random addresses must not make a series each).
        view = match.view_name if match is not None else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        LATENCY.labels(view=view).observe(time.perf_counter() - started)
        return response

    return middleware


class JobQueueCollector(Collector):
    """The job queue as the database has it, read at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from papernotes import queue

        up = GaugeMetricFamily("papernotes_jobs_up", "1 when the job queue could be read.")
        try:
            stats = queue.queue_stats()
            oldest = queue.oldest_waiting_seconds()
            failed_recently = queue.failed_attempts(hours=1)
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        by_state = GaugeMetricFamily(
            "papernotes_jobs",
            "Jobs in the queue: todo (waiting), doing (running), failed (for good).",
            labels=["state"],
        )
        for state, count in stats.items():
            by_state.add_metric([state], count)
        yield by_state
        yield GaugeMetricFamily(
            "papernotes_jobs_oldest_waiting_seconds",
            "How long the oldest job that could run now has waited.",
            value=oldest,
        )
        yield GaugeMetricFamily(
            "papernotes_job_failed_attempts_last_hour",
            "Attempts that failed in the last hour (retried or failed for good).",
            value=failed_recently,
        )


def _registries() -> list[CollectorRegistry]:
    queue = CollectorRegistry(auto_describe=False)
    queue.register(JobQueueCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        return [combined, queue]
    return [REGISTRY, queue]


def allowed(request: HttpRequest) -> bool:
    """The scraper sent the token, or comes from an allowed address (the connection's own
    address: a forwarded header could be written by anyone)."""
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    body = b"".join(generate_latest(registry) for registry in _registries())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)

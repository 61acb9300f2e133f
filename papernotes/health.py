"""Health: the floor page the benchmark measures against, and the probes a load balancer
or an orchestrator asks (``/health/live``, ``/health/ready``)."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from notes.models import Note
from papernotes import queue
from papernotes.db import failure_kind
from papernotes.outages import reporter


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """A minimal page: one indexed query and a tiny template (also the benchmark's floor)."""
    latest = Note.objects.order_by("-modified", "-id").values_list("pk", flat=True).first()
    return render(request, "health.html", {"latest": latest})


@never_cache
@require_GET
def health_live(request: HttpRequest) -> HttpResponse:
    """The process answers requests. Touches neither the database nor the cache, so a
    process is not restarted for an outage that is not its own."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def health_ready(request: HttpRequest) -> HttpResponse:
    """Whether this process can serve: the database answers and is migrated, the cache
    answers, the disk has room. 200 or 503, with what failed; never a secret (no address,
    no message from a server)."""
    checks = {
        "database": _database_check(),
        "migrations": "not checked: no database",
        "jobs": "not checked: no database",
        "cache": _cache_check(),
        "disk": _disk_check(),
    }
    if checks["database"] == "ok":
        checks["migrations"] = _migrations_check()
        checks["jobs"] = queue.queue_check()
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    response = JsonResponse(body, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = "5"
        # The failures behind it are reported by the checks themselves; a probe every few
        # seconds must not add a line each.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _database_check() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        kind = failure_kind(exc) or "database error"
        reporter.report(kind, exc)
        return str(kind)
    return "ok"


# Whether this code's migrations are all applied; once they are, a process need not ask
# again for a while (reading the migration files costs far more than the probe itself).
_migrated_until = 0.0
MIGRATED_RECHECK_SECONDS = 300


def _migrations_check() -> str:
    global _migrated_until
    if time.monotonic() < _migrated_until:
        return "ok"
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return str(failure_kind(exc) or "database error")
    if pending:
        return f"{len(pending)} migration(s) not applied"
    _migrated_until = time.monotonic() + MIGRATED_RECHECK_SECONDS
    return "ok"


def _cache_check() -> str:
    # A write read back: a cache that degrades (papernotes.cache) drops the write.
    key, token = "health:ready", uuid.uuid4().hex
    cache.set(key, token, 10)
    return "ok" if cache.get(key) == token else "cache unreachable"


def _disk_check() -> str:
    path = Path(settings.VAR_DIR)
    while not path.exists():
        path = path.parent
    free_mb = shutil.disk_usage(path).free // (1024 * 1024)
    if free_mb < settings.HEALTH_MIN_FREE_DISK_MB:
        return f"low on disk space: {free_mb} MB free, {settings.HEALTH_MIN_FREE_DISK_MB} MB needed"
    return "ok"

"""Reads from a streaming replica, writes to the primary, and each person reads their own
writes.

With ``DATABASE_REPLICA_URL`` set, ``ReplicaRouter`` sends the reads of a request to the
replica (alias ``replica``) and every write to the primary (``default``), with three
exceptions that keep what a person sees right:

- Inside a transaction on the primary every read stays there (a service reads the rows
  it locks and writes; the replica is read-only and a little behind).
- For ``REPLICA_STICKY_SECONDS`` after a request that could write (any method but GET,
  HEAD, OPTIONS) the same browser reads from the primary (``read_your_writes`` sets a
  small cookie with the time), so a saved note is never shown as it was before the save,
  whichever app server answers next.
- While the replica does not answer, reads go to the primary; it is tried again after
  ``REPLICA_RETRY_SECONDS``.

Without a replica nothing here does anything.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("papernotes.replicas")

PRIMARY, REPLICA = "default", "replica"
STICKY_COOKIE = "pn_primary_until"
REPLICA_RETRY_SECONDS = 5.0
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_primary_only: contextvars.ContextVar[bool] = contextvars.ContextVar("primary_only", default=False)
_replica_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _replica_answers() -> bool:
    """Whether the replica can take a read now; a failure sends reads to the primary for
    ``REPLICA_RETRY_SECONDS``."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    replica = connections[REPLICA]
    try:
        # A connection kept from an earlier request is checked once per request
        # (CONN_HEALTH_CHECKS); a new one is opened (DB_CONNECT_TIMEOUT_SECONDS at most).
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError as exc:
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        replica.close()
        logger.warning("The read replica does not answer (%s); reading from the primary.", exc)
        return False
    return True


def _in_transaction() -> bool:
    """Whether a transaction is open on the primary (Django's TestCase wraps each test in
    one of its own, which is not the site's)."""
    return any(
        not getattr(block, "_from_testcase", False) for block in connections[PRIMARY].atomic_blocks
    )


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        if (
            not replica_configured()
            or _primary_only.get()
            or _in_transaction()
            or not _replica_answers()
        ):
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two servers

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


def read_your_writes(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Pins a request to the primary when it may write, or when the same browser wrote
    within ``REPLICA_STICKY_SECONDS``; a request that may write renews the pin."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return get_response(request)
        may_write = request.method not in _SAFE_METHODS
        try:
            pinned_until = float(request.COOKIES.get(STICKY_COOKIE, "0"))
        except ValueError:
            pinned_until = 0.0
        token = _primary_only.set(may_write or pinned_until > time.time())
        try:
            response = get_response(request)
        finally:
            _primary_only.reset(token)
        if may_write:
            seconds = settings.REPLICA_STICKY_SECONDS
            response.set_cookie(
                STICKY_COOKIE,
                str(int(time.time() + seconds + 1)),
                max_age=seconds + 1,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    return middleware

"""What a database error means for the request that met it, and transactions that retry.

PostgreSQL reports why a statement failed with an SQLSTATE code; psycopg's exception
carries it, wrapped by Django's own exception class. ``failure_kind`` names the failures
that say nothing about the request itself (the server is gone, a lock or a statement took
too long, two transactions collided), so the site can answer them with "try again" instead
of an error, and ``retrying`` runs a transaction again when PostgreSQL chose it as the
victim of a collision, which the next attempt almost always survives.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from django.db import DatabaseError, InterfaceError, connection, transaction

T = TypeVar("T")


class Failure(StrEnum):
    UNAVAILABLE = "database unavailable"
    LOCK_TIMEOUT = "lock timeout"
    STATEMENT_TIMEOUT = "statement timeout"
    # A deadlock or a serialization failure: PostgreSQL rolled one transaction back so that
    # the others could go on.
    COLLISION = "transaction collision"


_BY_SQLSTATE = {
    "40P01": Failure.COLLISION,  # deadlock_detected
    "40001": Failure.COLLISION,  # serialization_failure
    "55P03": Failure.LOCK_TIMEOUT,  # lock_not_available (lock_timeout)
    "57014": Failure.STATEMENT_TIMEOUT,  # query_canceled (statement_timeout)
    "57P01": Failure.UNAVAILABLE,  # admin_shutdown
    "57P02": Failure.UNAVAILABLE,  # crash_shutdown
    "57P03": Failure.UNAVAILABLE,  # cannot_connect_now (starting up, shutting down)
    "53300": Failure.UNAVAILABLE,  # too_many_connections
}


def failure_kind(exc: BaseException) -> Failure | None:
    """The kind of ``exc`` if it is a database failure that is not the request's fault."""
    if not isinstance(exc, DatabaseError | InterfaceError):
        return None
    if isinstance(exc, InterfaceError):
        return Failure.UNAVAILABLE  # the connection is closed or broken
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is None:
        # psycopg raises OperationalError without a code when it cannot connect at all, or
        # when the server closes the connection under it.
        import psycopg

        if isinstance(cause, psycopg.OperationalError | psycopg.InterfaceError):
            return Failure.UNAVAILABLE
        return None
    if sqlstate.startswith("08"):  # connection_exception
        return Failure.UNAVAILABLE
    return _BY_SQLSTATE.get(sqlstate)


RETRY_ATTEMPTS = 4


def retrying(work: Callable[[], T], *, attempts: int | None = None) -> T:
    """``work()`` in a transaction; run again after a collision, up to ``attempts`` times
    (``RETRY_ATTEMPTS``).

    A collision rolls back the whole transaction, so ``work`` must build everything it
    writes afresh on each call. Between attempts a short random pause lets the transaction
    that won finish, and keeps two losers from meeting again in step. The last collision is
    raised: the caller answers it (a conflict page that keeps the user's text).

    Inside a transaction that is already open nothing is retried: the collision rolled back
    the outer transaction's work as well, which only its owner can do again.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            return work()
    attempts = attempts or RETRY_ATTEMPTS
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except DatabaseError as exc:
            if attempt == attempts or failure_kind(exc) is not Failure.COLLISION:
                raise
        time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not secrets
    raise AssertionError("unreachable")  # pragma: no cover

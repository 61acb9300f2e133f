"""Work started at the same moment in several threads, and a second connection as another
process would hold, for the tests of concurrent writes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper


@contextmanager
def other_connection() -> Iterator[BaseDatabaseWrapper]:
    """A second connection to the test database, as another process would hold."""
    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        yield other
    finally:
        other.close()


def at_once(count: int, work: Callable[[int], object]) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads released together; return their errors."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors

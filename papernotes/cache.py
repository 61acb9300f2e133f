"""A Redis cache that degrades instead of failing the page when Redis is unreachable.

Almost everything the site keeps in its cache can be made again from the database (pieces
of pages, snippets, counts): without Redis, reads miss and writes are dropped, and the
pages render from the database, a little slower. Counters cannot degrade that way: a
counter that silently starts again from zero would let a login throttle or a rate limit be
bypassed. ``incr`` and ``decr`` therefore raise ``CacheUnavailable``, which the site answers
with a 503 "try again in a moment" (``papernotes.outages``): logins fail closed.

After a failure the backend does not try Redis again for ``OUTAGE_SECONDS`` (a top-level
key of the cache's settings, default 5), so a Redis that does not answer costs a request
one short connection timeout at most, not one per cache call. Failures are logged once per
interval by ``papernotes.outages``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

T = TypeVar("T")
KIND = "cache unavailable"


class CacheUnavailable(Exception):
    """The cache cannot count just now; the caller must not go on as if it had."""


class DegradingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._outage_seconds = float(params.get("OUTAGE_SECONDS", 5))
        self._down_until = 0.0

    def _try(self, fallback: Callable[[], T], method: Callable[..., T], *args: Any) -> T:
        if time.monotonic() < self._down_until:
            return fallback()
        try:
            return method(*args)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            from papernotes.outages import reporter

            self._down_until = time.monotonic() + self._outage_seconds
            reporter.report(KIND, exc)
            return fallback()

    @staticmethod
    def _cannot_count() -> Any:
        raise CacheUnavailable("The cache is unreachable; counters cannot be kept.")

    # Reads miss.
    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._try(lambda: default, super().get, key, default, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        return self._try(dict, super().get_many, keys, version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._try(lambda: False, super().has_key, key, version)

    # Writes are dropped (``add`` stores nothing, so it says so).
    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._try(lambda: None, super().set, key, value, timeout, version)

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._try(lambda: False, super().add, key, value, timeout, version)

    def set_many(self, data: dict, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list:
        return self._try(lambda: list(data), super().set_many, data, timeout, version)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._try(lambda: False, super().touch, key, timeout, version)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._try(lambda: False, super().delete, key, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._try(lambda: None, super().delete_many, keys, version)

    def clear(self) -> bool:
        return self._try(lambda: False, super().clear)

    # Counters fail closed (``decr`` is ``incr`` with a negative delta).
    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._try(self._cannot_count, super().incr, key, delta, version)

"""Throttling of login attempts, per username and per client address.

The counters live in the cache, which every process and host shares (Redis in production).
Each counter has a window that opens at its first attempt and lasts LOGIN_LOCKOUT_SECONDS.
Once a window holds LOGIN_FAILURE_LIMIT failed attempts, every further attempt is refused,
right password or not, until the window ends.

An attempt is counted *before* its password is checked, with the cache's atomic increment,
so a burst of parallel requests cannot all slip under the limit. A successful login takes
its attempt back from the address and clears the username's counter, so the counters end
up holding failures only.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

KEY_PREFIX = "login-throttle"


@dataclass(frozen=True)
class LoginKeys:
    """The two counters a login attempt is charged to."""

    username: str
    address: str

    def __iter__(self) -> Iterator[str]:
        return iter((self.username, self.address))


def now() -> float:
    """The throttle's clock; tests replace it to step through a window deterministically."""
    return time.time()


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the first X-Forwarded-For entry behind a trusted proxy.

    Without a proxy that sets the header, anyone could send a fresh address with every
    attempt, so the header is ignored unless TRUST_X_FORWARDED_FOR is on.
    """
    if settings.TRUST_X_FORWARDED_FOR:
        first = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if first:
            return first
    return request.META.get("REMOTE_ADDR", "")


def login_keys(username: str, address: str) -> LoginKeys:
    return LoginKeys(username=_key("user", username.casefold()), address=_key("addr", address))


def start_attempt(keys: LoginKeys) -> int:
    """Count one attempt; the seconds to wait if a counter is used up, else 0.

    A refused attempt is not counted, so retrying during a lock-out does not prolong it.
    """
    wait = seconds_locked(keys)
    if wait:
        return wait
    at = now()
    return max(_count(key, at) for key in keys)


def seconds_locked(keys: LoginKeys) -> int:
    """Seconds until the next attempt may be made: 0 unless a counter is used up."""
    at = now()
    waits = [0]
    for key in keys:
        since, count = _read(key)
        if since is not None and at - since < _window() and count >= _limit():
            waits.append(_seconds_left(since, at))
    return max(waits)


def attempt_succeeded(keys: LoginKeys) -> None:
    cache.delete_many([_since_key(keys.username), _count_key(keys.username)])
    # ValueError: the address's window ended meanwhile, so there is nothing to take back.
    with contextlib.suppress(ValueError):
        cache.decr(_count_key(keys.address))


def retry_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed attempts. Try again in {minutes} {unit}."


def _key(kind: str, value: str) -> str:
    # Hashed because usernames may hold characters that some cache backends refuse in keys.
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"{KEY_PREFIX}:{kind}:{digest}"


def _since_key(key: str) -> str:
    return f"{key}:since"


def _count_key(key: str) -> str:
    return f"{key}:count"


def _window() -> int:
    return settings.LOGIN_LOCKOUT_SECONDS


def _limit() -> int:
    return settings.LOGIN_FAILURE_LIMIT


def _read(key: str) -> tuple[float | None, int]:
    values = cache.get_many([_since_key(key), _count_key(key)])
    return values.get(_since_key(key)), values.get(_count_key(key), 0)


def _seconds_left(since: float, at: float, window: int | None = None) -> int:
    return max(1, math.ceil(since + (window or _window()) - at))


def _count(key: str, at: float) -> int:
    return count_in_window(key, at, window=_window(), limit=_limit())


def count_in_window(key: str, at: float, *, window: int, limit: int) -> int:
    """Count one event against ``key``; the seconds to wait if that passed ``limit``, else 0.

    Also the base of other per-user rate limits (posting comments): a fixed window that
    opens at its first event, counted with the cache's atomic increment.
    """
    since = cache.get(_since_key(key))
    if since is not None and at - since >= window:
        # The window is over by our clock even if the cache has not expired it yet.
        cache.delete_many([_since_key(key), _count_key(key)])
    # add() only writes when the key is absent, so parallel first attempts share a window.
    cache.add(_since_key(key), at, timeout=window)
    cache.add(_count_key(key), 0, timeout=window)
    try:
        count = cache.incr(_count_key(key))
    except ValueError:  # expired between add() and incr()
        cache.set(_count_key(key), 1, timeout=window)
        count = 1
    if count <= limit:
        return 0
    since = cache.get(_since_key(key), at)
    return _seconds_left(since, at, window)

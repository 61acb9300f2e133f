"""Throttling: failed logins, and rate limits (sign-up, password reset e-mails, comments).

The counters live in the cache, which every process and host shares (Redis in production).
Each counter has a window that opens at its first event and lasts a fixed time; once the
window holds its limit, further events wait until the window ends.

Logins are counted per (username, client address) pair and per client address:

- LOGIN_FAILURE_LIMIT failures for one username from one address lock that pair for
  LOGIN_LOCKOUT_SECONDS. The same person from any other address is not affected, so
  nobody can lock someone out by failing with their username from elsewhere.
- LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, whatever the usernames, lock the
  address: one client guessing across many accounts.
- There is deliberately no counter per username alone: it is what let anyone lock any
  account, right password or not, from every address.
- A password reset link always works and logs its user in (``accounts/urls.py``).

An attempt is counted *before* its password is checked, with the cache's atomic increment,
so a burst of parallel requests cannot all slip under the limit. A successful login clears
its pair's counter and takes its attempt back from the address, so the counters end up
holding failures only.

Every cache call goes through ``_store``: when the cache cannot be reached, ``Unavailable``
is raised and the caller refuses the attempt (fails closed). Counting nothing would give
whoever can upset the cache unlimited guesses.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext

KEY_PREFIX = "login-throttle"
log = logging.getLogger(__name__)
T = TypeVar("T")


class Unavailable(Exception):
    """The cache that holds the counters cannot be reached; refuse what it would count."""

    message = gettext_lazy(
        "This cannot be checked right now, so it is refused to be safe. "
        "Please try again in a minute."
    )
    seconds = 60


@dataclass(frozen=True)
class Counter:
    """One counter and the number of events its window allows."""

    key: str
    limit: int


@dataclass(frozen=True)
class LoginKeys:
    """The two counters a login attempt is charged to."""

    pair: Counter
    address: Counter

    def __iter__(self) -> Iterator[Counter]:
        return iter((self.pair, self.address))


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
    return LoginKeys(
        pair=Counter(_key("pair", f"{username.casefold()}\n{address}"), _limit()),
        address=Counter(_key("addr", address), settings.LOGIN_ADDRESS_FAILURE_LIMIT),
    )


def start_attempt(keys: LoginKeys) -> int:
    """Count one attempt; the seconds to wait if a counter is used up, else 0.

    A refused attempt is not counted, so retrying during a lock-out does not prolong it.
    Raises ``Unavailable`` when the counters cannot be read or written.
    """
    wait = seconds_locked(keys)
    if wait:
        return wait
    at = now()
    return max(count_in_window(c.key, at, window=_window(), limit=c.limit) for c in keys)


def seconds_locked(keys: LoginKeys) -> int:
    """Seconds until the next attempt may be made: 0 unless a counter is used up."""
    at = now()
    waits = [0]
    for counter in keys:
        since, count = _read(counter.key)
        if since is not None and at - since < _window() and count >= counter.limit:
            waits.append(_seconds_left(since, at, _window()))
    return max(waits)


def attempt_succeeded(keys: LoginKeys) -> None:
    _store(cache.delete_many, [_since_key(keys.pair.key), _count_key(keys.pair.key)])
    # ValueError: the address's window ended meanwhile, so there is nothing to take back.
    with contextlib.suppress(ValueError):
        _store(cache.decr, _count_key(keys.address.key))


def retry_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed attempts. Try again in %(minutes)d minute.",
        "Too many failed attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def charge(kind: str, values: list[str], *, limit: int, window: int) -> int:
    """Count one event against each of ``values`` of ``kind``; the seconds to wait, or 0.

    The rate limits of sign-up and password reset: each client address and each e-mail
    address has its own counter, and the event is refused when either is used up. Every
    counter is charged, so a refused request still counts against the others. Raises
    ``Unavailable`` when the counters cannot be reached.
    """
    at = now()
    waits = [
        count_in_window(_key(kind, value.casefold()), at, window=window, limit=limit)
        for value in dict.fromkeys(values)
    ]
    return max(waits, default=0)


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


def _store(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """One call to the cache; any failure of the cache itself becomes ``Unavailable``.

    ValueError is the cache's own answer to ``incr``/``decr`` of a missing key, not a
    failure, and passes through.
    """
    try:
        return call(*args, **kwargs)
    except ValueError:
        raise
    except Exception as error:
        # Whatever the backend raises (a refused connection, a timeout, a degraded cache's
        # own signal): the counters are unknown, so the caller must refuse.
        log.warning("throttle counters unavailable: %s", type(error).__name__)
        raise Unavailable from error


def _read(key: str) -> tuple[float | None, int]:
    values = _store(cache.get_many, [_since_key(key), _count_key(key)])
    return values.get(_since_key(key)), values.get(_count_key(key), 0)


def _seconds_left(since: float, at: float, window: int) -> int:
    return max(1, math.ceil(since + window - at))


def count_in_window(key: str, at: float, *, window: int, limit: int) -> int:
    """Count one event against ``key``; the seconds to wait if that passed ``limit``, else 0.

    Also the base of other per-user rate limits (posting comments): a fixed window that
    opens at its first event, counted with the cache's atomic increment. When the cache
    cannot be reached, ``Unavailable`` is raised.
    """
    since = _store(cache.get, _since_key(key))
    if since is not None and at - since >= window:
        # The window is over by our clock even if the cache has not expired it yet.
        _store(cache.delete_many, [_since_key(key), _count_key(key)])
    # add() only writes when the key is absent, so parallel first attempts share a window.
    _store(cache.add, _since_key(key), at, timeout=window)
    _store(cache.add, _count_key(key), 0, timeout=window)
    try:
        count = _store(cache.incr, _count_key(key))
    except ValueError:  # expired between add() and incr()
        _store(cache.set, _count_key(key), 1, timeout=window)
        count = 1
    if count <= limit:
        return 0
    since = _store(cache.get, _since_key(key), at)
    return _seconds_left(since, at, window)

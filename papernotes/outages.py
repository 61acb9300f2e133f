"""Answers for the moments the database or the cache fails, and a log that stays readable.

When PostgreSQL is down, or a lock or a statement takes too long, every request answers
503 with ``Retry-After`` and the site's own error page, which needs neither the database
nor a request context. The log gets one line per kind of failure per interval, with how
many more there were, instead of a traceback per request: an outage of a minute under load
would otherwise write tens of thousands of lines. Nothing here holds a connection open, so
the site recovers by itself when the database is back.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

from papernotes.db import Failure, failure_kind

logger = logging.getLogger("papernotes.outages")

# How long a client should wait before trying again: the database coming back takes a
# while; a busy lock or a collision clears in moments.
RETRY_AFTER_SECONDS = {Failure.UNAVAILABLE: 30}
BUSY_RETRY_AFTER_SECONDS = 5

_MESSAGES = {
    Failure.UNAVAILABLE: (
        "The database is not answering",
        "PaperNotes cannot reach its database just now. Nothing you saved earlier is lost. "
        "Please try again in a minute.",
    ),
    Failure.LOCK_TIMEOUT: (
        "Too busy to answer just now",
        "What you asked for is being changed by someone else at this moment. "
        "Nothing was changed; please try again in a few seconds.",
    ),
    Failure.STATEMENT_TIMEOUT: (
        "This took too long",
        "The site gave up on this request because it took too long. "
        "Nothing was changed; please try again in a few seconds.",
    ),
    Failure.COLLISION: (
        "Too busy to answer just now",
        "Many people were changing the same things at once. "
        "Nothing was changed; please try again in a few seconds.",
    ),
    "cache unavailable": (
        "Please try again in a moment",
        "Part of the site that keeps count of attempts is not answering just now, so this "
        "cannot be done safely. Please try again in a moment.",
    ),
}


class _Reporter:
    """Logs the first failure of each kind, then at most one line per interval with the
    number of failures since the last line."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._since: dict[str, int] = {}

    def report(self, kind: str, exc: BaseException) -> None:
        now = time.monotonic()
        interval = settings.FAILURE_LOG_INTERVAL_SECONDS
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < interval:
                self._since[kind] = self._since.get(kind, 0) + 1
                return
            more = self._since.pop(kind, 0)
            self._last[kind] = now
        detail = " ".join(str(exc).split())[:300] or type(exc).__name__
        if more:
            logger.warning(
                "%s: %s (and %d more in the last %d s)", kind, detail, more, round(now - last)
            )
        else:
            logger.warning("%s: %s", kind, detail)

    def reset(self) -> None:
        with self._lock:
            self._last.clear()
            self._since.clear()


reporter = _Reporter()


def quietly(response: HttpResponse, kind: str, exc: BaseException) -> HttpResponse:
    """Report ``exc`` under ``kind`` and keep Django from logging ``response`` again."""
    reporter.report(kind, exc)
    # Django logs every response of 400 and above (with a traceback for an exception),
    # unless the response says it has been logged.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def retry_after(response: HttpResponse, kind: str = "") -> HttpResponse:
    response["Retry-After"] = str(RETRY_AFTER_SECONDS.get(kind, BUSY_RETRY_AFTER_SECONDS))
    return response


def unavailable_page(kind: str) -> HttpResponse:
    """The 503 page for ``kind``, made without the database and without the request."""
    title, text = _MESSAGES.get(kind, _MESSAGES[Failure.UNAVAILABLE])
    html = loader.get_template("503.html").render(
        {"SITE_NAME": settings.SITE_NAME, "title": title, "text": text}
    )
    return retry_after(HttpResponse(html, status=503), kind)


def answer(exc: BaseException) -> HttpResponse | None:
    """The 503 answer to ``exc``, reported once per interval, or None for other errors."""
    from papernotes.cache import CacheUnavailable

    kind: str | None = "cache unavailable" if isinstance(exc, CacheUnavailable) else None
    kind = kind or failure_kind(exc)
    if kind is None:
        return None
    return quietly(unavailable_page(kind), kind, exc)


class OutageMiddleware:
    """Answers database and cache failures raised by a view with the 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return answer(exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the same 503 answer for failures raised outside a view (a
    middleware saving the session, say), else Django's own 500 page."""
    exc = sys.exc_info()[1]
    response = answer(exc) if exc is not None else None
    return response or defaults.server_error(request)

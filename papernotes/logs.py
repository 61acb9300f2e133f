"""One log line per request, and logs a machine can read.

``request_log`` gives every request an id (the client's or the proxy's ``X-Request-ID``
when it is a sane token, else a new one), echoes it in the response header, and writes
one line to the ``papernotes.requests`` logger when the request is done: method, path
(never the query string, which carries search terms), status, duration, user id, and the
number of SQL statements and the time they took. Every other line logged while the
request runs carries the same id.

With ``LOG_FORMAT=json`` every line is one JSON object (``JsonFormatter``), the request
line with its fields as keys; with the default ``text`` the request lines are left to the
web server's own access log.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("papernotes.requests")

# A token of letters, digits and . _ : - (what proxies and tracing systems send), at most
# 128 characters; anything else (spaces, quotes, control characters, a page of text) is
# replaced, so the id can go into logs and headers as it is.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The client's request id when it is sane, else a new one."""
    if header and REQUEST_ID_RE.fullmatch(header):
        return header
    return uuid.uuid4().hex


class _QueryTimer:
    """A database execute wrapper that counts statements and adds up their time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def _user_id(request: HttpRequest) -> int | None:
    # Only a user the request already looked up: asking now could mean a query (or an
    # error, while the database is down) just for the log.
    user = getattr(request, "_cached_user", None)
    return user.pk if user is not None and user.is_authenticated else None


def request_log(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        timer = _QueryTimer()
        started = time.perf_counter()
        try:
            with contextlib.ExitStack() as stack:
                for connection in connections.all():
                    stack.enter_context(connection.execute_wrapper(timer))
                response = get_response(request)
            response["X-Request-ID"] = request_id
            duration = time.perf_counter() - started
            logger.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                response.status_code,
                duration * 1000,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 2),
                    "user_id": _user_id(request),
                    "sql_count": timer.count,
                    "sql_ms": round(timer.seconds * 1000, 2),
                },
            )
            return response
        finally:
            _request_id.reset(token)

    return middleware


class RequestIdFilter(logging.Filter):
    """Adds the running request's id (or None) to every record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs an error response after the middleware is done, with the request.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _request_id.get()
        return True


# What every LogRecord has; anything else on a record was passed as ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the record's
    extra fields, and the traceback of an exception as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id.get(),
        }
        for key, value in vars(record).items():
            # Django passes the request itself with its error lines: its text would carry
            # the query string (search terms); the request line has its method and path.
            if key not in _STANDARD and not key.startswith("_") and key != "request":
                entry[key] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        # default=str: a value that is not JSON (a request object Django attaches, say)
        # is written as its text rather than losing the line.
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(*, level: str, log_format: str) -> dict[str, Any]:
    """The LOGGING setting for ``LOG_LEVEL`` and ``LOG_FORMAT`` (``text`` or ``json``)."""
    json_lines = log_format == "json"
    formatter = (
        {"()": "papernotes.logs.JsonFormatter"}
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "papernotes.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The request lines: in JSON they are the access log; in text the web server's
            # own access log is (gunicorn --access-logfile, runserver's lines).
            "papernotes.requests": {"level": "INFO" if json_lines else "WARNING"},
            # The job queue's start-up chatter stays out; its workers say (in JSON) when a
            # job starts, succeeds or fails.
            "procrastinate": {"level": "WARNING"},
            "procrastinate.worker": {"level": "INFO" if json_lines else "WARNING"},
        },
    }

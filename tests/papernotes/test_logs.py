"""Structured logs (issue 16): with LOG_FORMAT=json one JSON object per line; one line
per request with its id, user, method, path, status, duration and SQL; the id accepted
from X-Request-ID when it is sane and echoed in the response."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from papernotes.logs import JsonFormatter, RequestIdFilter
from tests.conftest import BROWSER_AGENT, client_for
from tests.factories import make_note

ROOT = Path(__file__).resolve().parents[2]
HEX_ID = r"[0-9a-f]{32}"


class JsonLines:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def json_log() -> Iterator[JsonLines]:
    """The JSON lines written by the request logger and Django's request logger."""
    captured = JsonLines()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger("papernotes.requests"), logging.getLogger("django.request")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield captured
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def _request_lines(log: JsonLines) -> list[dict]:
    return [line for line in log.lines() if line["logger"] == "papernotes.requests"]


@pytest.mark.django_db
def test_each_request_writes_one_line_with_its_fields(alice: User, json_log: JsonLines) -> None:
    note = make_note(alice)
    client = client_for(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/n/{note.pk}/", HTTP_USER_AGENT=BROWSER_AGENT)
    assert response.status_code == 200
    [line] = _request_lines(json_log)
    assert line["request_id"] == response["X-Request-ID"]
    assert line["method"] == "GET"
    assert line["path"] == f"/n/{note.pk}/"
    assert line["status"] == 200
    assert line["user_id"] == alice.pk
    assert line["sql_count"] == len(queries) > 0
    assert line["sql_ms"] >= 0 and line["duration_ms"] >= line["sql_ms"]
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


@pytest.mark.django_db
def test_an_anonymous_request_has_no_user_and_the_query_string_is_left_out(
    json_log: JsonLines,
) -> None:
    Client().get("/search/?q=my+secret+search")
    [line] = _request_lines(json_log)
    assert (line["path"], line["user_id"]) == ("/search/", None)
    assert "secret" not in json_log.stream.getvalue()


@pytest.mark.django_db
def test_an_error_line_leaves_the_query_string_out_too(json_log: JsonLines) -> None:
    assert Client().get("/no/such/page/?q=my+secret+search").status_code == 404
    lines = json_log.lines()
    assert any(line["logger"] == "django.request" for line in lines)
    assert "secret" not in json_log.stream.getvalue()


@pytest.mark.django_db
def test_a_sane_request_id_is_kept_and_echoed(json_log: JsonLines) -> None:
    sane = ["abc-123", "f" * 128, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]
    for request_id in sane:
        response = Client(HTTP_X_REQUEST_ID=request_id).get("/health/live")
        assert response["X-Request-ID"] == request_id
    assert [line["request_id"] for line in _request_lines(json_log)] == sane


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile",
    ["", "two words", "a" * 129, "id\nFAKE LOG LINE", 'x"}', "-leading-dash", "ид", "a\x00b"],
)
def test_any_other_request_id_is_replaced_by_a_new_one(hostile: str) -> None:
    response = Client(HTTP_X_REQUEST_ID=hostile).get("/health/live")
    assert response.status_code == 200
    assert response["X-Request-ID"] != hostile
    assert len(response["X-Request-ID"]) == 32
    int(response["X-Request-ID"], 16)


@pytest.mark.django_db
def test_other_lines_logged_during_a_request_carry_its_id(json_log: JsonLines) -> None:
    response = Client(HTTP_X_REQUEST_ID="trace-42").get("/no/such/page/")
    assert response.status_code == 404
    not_found = [line for line in json_log.lines() if line["logger"] == "django.request"]
    assert not_found and all(line["request_id"] == "trace-42" for line in not_found)
    assert _request_lines(json_log)[0]["status"] == 404


def test_an_exception_is_one_line_with_its_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    text = JsonFormatter().format(record)
    assert "\n" not in text
    entry = json.loads(text)
    assert entry["message"] == "failed" and "ValueError: boom" in entry["exception"]


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "papernotes.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_log_format_json_makes_every_line_json_and_a_bad_value_stops_start_up() -> None:
    code = "import django, logging; django.setup(); logging.getLogger('notes').warning('hello')"
    result = _python(code, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(text) for text in result.stderr.splitlines()]
    assert [(line["level"], line["message"]) for line in lines if line["logger"] == "notes"] == [
        ("WARNING", "hello")
    ]

    text = _python(code, LOG_FORMAT="text")
    assert "WARNING notes [None] hello" in text.stderr

    bad = _python(code, LOG_FORMAT="xml")
    assert bad.returncode != 0
    assert "LOG_FORMAT='xml' is not one of text, json" in bad.stderr

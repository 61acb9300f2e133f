"""The API's JSON written by orjson (``api.renderers.FastJSONRenderer``): byte for byte what
REST framework's renderer writes, for the API's own answers and for every kind of value
REST framework knows, hostile strings from the corpora included; and the answers that
only REST framework's renderer can write still come out."""

from __future__ import annotations

import datetime
import decimal
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from api.renderers import FastJSONRenderer
from tests.conftest import make_user
from tests.factories import make_note
from tests.hostile import all_strings


def _both(data: object, media_type: str = "application/json") -> tuple[bytes, bytes]:
    return (
        FastJSONRenderer().render(data, media_type, {}),
        JSONRenderer().render(data, media_type, {}),
    )


def _values() -> dict:
    utc, berlin = ZoneInfo("UTC"), ZoneInfo("Europe/Berlin")
    return {
        "text": "plain",
        "unicode": "Zoë — 数学 ∑ \u2028 line \u2029 paragraph \x00 \x1f \ud7ff",
        "numbers": [0, -1, 2**63 - 1, -(2**63), 1.5, 0.1, 3.6666666666666665, True, None],
        "moments": [
            datetime.datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=utc),
            datetime.datetime(2026, 6, 1, 12, 0, tzinfo=berlin),
            datetime.datetime(2026, 6, 1, 12, 0),
            datetime.date(2026, 2, 28),
            datetime.time(23, 59, 59, 1),
        ],
        "lazy": gettext_lazy("Not found."),
        "decimal": decimal.Decimal("4.50"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "bytes": b"raw",
        "tuple": (1, "two"),
        "generator": (n for n in range(3)),
        "nested": {"a": [{"b": {"c": []}}], "empty": {}},
        1: "an integer key",
    }


def test_every_kind_of_value_is_written_as_rest_framework_writes_it() -> None:
    fast = FastJSONRenderer().render(_values(), "application/json", {})
    assert fast == JSONRenderer().render(_values(), "application/json", {})
    assert b'"2026-12-01T12:00:00.123456Z"' in fast  # REST framework's UTC, not orjson's
    assert b"\\u2028" in fast and b"\xe2\x80\xa8" not in fast


def test_hostile_strings_are_written_as_rest_framework_writes_them() -> None:
    strings = all_strings()
    assert len(strings) > 500
    fast, standard = _both({"strings": strings, "keys": {s: s for s in strings[:200]}})
    assert fast == standard


def test_what_orjson_cannot_write_is_written_by_rest_framework() -> None:
    # Past 64 bits, and an indented answer asked for in the Accept header.
    fast, standard = _both({"big": 2**70})
    assert fast == standard == b'{"big":1180591620717411303424}'
    indented = "application/json; indent=2"
    fast, standard = _both({"a": [1]}, indented)
    assert fast == standard and b"\n  " in fast
    assert FastJSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_apis_answers_are_rest_frameworks_bytes() -> None:
    author = make_user("writer", display_name='Zoë <b>"&"</b>')
    for body in ["Math $\\int_0^1 x\\,dx$ and “quotes” \u2028", *all_strings()[:20]]:
        make_note(author, body=body or "x", tags=["physics", "optics"])
    client = Client()
    for url in ["/api/v1/notes/", "/api/v1/notes/?tag=optics", "/api/v1/search/?q=math"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json")
        data = response.json()
        assert data["results"], url
        assert response.content == JSONRenderer().render(data), url


def test_orjson_writes_the_usual_answers_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = JSONRenderer().render(_values(), "application/json", {})

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("written by REST framework's renderer")

    monkeypatch.setattr(JSONRenderer, "render", refuse)
    assert FastJSONRenderer().render(_values(), "application/json", {}) == expected

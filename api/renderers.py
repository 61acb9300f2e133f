"""The API's JSON, written by orjson: the bytes Django REST framework's renderer writes.

A page of fifty notes is about 300 KB of JSON (each note's text and HTML); the standard
library's encoder took 1.5 ms to write it, a third of the request, and orjson 0.06 ms.
Everything orjson does not write the same way goes through REST framework's own encoder
(dates and times, lazy translations, decimals: ``default``), and anything it cannot
write at all (an integer past 64 bits), as well as an indented answer (a browser's
``Accept: application/json; indent=2``), is rendered by REST framework's renderer.
``tests/api/test_renderers.py`` compares the two.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS  # as json.dumps, which writes 1 as "1"
    | orjson.OPT_PASSTHROUGH_DATETIME  # REST framework writes "Z" for UTC
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


class FastJSONRenderer(JSONRenderer):
    """``JSONRenderer`` (compact, UTF-8, strict), writing with orjson."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if (
            indent is not None
            or not api_settings.COMPACT_JSON
            or not api_settings.UNICODE_JSON
            or not api_settings.STRICT_JSON
            or self.encoder_class is not JSONEncoder
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            written = orjson.dumps(data, default=JSONEncoder().default, option=_OPTIONS)
        except (TypeError, orjson.JSONEncodeError):
            return super().render(data, accepted_media_type, renderer_context)
        # As REST framework does: these two are valid JSON but not valid JavaScript.
        return written.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")

"""The OpenAPI schema's common parts: every error as problem details, documented on every
operation, so that a client (and a schema-driven test) knows every answer it may get."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from rest_framework.permissions import SAFE_METHODS

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "head": {"type": "object", "description": "The note as it is now (conflicts)."},
    },
    "required": ["type", "title", "status", "detail"],
}

ERRORS = {
    "400": "Invalid input; ``errors`` names the fields.",
    "401": "No valid token or session (``WWW-Authenticate: Bearer``).",
    "403": "Not allowed: not the author, a read-only token, or no CSRF token.",
    "404": "No such object, or one the reader may not read.",
    "405": "Method not allowed.",
    "406": "Only JSON is served.",
    "409": "A conflict with the object's state.",
    "412": "A precondition (If-Match, base revision, version) failed; ``head`` is current.",
    "413": "The request body is too large.",
    "415": "Send JSON.",
    "422": "The input cannot be used (a text too complex to render, a refused follow).",
    "428": "An update must say which revision it started from.",
    "429": "Too many requests; see ``Retry-After``.",
    "503": "The database is busy or unavailable; see ``Retry-After``.",
}


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                existing = responses.get(code)
                if existing is None:
                    responses[code] = {"description": description, "content": content}
                elif "content" not in existing:
                    existing["content"] = content
    return result


class AutoSchema(openapi.AutoSchema):
    """Reads open to anonymous readers say so: no authentication is one of their options."""

    def get_auth(self) -> list[dict[str, Any]]:
        from api.permissions import LoggedIn

        auths = super().get_auth()
        perms = [type(p) for p in self.view.get_permissions()]
        if self.method in SAFE_METHODS and LoggedIn not in perms and {} not in auths:
            auths.append({})
        return auths

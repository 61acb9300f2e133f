"""Every error of the API in one shape: RFC 9457 problem details.

``{"type", "title", "status", "detail"}``, with ``errors`` (field name to messages) for
invalid input, served as ``application/problem+json``. ``type`` is ``about:blank`` unless
the problem has a meaning of its own (an edit conflict carries the current head).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_TYPE = "application/problem+json"


class ProblemRenderer(JSONRenderer):
    media_type = PROBLEM_TYPE


class ApiProblem(exceptions.APIException):
    """An error with a status, a title and extra members of its own (``extra``)."""

    def __init__(
        self, status_code: int, detail: str, *, type_: str = "about:blank", **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.type = type_
        self.extra = extra


def problem(status_code: int, detail: Any, *, type_: str = "about:blank", **extra: Any) -> dict:
    return {
        "type": type_,
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        **extra,
    }


def _detail_and_errors(data: Any) -> tuple[str, dict[str, Any] | None]:
    if isinstance(data, dict) and set(data) == {"detail"}:
        return str(data["detail"]), None
    if isinstance(data, dict):
        return "The request has invalid fields; see errors.", {
            key: [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in data.items()
        }
    if isinstance(data, list):
        return " ".join(str(m) for m in data), None
    return str(data), None


def problem_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, its answer rewritten as problem details."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or gettext("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    extra: dict[str, Any] = {}
    type_ = "about:blank"
    if isinstance(exc, ApiProblem):
        extra, type_ = exc.extra, exc.type
    detail, errors = _detail_and_errors(response.data)
    if errors is not None:
        extra["errors"] = errors
    response.data = problem(response.status_code, detail, type_=type_, **extra)
    response.content_type = PROBLEM_TYPE
    return response


@csrf_exempt  # it changes nothing, whatever the method
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
    """Any address under /api/ that names no endpoint."""

    return JsonResponse(
        problem(status.HTTP_404_NOT_FOUND, "No such endpoint."),
        status=404,
        content_type=PROBLEM_TYPE,
    )

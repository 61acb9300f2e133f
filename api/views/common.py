"""What the API's views share: problem answers for the services' refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rest_framework import status

from api.errors import ApiProblem
from notes.services import TooComplexToRender, WriteRefused

T = TypeVar("T")


def refused_as_problems(write: Callable[[], T]) -> T:
    """Run a service write; a text too complex to render is a 422, a refused write a 422
    (or a 429, or a 503 when the limit cannot be counted, with ``Retry-After`` when waiting
    helps)."""
    try:
        return write()
    except TooComplexToRender as exc:
        raise ApiProblem(status.HTTP_422_UNPROCESSABLE_ENTITY, exc.message) from exc
    except WriteRefused as exc:
        if exc.retry_after is not None:
            problem = ApiProblem(exc.status, exc.message)
            problem.wait = exc.retry_after  # type: ignore[attr-defined]
            raise problem from exc
        raise ApiProblem(status.HTTP_422_UNPROCESSABLE_ENTITY, exc.message) from exc


def int_param(
    value: Any, *, default: int | None = None, low: int = 0, high: int = 2**31 - 1
) -> int | None:
    """A whole number in ASCII digits within [low, high]; anything else is ``default``."""
    if not isinstance(value, str) or not value.isascii():
        return default
    try:
        number = int(value)
    except ValueError:
        return default
    return number if low <= number <= high else default

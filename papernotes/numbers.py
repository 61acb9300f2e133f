"""Numbers read from requests: URL paths, query strings and form fields, read strictly.

Python's ``int()`` is generous: it takes ``" 7"``, ``"1_000"``, Arabic-Indic ``"١٢"`` and
numbers of any size, and ``str.isdigit()`` says yes to ``"²"``, which ``int()`` then
refuses. A number the database cannot hold (an id past the 64-bit range, a revision past
the 32-bit one) ends as an error inside the query. So every number a request carries is
read here: ASCII digits only, within the range of the column it is compared with. What
does not qualify is "no such page" (a path converter that does not match, so a 404) or
the view's own answer to a missing value, never an exception.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

# The columns the numbers are compared with: bigint ids, integer revision numbers.
MAX_ID = 2**63 - 1
MAX_REVISION = 2**31 - 1
# Any page past the last one shows the last page; past this one, it is this one, so the
# offsets the lists compute stay far inside PostgreSQL's bigint.
MAX_PAGE = 2**31 - 1

_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_int(value: Any, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``value`` as a number when it is ASCII digits within [minimum, maximum], else None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def query_int(
    request: HttpRequest, name: str, *, minimum: int = 0, maximum: int = MAX_ID
) -> int | None:
    """The number in ``?name=`` (or, for a POST, the form field ``name``), or None."""
    params = request.POST if request.method == "POST" else request.GET
    return parse_int(params.get(name), minimum=minimum, maximum=maximum)


def page_param(request: HttpRequest) -> int:
    """The ``?page=`` asked for: 1 unless it is a number from 1, at most ``MAX_PAGE``."""
    raw = request.GET.get("page", "")
    if _DIGITS.fullmatch(raw) is None:
        return MAX_PAGE if raw.isascii() and raw.isdigit() else 1
    return max(1, min(int(raw), MAX_PAGE))


class _RangeConverter:
    """A path converter for a number in a column's range: anything else does not match."""

    minimum = 0
    maximum = MAX_ID
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_int(value, minimum=self.minimum, maximum=self.maximum)
        if number is None:
            raise ValueError(f"{value!r} is out of range")  # the resolver answers 404
        return number

    def to_url(self, value: Any) -> str:
        number = parse_int(value, minimum=self.minimum, maximum=self.maximum)
        if number is None:
            raise ValueError(f"{value!r} is out of range")  # reverse() finds no match
        return str(number)


class IdConverter(_RangeConverter):
    """``<id:pk>``: a row's id (bigint, from 1)."""

    minimum = 1


class RevisionConverter(_RangeConverter):
    """``<rev:n>``: a revision number (integer, from 0)."""

    maximum = MAX_REVISION
    regex = "[0-9]{1,10}"


class NumberField(forms.IntegerField):
    """A form's whole number: ASCII digits only, within ``MAX_ID`` unless told otherwise.

    Django's ``IntegerField`` reads with ``int()`` and has no upper bound of its own.
    """

    default_error_messages = {"invalid": "Enter a whole number, in digits 0–9."}

    def __init__(self, *, max_value: int = MAX_ID, **kwargs: Any) -> None:
        super().__init__(max_value=max_value, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)

"""Dates written in the reader's formats, for pages that write many of them.

``django.utils.dateformat.format`` parses its format string on every call, through a
pattern compiled lazily behind a proxy: four fifths of the cost of formatting one date. A
history page writes fifty dates, a list page forty, the inbox fifty. Here a format string
is parsed once, and the text of a letter that depends only on the day (a month's name) or
on the hour and minute ("noon", "p.m.") is kept per language: a date costs a few lookups.
The text is Django's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache

from django.utils import formats
from django.utils.dateformat import DateFormat, TimeFormat, re_escaped, re_formatchars
from django.utils.translation import get_language

# Letters whose text depends on nothing but the day (and the language: month and day
# names), and letters that depend on nothing but the hour and minute (a.m., noon…). Their
# text is kept per language, so a page of dates looks each one up; the other letters (the
# time zone's, the seconds) are written by Django's formatter every time.
_DAY_LETTERS = frozenset("bdDEFjlLmMnNoStwWyYz")
_CLOCK_LETTERS = frozenset("aAfgGhHiP")
_TEXT, _DAY, _CLOCK, _OTHER = range(4)


@lru_cache(maxsize=64)
def _pieces(format_string: str) -> tuple[tuple[int, str], ...]:
    """``format_string`` as Django reads it: (kind, letter) for a format letter, (_TEXT,
    text) for the text between them, its backslashes taken off."""
    return tuple(
        (
            (_DAY if piece in _DAY_LETTERS else _CLOCK if piece in _CLOCK_LETTERS else _OTHER)
            if i % 2
            else _TEXT,
            piece if i % 2 else re_escaped.sub(r"\1", piece),
        )
        for i, piece in enumerate(re_formatchars.split(format_string))
        if piece
    )


@lru_cache(maxsize=8192)
def _day_text(language: str | None, letter: str, day: date) -> str:
    return str(getattr(DateFormat(day), letter)())


@lru_cache(maxsize=4096)
def _clock_text(language: str | None, letter: str, hour: int, minute: int) -> str:
    return str(getattr(TimeFormat(time(hour, minute)), letter)())


def date_format(value: date | datetime, format_string: str) -> str:
    """``django.utils.dateformat.format(value, format_string)``, the same text."""
    if type(value) is date:
        # Django refuses a time's letters for a date; its own loop says so.
        return DateFormat(value).format(format_string)
    language, formatter = get_language(), None
    parts = []
    for kind, piece in _pieces(str(format_string)):
        if kind == _TEXT:
            parts.append(piece)
        elif kind == _DAY:
            parts.append(_day_text(language, piece, value.date()))
        elif kind == _CLOCK:
            parts.append(_clock_text(language, piece, value.hour, value.minute))
        else:
            formatter = formatter or DateFormat(value)
            parts.append(str(getattr(formatter, piece)()))
    return "".join(parts)


def local_format(value: date | datetime, setting: str) -> str:
    """``django.utils.formats.date_format(value, setting)``: ``value`` in the format named
    ``setting`` (``"SHORT_DATETIME_FORMAT"``…) of the active language."""
    return date_format(value, formats.get_format(setting))

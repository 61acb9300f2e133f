"""``papernotes.dates`` writes what Django's date formatting writes, for every format letter,
in each of the site's languages and several time zones, around midnight, noon and the
changes of clock."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, formats, timezone, translation

from papernotes.dates import date_format, local_format

LANGUAGES = ("en", "ar")
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham")
# Every letter Django's formats know but "r" and "U" (Django's own seconds since 1970
# and RFC 5322 date, which it writes through other functions), with text, escaped letters
# and a backslash between them.
LETTERS = "aAbcdDeEfFgGhHiIjlLmMnNoOPsStTuwWyYzZ"
FORMATS = (
    LETTERS,
    " ".join(LETTERS),
    r"\Y\e\a\r: Y, \d\a\y: jS \o\f F \\ H:i",
    "N j, Y, P",
    "",
    "no letters here?!",
)
SETTINGS = ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "SHORT_DATE_FORMAT", "DATE_FORMAT")


def _moments() -> list[datetime]:
    utc = ZoneInfo("UTC")
    starts = [
        datetime(2024, 1, 1, 0, 0, tzinfo=utc),
        datetime(2024, 3, 31, 0, 30, tzinfo=utc),  # Europe's clocks go forward at 01:00 UTC
        datetime(2024, 10, 27, 0, 30, tzinfo=utc),  # and back
        datetime(2024, 11, 3, 5, 0, tzinfo=utc),  # New York's clocks go back at 06:00 UTC
        datetime(1999, 12, 31, 11, 59, 59, 999999, tzinfo=utc),
        datetime(2026, 6, 15, 12, 0, tzinfo=utc),
    ]
    return [start + timedelta(minutes=17 * i) for start in starts for i in range(12)]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("zone", ZONES)
def test_the_same_text_as_django_for_every_letter(language: str, zone: str) -> None:
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        for moment, format_string in itertools.product(_moments(), FORMATS):
            local = timezone.localtime(moment)
            assert date_format(local, format_string) == dateformat.format(local, format_string)
            naive = timezone.make_naive(moment)
            assert date_format(naive, format_string) == dateformat.format(naive, format_string)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_languages_formats_by_name(language: str) -> None:
    with translation.override(language):
        for moment, setting in itertools.product(_moments(), SETTINGS):
            local = timezone.localtime(moment)
            assert local_format(local, setting) == formats.date_format(local, setting)


def test_a_date_without_a_time_is_formatted_or_refused_as_django_does() -> None:
    day = date(2024, 2, 29)
    assert (
        date_format(day, "l, jS F Y")
        == dateformat.format(day, "l, jS F Y")
        == ("Thursday, 29th February 2024")
    )
    with pytest.raises(TypeError, match="time-related"):
        date_format(day, "Y H:i")

"""The shortcuts used by entries give exactly what the generic template tags give."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from notes.templatetags.entries import modified_time, url1


@pytest.mark.parametrize("tag", ["physics", "c++", "über-quantum", "a:b@c", "100%", "x&y"])
def test_tag_links_match_reverse(tag: str) -> None:
    assert url1("notes:tag", tag) == reverse("notes:tag", args=[tag])
    assert url1("notes:tag", tag) == url1("notes:tag", tag)


def test_profile_and_note_links_match_reverse() -> None:
    assert url1("notes:profile", "alice.b-c") == reverse("notes:profile", args=["alice.b-c"])
    assert url1("notes:note", 123) == reverse("notes:note", args=[123])


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
def test_modified_time_matches_the_date_filters(zone: str) -> None:
    template = engines["django"].from_string(
        """<time datetime="{{ v|date:'c' }}" title="{{ v }}">{{ v|date:"Y-m-d" }}</time>"""
    )
    for value in (
        datetime(2024, 1, 31, 23, 30, tzinfo=UTC),
        datetime(2026, 7, 1, 0, 5, tzinfo=UTC),
    ):
        with timezone.override(zone):
            assert modified_time(value) == template.render({"v": value})

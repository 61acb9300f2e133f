"""What the search window's tests share: stand-ins for PostgreSQL's estimates, and the
ORM's order of the matches that every window is held to."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db.models import QuerySet

from notes.models import Note
from notes.selectors.search import Estimates, matching


def estimated(matches: float, heads: float = 0.0) -> Callable[..., Estimates]:
    """``RelevanceWindow.estimates`` that says ``matches`` and ``heads`` (of 23 notes)
    until corrected."""

    def estimates(
        self, where: str, where_params: list, pairs: str, *, words: bool = True
    ) -> Estimates:
        self._estimates_key = "test:estimates"
        return Estimates(*(cache.get(self._estimates_key) or (matches, 23.0, heads)))

    return estimates


def overestimated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Matches estimated at ten (of 23 notes) until corrected, and a window of the eight
    newest notes for anything estimated at two or more: as for a word or pair missing from
    PostgreSQL's statistics."""
    from notes.selectors import search

    monkeypatch.setattr(
        search, "recent_window", lambda matches, stop, notes: 8 if matches >= 2 else None
    )
    monkeypatch.setattr(search.RelevanceWindow, "estimates", estimated(10.0))


def orm_order(notes: QuerySet[Note], text: str) -> list[int]:
    """The ids of ``notes`` that match ``text``, in relevance order as the ORM reads it."""
    found = matching(notes, text).order_by("-head_match", "-modified", "-id")
    return list(found.values_list("id", flat=True))

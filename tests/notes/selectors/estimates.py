"""A stand-in for PostgreSQL's estimates in the search window's tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache

from notes.selectors.search import Estimates


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

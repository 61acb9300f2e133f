"""A stand-in for PostgreSQL's estimates in the search window's tests."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache


def estimated(matches: float) -> Callable[..., tuple[float, float]]:
    """``RelevanceWindow.estimates`` that says ``matches`` (of 23 notes) until corrected."""

    def estimates(
        self, where: str, where_params: list, pairs: str, *, words: bool = True
    ) -> tuple[float, float]:
        self._estimates_key = "test:estimates"
        return cache.get(self._estimates_key) or (matches, 23.0)

    return estimates

"""Comparisons of two revisions, cached: a history row never changes, so neither does a
comparison of two of them."""

from __future__ import annotations

from typing import Protocol

from django.core.cache import cache

from notes.markup import diffing


class HistoricalRevision(Protocol):
    history_id: int
    body: str


# Revisions never change, so a comparison of two of them is good for as long as it is kept.
DIFF_CACHE_SECONDS = 7 * 24 * 3600


def revision_diff(old: HistoricalRevision, new: HistoricalRevision) -> diffing.TextDiff:
    """``word_diff`` of two revisions' bodies, cached under the two history rows' ids.

    A history row is written once and never changed, and its id is never reused, so the
    cached comparison cannot be stale.
    """
    key = f"notes:diff:v2:{old.history_id}:{new.history_id}"
    found = cache.get(key)
    if found is None:
        # The rows may have been read without their texts: both are read here at once.
        ids = [old.history_id, new.history_id]
        bodies = dict(
            type(old).objects.filter(history_id__in=ids).values_list("history_id", "body")
        )
        found = diffing.word_diff(bodies[old.history_id], bodies[new.history_id])
        cache.set(key, found, DIFF_CACHE_SECONDS)
    return found

"""The refusal every door (pages, API) shows its writer the same way."""

from __future__ import annotations


class WriteRefused(Exception):
    """A write refused for a reason to tell its author (``message``); ``retry_after``: in
    how many seconds it may be tried again, when waiting helps."""

    def __init__(self, message: str, *, retry_after: int | None = None, status: int = 429) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        # With ``retry_after``: 429 (too many), or 503 (cannot be counted just now).
        self.status = status

"""The refusal every door (pages, API) shows its writer the same way."""

from __future__ import annotations

from notes.wording import Said, words


class WriteRefused(Exception):
    """A write refused for a reason to tell its author (``message``); ``retry_after``: in
    how many seconds it may be tried again, when waiting helps.

    The reason is kept as a message id with its parameters (``notes.wording``) and put into
    words each time ``message`` is read, in the language active there: the reader's in a
    request, while an import job stores ``said`` for the page that shows it later.
    """

    def __init__(
        self, said: Said | list[Said], *, retry_after: int | None = None, status: int = 429
    ) -> None:
        super().__init__(said)
        self.said = said
        self.retry_after = retry_after
        # With ``retry_after``: 429 (too many), or 503 (cannot be counted just now).
        self.status = status

    @property
    def message(self) -> str:
        return words(self.said)

    def __str__(self) -> str:
        return self.message

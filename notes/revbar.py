"""The "revision: 6 [5] [4] … [0] [head]" line of a note."""

from __future__ import annotations

from dataclasses import dataclass

from notes.models import Note

NEWEST = 5


@dataclass(frozen=True)
class RevisionBar:
    current: int
    links: list[int | None]  # revision numbers to link, newest first; None is a gap "…"
    shortened: bool


def revision_bar(note: Note, *, newest: int = NEWEST) -> RevisionBar:
    """Links to the past revisions: all of them when few, else the newest few and [0].

    Every save makes the next number, so the numbers 0..K exist without a query.
    """
    past = list(range(note.revision - 1, -1, -1))
    if len(past) <= newest + 1:
        return RevisionBar(current=note.revision, links=list(past), shortened=False)
    return RevisionBar(current=note.revision, links=[*past[:newest], None, 0], shortened=True)

"""The "revision: 6 [5] [4] … [0] [head]" line of a note.

It links only the past revisions its reader may read (``notes.visibility``): all of them
for the note's author, the ones saved while the note was public for everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.expressions import RawSQL

from notes import visibility
from notes.models import Note

NEWEST = 5


@dataclass(frozen=True)
class RevisionBar:
    current: int
    links: list[int | None]  # revision numbers to link, newest first; None is a gap "…"
    shortened: bool


def _readable_past(select: str) -> str:
    table = Note.history.model._meta.db_table
    rule = visibility.revisions_sql("h", note="notes_note")
    return (
        f"SELECT {select} FROM {table} AS h"  # noqa: S608 - built from constants only
        f" WHERE {rule} AND h.revision < notes_note.revision"
    )


# With the note's row (``Note.objects.for_page``): the newest past revisions the reader may
# read, one more than the bar shows (which tells whether it is shortened), and the oldest.
_NEWEST_SQL = f"ARRAY({_readable_past('h.revision')} ORDER BY h.revision DESC LIMIT {NEWEST + 2})"
_OLDEST_SQL = f"({_readable_past('min(h.revision)')})"


def annotations(reader: Any) -> dict[str, RawSQL]:
    """What ``revision_bar`` needs of a note, read with it: ``newest_readable`` and
    ``oldest_readable``."""
    params = [visibility.reader_id(reader)]
    numbers = ArrayField(models.IntegerField())
    # Constant statements; the reader's id goes in as a parameter.
    newest = RawSQL(_NEWEST_SQL, params, output_field=numbers)  # noqa: S611
    oldest = RawSQL(_OLDEST_SQL, params, output_field=models.IntegerField())  # noqa: S611
    return {"newest_readable": newest, "oldest_readable": oldest}


def revision_bar(note: Note, *, newest: int = NEWEST) -> RevisionBar:
    """Links to the past revisions the reader may read: all of them when few, else the
    newest few and the oldest. ``note`` carries ``annotations``."""
    past: list[int] = list(note.newest_readable)  # type: ignore[attr-defined]
    if len(past) <= newest + 1:
        return RevisionBar(current=note.revision, links=list(past), shortened=False)
    oldest: int = note.oldest_readable  # type: ignore[attr-defined]
    return RevisionBar(current=note.revision, links=[*past[:newest], None, oldest], shortened=True)

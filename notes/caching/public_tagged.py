"""Each public note under each of its tags, by date (``notes.models.PublicTagged``).

Database triggers on the notes keep the rows (migration 0023), in the transaction that
changes a note; nothing in Python writes them. A tag's public notes, newest first, are a
walk of the table's key within the tag: a deep page of a small tag skips the tag's notes
only, not every other note between two of them as the tagged date index does.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from notes import visibility
from notes.models import PublicTagged

# The same rows computed from the notes (also in the migration that added them).
REBUILD_SQL = f"""
DELETE FROM notes_publictagged;
INSERT INTO notes_publictagged (tag, modified, note_id)
SELECT DISTINCT tag, modified, id FROM notes_note, unnest(tag_names) AS tag
WHERE {visibility.public_sql()};
"""  # noqa: S608 - built from constants only


def rebuild() -> None:
    """Write every row again (after a bulk load that skipped the triggers)."""
    with connection.cursor() as cursor:
        cursor.execute(REBUILD_SQL)


def in_order(tags: Sequence[str], *, descending: bool) -> QuerySet[PublicTagged]:
    """The rows of the first of ``tags``, of the public notes that have every one of them,
    by date as a note list orders them (the note's id after its date). Each other tag's
    rows are looked up by their key, or walked beside the first tag's (a merge join):
    index reads only, whichever PostgreSQL picks."""
    direction = "-" if descending else ""
    rows = PublicTagged.objects.filter(tag=tags[0])
    for tag in tags[1:]:
        also = PublicTagged.objects.filter(
            tag=tag, modified=OuterRef("modified"), note_id=OuterRef("note_id")
        )
        rows = rows.filter(Exists(also))
    return rows.order_by(f"{direction}modified", f"{direction}note_id")

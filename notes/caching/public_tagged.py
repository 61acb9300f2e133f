"""Each public note under each of its tags, by date (``notes.models.PublicTagged``).

Database triggers on the notes keep the rows (migration 0023), in the transaction that
changes a note; nothing in Python writes them. A tag's public notes, newest first, are a
walk of the table's key within the tag: a deep page of a small tag skips the tag's notes
only, not every other note between two of them as the tagged date index does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Func, QuerySet, Value

from notes import visibility
from notes.caching import public_counts
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


_ALSO_TAGGED_SQL = (
    "EXISTS (SELECT 1 FROM notes_publictagged AS also_tagged WHERE also_tagged.tag = {tag}"
    " AND also_tagged.modified = {modified} AND also_tagged.note_id = {note} OFFSET 0)"
)


class AlsoTagged(Func):
    """Whether the note of a row has a row under ``tag`` too, looked up by its key.

    Not a join: PostgreSQL multiplies the two equalities' selectivities, expects one note
    in common where there are tens of thousands, and hashes both tags' rows to sort them
    (80 ms for the two largest tags at a million notes); ``OFFSET 0`` keeps this a lookup
    per row of the walk, in the list's order, which stops at the page (0.2 ms for those
    two tags)."""

    output_field = BooleanField()

    def __init__(self, tag: str) -> None:
        super().__init__(Value(tag), F("modified"), F("note_id"))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        tag, modified, note = parts
        return _ALSO_TAGGED_SQL.format(tag=tag, modified=modified, note=note), params


def in_order(tags: Sequence[str], *, descending: bool) -> QuerySet[PublicTagged]:
    """The rows of the public notes that have every one of ``tags``, by date as a note
    list orders them (the note's id after its date): a walk of the rarest tag's rows,
    each looked up under the other tags (a note has the same key under each tag). With
    several tags, their stored counts are read to find the rarest."""
    if len(tags) > 1:
        counts = public_counts.public_counts(public_counts.tag_key(tag) for tag in tags)
        tags = sorted(tags, key=lambda tag: counts.get(public_counts.tag_key(tag), 0))
    direction = "-" if descending else ""
    rows = PublicTagged.objects.filter(tag=tags[0])
    for tag in tags[1:]:
        rows = rows.filter(AlsoTagged(tag))
    return rows.order_by(f"{direction}modified", f"{direction}note_id")

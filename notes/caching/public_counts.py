"""Stored counts of the public notes out of the trash: in all, and with each tag.

Every change that can move a note into or out of a public list (a new note, a new
revision's visibility or tags, trash and restore) goes through ``notes.services``, which
tells ``record_change`` what the note counted for before and after; the admin's note
form does the same, and a deleted note (with its author) leaves its counts. The counts
change in the same transaction as the note, so they are exact, not estimates.

A writer never updates the shared count rows itself: every public note would otherwise
queue on the ``*`` row from its first change to its commit. It records its changes as rows
of its own (``PublicCountDelta``), which a trigger adds to the counts as the transaction
commits, after every other lock it takes (see ``notes.caching.generations``). Until then only the
writing transaction sees them, and the readers below add them to what it reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from notes import visibility
from notes.models import Note

ALL = "*"


def tag_key(tag: str) -> str:
    return f"tag:{tag}"


def keys_of(note: Note) -> frozenset[str]:
    """The counts ``note`` adds one to as it is now: those of the public state."""
    if not visibility.is_public_now(note):
        return frozenset()
    return frozenset([ALL, *(tag_key(tag) for tag in note.tag_names)])


_RECORD_SQL = """
INSERT INTO notes_publiccountdelta (key, delta)
SELECT * FROM unnest(%s::varchar[], %s::integer[])
"""


def record_change(before: frozenset[str], after: frozenset[str]) -> None:
    """Move a note's contribution from the ``before`` counts to the ``after`` ones."""
    deltas = dict.fromkeys(before - after, -1) | dict.fromkeys(after - before, 1)
    if not deltas:
        return
    keys = sorted(deltas)
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SQL, [keys, [deltas[key] for key in keys]])


def forget_deleted(sender: type[Note], instance: Note, **kwargs: object) -> None:
    """A deleted note leaves the counts it was in (connected in ``NotesConfig.ready``)."""
    record_change(keys_of(instance), frozenset())


# The same counts computed from the notes themselves (also in the migration that added them).
REBUILD_SQL = f"""
DELETE FROM notes_publiccountdelta;
DELETE FROM notes_publiccount;
INSERT INTO notes_publiccount (key, count)
SELECT '*', count(*) FROM notes_note
WHERE {visibility.public_sql()}
UNION ALL
SELECT 'tag:' || tag, count(*) FROM notes_note, unnest(tag_names) AS tag
WHERE {visibility.public_sql()} GROUP BY tag;
"""  # noqa: S608 - built from constants only


def rebuild() -> None:
    """Count everything again (after a bulk load that bypassed ``notes.services``)."""
    with connection.cursor() as cursor:
        cursor.execute(REBUILD_SQL)


# The stored counts, plus the changes of the reading transaction itself that are not added
# yet. Outside a writing transaction the condition on the setting is false before any row
# is read, so PostgreSQL does not look at the changes at all.
_COUNTS_SQL = """
SELECT key, sum(count)::integer FROM (
    SELECT key, count FROM notes_publiccount WHERE {where}
    UNION ALL
    SELECT key, delta FROM notes_publiccountdelta
    WHERE {where} AND current_setting('notes.public_change', true) = 'queued'
) AS counts GROUP BY key
"""


def _counts(where: str, params: list[object]) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL.format(where=where), params * 2)
        return dict(cursor.fetchall())


def public_count(key: str) -> int:
    # A constant statement, as every list page asks it.
    return _counts("key = %s", [key]).get(key, 0)


def public_counts(keys: Iterable[str]) -> dict[str, int]:
    return _counts("key = ANY(%s)", [list(keys)])


def public_counts_starting(prefix: str) -> dict[str, int]:
    """The counts of every key that starts with ``prefix`` (e.g. every tag), above zero."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found = _counts("key LIKE %s", [pattern])
    return {key: count for key, count in found.items() if count > 0}

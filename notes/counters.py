"""Stored counts of the public notes out of the trash: in all, and with each tag.

Every change that can move a note into or out of a public list (a new note, a new
revision's visibility or tags, trash and restore) goes through ``notes.services``, which
tells ``record_change`` what the note counted for before and after; the admin's note
form does the same, and a deleted note (with its author) leaves its counts. The counts are
updated in the same transaction as the note, so they are exact, not estimates.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from notes import visibility
from notes.models import Note, PublicCount

ALL = "*"


def tag_key(tag: str) -> str:
    return f"tag:{tag}"


def keys_of(note: Note) -> frozenset[str]:
    """The counts ``note`` adds one to as it is now: those of the public state."""
    if not visibility.is_public_now(note):
        return frozenset()
    return frozenset([ALL, *(tag_key(tag) for tag in note.tag_names)])


_UPSERT_SQL = """
INSERT INTO notes_publiccount (key, count)
SELECT * FROM unnest(%s::varchar[], %s::integer[])
ON CONFLICT (key) DO UPDATE SET count = notes_publiccount.count + EXCLUDED.count
"""


def record_change(before: frozenset[str], after: frozenset[str]) -> None:
    """Move a note's contribution from the ``before`` counts to the ``after`` ones."""
    deltas = dict.fromkeys(before - after, -1) | dict.fromkeys(after - before, 1)
    if not deltas:
        return
    keys = sorted(deltas)  # one order for every writer, so two saves never deadlock
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, [keys, [deltas[key] for key in keys]])


def forget_deleted(sender: type[Note], instance: Note, **kwargs: object) -> None:
    """A deleted note leaves the counts it was in (connected in ``NotesConfig.ready``)."""
    record_change(keys_of(instance), frozenset())


# The same counts computed from the notes themselves (also in the migration that added them).
REBUILD_SQL = f"""
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


def public_count(key: str) -> int:
    # A constant statement, as every list page asks it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count FROM notes_publiccount WHERE key = %s", [key])
        found = cursor.fetchone()
    return found[0] if found else 0


def public_counts(keys: Iterable[str]) -> dict[str, int]:
    return dict(PublicCount.objects.filter(key__in=list(keys)).values_list("key", "count"))

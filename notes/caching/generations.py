"""The public generation: one number for the state of everything public.

It changes with every committed change to public notes and papers (see
``notes.models.Generation`` and the triggers of migrations 0009 and 0012), in every process
at once, so whatever is made only of public notes and papers can be cached under it in
a shared or a per-process cache and is never served after a change. Read the generation
before (or in the same query as) the rows a piece is made of: a piece made of rows newer
than its generation is only ever replaced, never served stale.

Why that holds, now that the number changes at commit rather than with the change itself
------------------------------------------------------------------------------------------

A transaction that changes anything public takes a new number from a sequence and writes it
into the one ``notes_generation`` row as the last thing it does before it commits (a
deferred trigger, queued behind the transaction's foreign-key checks). Three facts:

1. The new number and the change become visible together: they are one transaction, and a
   reader's snapshot sees all of it or none of it.
2. Numbers never repeat (a sequence), and the row's versions follow commit order: a writer
   that finds the row locked waits for the holder's commit and then writes over its version.
   So if a snapshot sees a change, it sees that change's number or a later one on the row,
   and two snapshots that see the same number see the same set of committed changes.
3. A reader (READ COMMITTED) that reads the number and then the rows reads the rows with a
   snapshot at least as new as the one that gave the number.

Together: rows read after reading number G contain every change a reader who sees G can
see, and perhaps newer ones; a piece cached under G is never older than G. A second
reader who reads G gets such a piece, never one missing a change it could see. Holding the
row only from the last step to the commit keeps writers from queueing on it and takes it
out of every cycle of waits (it is taken after every other lock).

What does not work: reading the sequence itself (``last_value``), or any number taken
before the commit. A writer takes its number, then a reader reads that number and the rows
(which do not show the uncommitted change yet) and caches them under it; the writer
commits; every later reader sees the same number and is served the piece without the
change, for as long as it is cached.

Inside a transaction that has changed something public but not committed, the row still
holds the number from before the change while the transaction's own reads already show the
change. A piece read there must not be cached under the row's number, which every other
process also reads. So each such change also takes a fresh number from the sequence as a
setting of that transaction alone (``notes.public_generation``), and the readers below
return it instead of the row's: nobody else can ever read that number (the row only ever
gets numbers the sequence has not given out before), so what is cached under it is
seen by that transaction only, and a savepoint rolled back takes the setting back with the
change. After the commit every reader goes back to the row, which has a new number.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL

PUBLIC = "public"

# The columns whose change gives the public generation a new number: the statement triggers
# of migrations 0012 and 0015 name them (``UPDATE OF …``), besides any insert, delete or
# truncate. A piece cached under the generation may read these columns, and columns that
# never change once a row is written (``IMMUTABLE_COLUMNS``), and nothing else:
# tests/notes/caching/test_public_columns.py checks both the triggers and what the cached
# pieces read. Counts that readers move (votes, views, comments) are left out on purpose:
# they change all the time and no piece cached under the generation shows them.
PUBLIC_COLUMNS = {
    "notes_note": frozenset(
        {
            "paper_id",
            "author_id",
            "tag_names",
            "paper_title",
            "search_head",
            "visibility",
            "deleted_at",
            "hidden_at",
        }
    ),
    "notes_paper": frozenset({"title", "year", "rating_count", "rating_sum"}),
}
IMMUTABLE_COLUMNS = frozenset({"id", "created"})
_SQL = (
    "SELECT coalesce(nullif(current_setting('notes.public_generation', true), '')::bigint, value)"
    " FROM notes_generation WHERE key = 'public'"
)


def annotation() -> RawSQL:
    """The public generation as a column of another query (one round trip fewer)."""
    return RawSQL(_SQL, ())  # noqa: S611 - a constant statement


def public() -> int | None:
    """The public generation now (``None`` if its row is missing, e.g. after a flush)."""
    with connection.cursor() as cursor:
        cursor.execute(_SQL)
        row = cursor.fetchone()
    return row[0] if row else None

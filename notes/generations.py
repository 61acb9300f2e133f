"""The public generation: one number for the state of everything public.

It changes with every change to public notes and papers (see ``notes.models.Generation``
and the triggers of migration 0009), in every process at once, so whatever is made only of
public notes and papers can be remembered under it in a shared or a per-process cache and
is never served after a change. Read the generation before (or in the same query as) the
rows a piece is made of: a piece made of rows newer than its generation is only ever
replaced, never served stale.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL

PUBLIC = "public"
_SQL = "SELECT value FROM notes_generation WHERE key = 'public'"


def annotation() -> RawSQL:
    """The public generation as a column of another query (one round trip fewer)."""
    return RawSQL(_SQL, ())  # noqa: S611 - a constant statement


def public() -> int | None:
    """The public generation now (``None`` if its row is missing, e.g. after a flush)."""
    with connection.cursor() as cursor:
        cursor.execute(_SQL)
        row = cursor.fetchone()
    return row[0] if row else None

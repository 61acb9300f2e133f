"""Where the pages of the longest lists begin, kept for a minute: deep pages without offsets.

A page number is an offset into a list's date index: PostgreSQL walks and skips every
entry before the page. ``browse.ids_in_order`` walks from the nearer end, but a page in
the middle of a million public notes still skips more than 200,000 entries (about 80 ms
of the database). A list with a stored count (every public note, one tag's), newest
first, keeps instead the key (``modified``, ``id``) of every ``EVERY``-th note, read in
one walk of its index (25 ms for 100,000 notes) the first time a deep page needs them and
kept in the cache for ``SECONDS``; a deep page is read from the nearest mark before it,
skipping fewer than ``EVERY`` of the list's notes. (A tag's list is the tag's own rows
of ``notes.caching.public_tagged``, marked the same way by the note's date and id.)

Reading the marks costs more per entry than skipping (at a million notes, 0.18 µs an
entry against 0.07: a tag of 8,000 notes 2.8 ms, against 0.6 ms for a page at offset
4,000), and a list's marks serve only the pages asked for within the minute. So only
lists of ``MARKED_FROM`` notes or more have them: a shorter one skips at most half of
that from its nearer end (25,000 entries, under 2 ms), and a random page of one of
hundreds of tags is seldom asked for twice in a minute.

Marks read a minute ago may have moved: a note edited since has gone to the top of the
list and one moved to the trash has left it, so a page read from a mark may start up to
that many notes away from where counting would put it. Any page of a list being edited
moves like that between two requests; the first and last pages, read from the ends,
never do.

The marks are read within ``READ_MILLISECONDS`` (or the request's own statement timeout,
if shorter): from memory, the longest tag's list at a
million notes (316,000 entries) takes 80 ms, but read from disk it once took longer than
the request's own statement timeout, and the page answered 503. Past that time the list
goes without marks for ``SECONDS`` and its deep pages are cut as any other list's (from
the nearer end), which reads less of it than the marks would.

The marks are stored as one string of bytes (two signed 64-bit integers per mark: the
microseconds since 1970 in UTC and the id), which the cache stores and hands back
without building a Python object per mark.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet

from papernotes.db import Failure, failure_kind

EVERY = 500  # notes from one mark to the next
MARKED_FROM = 50_000  # lists shorter than this skip at most half of it from an end
SECONDS = 60
READ_MILLISECONDS = 2_000
_MARK = struct.Struct("<qq")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Every ``EVERY``-th key of a list but the first (whose page is read from the start),
# numbered in the order the list's own query reads them: its index walk, newest first
# (tests/notes/selectors/test_marks.py compares every cut with the list's own slice).
_MARKS_SQL = """
SELECT modified, id FROM (
  SELECT list.*, row_number() OVER () AS position FROM ({list}) AS list (modified, id)
) AS numbered
WHERE position %% %s = 1 AND position > 1
"""
# The transaction's statement timeout set to a number of milliseconds, unless it is shorter
# already; returns the one it had, which the second sets back.
_SHORTER_TIMEOUT_SQL = """
SELECT current_setting('statement_timeout'), set_config('statement_timeout', (
  SELECT CASE WHEN setting::integer = 0 THEN %s ELSE least(setting::integer, %s) END
  FROM pg_settings WHERE name = 'statement_timeout')::text, true)
"""
_TIMEOUT_SQL = "SELECT set_config('statement_timeout', %s, true)"


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _read(rows: QuerySet[Any], id_field: str) -> bytes:
    """The marks of ``rows`` (newest first), packed; none when reading them took longer
    than ``READ_MILLISECONDS``."""
    sql, params = rows.values_list("modified", id_field).query.sql_with_params()
    try:
        # In a transaction (or savepoint) of its own: the shorter timeout is set back
        # before it ends, and undone with it when the read is cancelled.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_SHORTER_TIMEOUT_SQL, [READ_MILLISECONDS, READ_MILLISECONDS])
            before, _ = cursor.fetchone()
            cursor.execute(_MARKS_SQL.format(list=sql), [*params, EVERY])
            packed = b"".join(_MARK.pack(_microseconds(modified), pk) for modified, pk in cursor)
            cursor.execute(_TIMEOUT_SQL, [before])
            return packed
    except DatabaseError as exc:
        if failure_kind(exc) is not Failure.STATEMENT_TIMEOUT:
            raise
        return b""


def _mark(packed: bytes, number: int) -> tuple[datetime, int]:
    """The key of the note at ``number`` × ``EVERY`` (``number`` from 1)."""
    microseconds, pk = _MARK.unpack_from(packed, (number - 1) * _MARK.size)
    return _EPOCH + timedelta(microseconds=microseconds), pk


def cache_key_of(key: str) -> str:
    """The cache key of the marks of the list counted under ``key`` (a tag's name may hold
    any character; a cache key may not)."""
    return f"notes:marks:{hashlib.sha256(key.encode()).hexdigest()}"


def cuts(
    rows: QuerySet[Any],
    id_field: str,
    total: int,
    key: str,
    plain: Callable[[int, int], list[int]],
) -> Callable[[int, int], list[int]]:
    """Cuts of ``rows`` (a public list of ``total`` notes, newest first by ``modified``
    then by the note's id in ``id_field``, stored under ``key``): ``plain``'s, but those
    deep in a long list read from the nearest mark."""
    if total < MARKED_FROM:
        return plain
    ids = rows.values_list(id_field, flat=True)

    def fetch(start: int, stop: int) -> list[int]:
        skipped = min(start, total - stop)  # what the plain cut walks past
        if skipped < EVERY:
            return plain(start, stop)
        cache_key = cache_key_of(key)
        packed = cache.get(cache_key)
        if packed is None:
            packed = _read(rows, id_field)
            cache.set(cache_key, packed, SECONDS)
        number = min(start // EVERY, len(packed) // _MARK.size)
        if number == 0 or start - number * EVERY >= skipped:
            return plain(start, stop)
        modified, pk = _mark(packed, number)
        begin = start - number * EVERY
        later = {"modified": modified, f"{id_field}__gt": pk}
        after = ids.filter(modified__lte=modified).exclude(**later)
        return list(after[begin : begin + stop - start])

    return fetch

"""Statements a reader's pages run on every visit, compiled once from the ORM's queries.

Building and compiling a query through the ORM can cost more than the database's answer
(the inbox's counts and page, what a reader follows). Such a query is made once for a
stand-in reader (``READER``) and kept as SQL whose only parameters are the reader's id;
each page then runs it with the real id.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import connections, router
from django.db.models import Model, QuerySet

# A stand-in for the reader's id while a statement is compiled: no account has it.
READER = -2_000_000_001


class Statement(NamedTuple):
    sql: str
    readers: int  # how many parameters it takes, each the reader's id


def compiled(query: QuerySet[Any], template: str = "{}") -> Statement:
    """``query`` (made for ``READER``) as the ORM compiles it, written into ``template``
    (whose own ``%s`` come after the reader's)."""
    sql, params = query.query.sql_with_params()
    if any(param != READER for param in params):
        raise ValueError("A compiled statement takes the reader's id as its only parameter.")
    return Statement(template.format(sql), len(params))


def rows(statement: Statement, model: type[Model], reader_id: int, *more: Any) -> list[Any]:
    """The rows of ``statement`` for ``reader_id`` (and ``more`` parameters after it), read
    from the database ``model`` is read from."""
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(statement.sql, [*[reader_id] * statement.readers, *more])
        return cursor.fetchall()

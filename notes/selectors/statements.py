"""Statements a reader's pages run on every visit, compiled once from the ORM's queries.

Building and compiling a query through the ORM can cost more than the database's answer
(the inbox's counts and page, what a reader follows, the note a page is about). Such a
query is made once for a stand-in reader (``READER``), and for a stand-in row (``ROW``)
when it looks one up, and kept as SQL; each page then runs it with the real ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

from notes import visibility

# Stand-ins for the reader's id and a looked-up row's while a statement is compiled: no
# account and no row has them.
READER = -2_000_000_001
ROW = -3_000_000_001


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


class _Prepared(NamedTuple):
    """A ``RowLookup``'s statement and how its rows become instances (as Django's
    ``ModelIterable`` makes them)."""

    sql: str
    params: tuple[Any, ...]  # ``ROW`` and ``READER`` where the ids go
    converters: list[tuple[int, tuple[list[Any], Any]]]  # the columns' conversions
    fields: slice  # the model's own columns
    attnames: list[str]
    related: list[Any]  # the populators of the rows read with ``select_related``
    annotations: dict[str, int]


class RowLookup:
    """One row of ``model`` by its id, read as the queryset ``make(reader)`` reads it (its
    related rows, deferred fields and annotations included), compiled once per database
    and kind of reader (anonymous or not) instead of on every request.

    ``make`` may use the reader's id in its annotations' parameters; it is called with a
    stand-in (``READER``) whose id the real one replaces.
    """

    def __init__(self, model: type[Model], make: Callable[[Any], QuerySet[Any]]) -> None:
        self.model = model
        self._make = make
        self._prepared: dict[tuple[str, bool], _Prepared] = {}

    def get(self, pk: int, reader: Any) -> Any | None:
        """The row ``pk`` as an instance, or ``None`` if there is none."""
        own = visibility.reader_id(reader)
        alias = router.db_for_read(self.model)
        key = (alias, own is not None)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = self._prepare(alias, own)
        values = {ROW: pk, READER: own}
        params = [
            values.get(param, param) if type(param) is int else param for param in prepared.params
        ]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(prepared.sql, params)
            found = cursor.fetchone()
        if found is None:
            return None
        row = list(found)
        for position, (conversions, expression) in prepared.converters:
            for convert in conversions:
                row[position] = convert(row[position], expression, connection)
        instance = self.model.from_db(alias, prepared.attnames, row[prepared.fields])
        for populator in prepared.related:
            populator.populate(row, instance)
        for name, position in prepared.annotations.items():
            setattr(instance, name, row[position])
        return instance

    def _prepare(self, alias: str, own: int | None) -> _Prepared:
        stand_in = AnonymousUser() if own is None else get_user_model()(pk=READER)
        query = self._make(stand_in).using(alias).filter(pk=ROW)[:1]
        compiler = query.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        info = compiler.klass_info
        start, stop = info["select_fields"][0], info["select_fields"][-1] + 1
        columns = compiler.select[: compiler.col_count]
        return _Prepared(
            sql=sql,
            params=tuple(params),
            converters=list(compiler.get_converters([c[0] for c in columns]).items()),
            fields=slice(start, stop),
            attnames=[column[0].target.attname for column in compiler.select[start:stop]],
            related=get_related_populators(info, compiler.select, alias),
            annotations=dict(compiler.annotation_col_map),
        )

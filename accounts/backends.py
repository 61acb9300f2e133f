"""Logging in with a username and password, and finding the account of a session.

``AccountBackend`` is Django's ``ModelBackend`` (the same login, permissions and checks)
except for one thing: the account of a logged-in reader, which every request of theirs
reads after its session, is read with one constant statement. Through the ORM the lookup
was built and compiled anew each time, which cost several times the database's answer.

Sessions store the dotted path of the backend that logged them in. Sessions made before
this backend existed name ``ModelBackend``; the session store reads that path as this one
(``accounts.sessions``), so nobody is logged out by the change.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from accounts.models import User


@lru_cache(maxsize=4)
def _account_sql(alias: str) -> tuple[str, tuple[str, ...], tuple[tuple[int, Any, Any], ...]]:
    """The statement that reads one account by its id, the attributes of its columns, and
    the conversions the ORM applies to them (such as a JSON field's decoding)."""
    connection = connections[alias]
    quote, meta = connection.ops.quote_name, User._meta
    fields = meta.concrete_fields
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - the model's names only
    converters = tuple(
        (i, converter, field)
        for i, field in enumerate(fields)
        for converter in field.get_db_converters(connection)
    )
    return sql, tuple(field.attname for field in fields), converters


def read_account(user_id: Any) -> User | None:
    """The account ``user_id`` (as a session keeps it), or ``None`` if there is none."""
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    alias = router.db_for_read(User)
    sql, attnames, converters = _account_sql(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, converter, field in converters:
        values[i] = converter(values[i], field, connection)
    return User.from_db(alias, attnames, values)


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = read_account(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

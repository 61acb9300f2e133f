"""The sessions of Django's database backend, read with one constant statement.

Every request of a logged-in reader reads its session before anything else. Through the
ORM the read was built and compiled anew each time, which cost more than the database's
answer; the statement here is the same lookup (the key, not expired), written once.
Everything else (saving, rotating, expiring, clearing) is Django's own.

A session made before ``accounts.backends.AccountBackend`` names Django's ``ModelBackend``
as the backend that logged it in; it is read as naming ``AccountBackend`` (the same
backend with a faster account read), so the change logged nobody out.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

# The backend sessions made now record, and the one those made before it recorded.
ACCOUNT_BACKEND = "accounts.backends.AccountBackend"
EARLIER_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        data = super().load()
        if data.get(BACKEND_SESSION_KEY) == EARLIER_BACKEND:
            data[BACKEND_SESSION_KEY] = ACCOUNT_BACKEND
        return data

    def _get_session_from_db(self):  # type: ignore[no-untyped-def]
        connection = connections[router.db_for_read(self.model)]
        table, quote = self.model._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('session_data')} FROM {quote(table)}"  # noqa: S608 - the model's names only
                f" WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])

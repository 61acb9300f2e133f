"""``migrate`` under a PostgreSQL advisory lock.

Replicas that start together all run ``migrate``; without the lock two of them apply the
same migration at once and one fails ("relation … already exists"). With it, the first
applies the migrations while the others wait, then find nothing left to do. The lock is
the database's own, so it holds across hosts, and it is released when the session ends,
so a killed ``migrate`` never leaves it taken.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate
from django.db import connections

# Any number the site uses for nothing else: "PaperNotes migrate" as a 63-bit integer.
MIGRATE_LOCK = 0x5061_7065_724E_6F74 >> 1


class Command(migrate.Command):
    help = migrate.Command.help + " Waits for any other migrate on the same database first."

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATE_LOCK])
            (taken,) = cursor.fetchone()
            if not taken:
                if options["verbosity"] >= 1:
                    self.stdout.write("Another migrate is running on this database; waiting.")
                cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
        try:
            super().handle(*args, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])

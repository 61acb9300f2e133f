"""``make run``: the development server with a job worker beside it, the embedded
database watched (papernotes.supervisor)."""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from papernotes import supervisor


class Command(BaseCommand):
    help = (
        "Run the development server and a job worker; restart the embedded PostgreSQL "
        "server if it stops. Ctrl-C stops them all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, address: str, **options: Any) -> None:
        # The supervisor's lines (a database restarted, a worker started again) must show
        # whatever LOG_LEVEL says for the rest.
        logging.getLogger("papernotes.supervisor").setLevel(logging.INFO)
        embedded = settings.EMBEDDED_PGDATA
        self.stdout.write(
            f"Serving on http://{address}/ with a job worker"
            + (", watching the embedded database" if embedded else "")
            + ". Ctrl-C stops them all."
        )
        code = supervisor.serve(
            address=address,
            pgdata=embedded,
            manage=str(settings.BASE_DIR / "manage.py"),
        )
        if code:
            sys.exit(code)

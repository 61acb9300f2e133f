"""``make backup``: a consistent dump of the configured database (papernotes.backups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from django.utils import timezone

from papernotes import backups


class Command(BaseCommand):
    help = (
        "Write a custom-format dump of the configured database (embedded or DATABASE_URL) "
        "with the matching pg_dump; by default to var/backups/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="Where to write the dump.")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, output: Path | None, database: str, **options: Any) -> None:
        connection = connections[database]
        if output is None:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            output = backups.default_path(
                Path(settings.VAR_DIR), connection.settings_dict["NAME"], stamp
            )
        tool = backups.dump(connection=connection, output=output)
        size = output.stat().st_size
        self.stdout.write(f"Wrote {output} ({size:,} bytes) with {tool}.")

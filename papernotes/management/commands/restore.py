"""``make restore``: load a dump into the configured database, which must be empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from papernotes import backups


class Command(BaseCommand):
    help = (
        "Load a dump made by `backup` into the configured database, which must be empty; "
        "all of it or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dump", type=Path)
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--jobs", type=int, default=1, help="Tables restored in parallel (then not atomic)."
        )

    def handle(self, *args: Any, dump: Path, database: str, jobs: int, **options: Any) -> None:
        connection = connections[database]
        tool = backups.restore(connection=connection, source=dump, jobs=max(jobs, 1))
        name = connection.settings_dict["NAME"]
        self.stdout.write(f"Restored {dump} into {name!r} with {tool}.")

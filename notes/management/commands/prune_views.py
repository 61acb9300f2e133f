"""Delete daily view records that no longer matter (the view counts keep their totals)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notes.services.reactions import forget_old_views


class Command(BaseCommand):
    help = "Delete daily view records older than --keep-days (default 2); run it daily."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep-days", type=int, default=2)

    def handle(self, *args: Any, keep_days: int, **options: Any) -> None:
        removed = forget_old_views(keep_days=max(keep_days, 1))
        self.stdout.write(f"Deleted {removed} old view records.")

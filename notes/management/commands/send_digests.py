"""Send the daily e-mail digests of notifications; run it once a day (cron, a scheduler).

Safe to run again: each notification is e-mailed once, so a second run sends nothing new.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from notes.services.notifications import send_digests


class Command(BaseCommand):
    help = "E-mail each user who asked for a daily digest their unread notifications."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_digests()
        self.stdout.write(f"Sent {sent} digest e-mail{'s' * (sent != 1)}.")

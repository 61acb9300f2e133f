"""Measure the CPU an ordinary note of the largest size costs to save, against the budget.

    DJANGO_SETTINGS_MODULE=bench.settings python manage.py bench_render [--rounds 5]

A note of the largest size made of ordinary sections (``bench.texts.ordinary_note``) is saved
through the edit page (Django's test client) ``--rounds`` times, once as plain Markdown and
once with raw HTML (which sends the whole text through the sanitiser). The CPU counted is this
process's and the render worker's. The target is to stay under half the render budget
(``RENDER_CPU_SECONDS``) for Markdown and under three quarters with raw HTML, so that a
legitimate note is never refused on a busy machine. Prints the figures, the ratio to the budget
and whether each target is met. The user and note of the run are deleted afterwards.
"""

from __future__ import annotations

import secrets
import statistics
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.test import Client, override_settings

from accounts.models import User
from bench.texts import cpu_seconds, ordinary_note
from notes.models import MAX_BODY_BYTES, Note, Paper
from notes.services import NoteContent, note_create

SIZE = MAX_BODY_BYTES - 4_800  # the largest ordinary note the tests save
TARGETS = {"Markdown": 0.5, "with raw HTML": 0.75}  # share of the budget


class Command(BaseCommand):
    help = "Measure the CPU of saving an ordinary note of the largest size."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rounds", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        budget = settings.RENDER_CPU_SECONDS
        plain, sections = ordinary_note(SIZE, refs=1)
        texts = {
            "Markdown": plain,
            "with raw HTML": ordinary_note(SIZE - 100)[0] + "\n\n<sup>raw</sup> <kbd>HTML</kbd>",
        }
        user = User.objects.create_user(
            username=f"bench-render-{secrets.token_hex(4)}", password=secrets.token_hex(16)
        )
        client = Client()
        client.force_login(user)
        self.stdout.write(
            f"Saving an ordinary note of {len(plain):,} characters ({sections} sections), "
            f"{options['rounds']} rounds; render budget {budget:.2f} s of CPU"
        )
        try:
            with override_settings(
                DEBUG=False,
                ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                SECURE_SSL_REDIRECT=False,
                PREVIEW_RATE_LIMIT=10_000,
            ):
                client.post("/n/preview/", {"body": "*warm*", "visibility": "public"})
                for name, body in texts.items():
                    self._measure(client, user, name, body, options["rounds"], budget)
        finally:
            Note.objects.filter(author=user).delete()
            Paper.objects.filter(created_by=user).delete()
            user.delete()

    def _measure(
        self, client: Client, user: User, name: str, body: str, rounds: int, budget: float
    ) -> None:
        cpus: list[float] = []
        walls: list[float] = []
        for _ in range(rounds):
            paper = Paper.objects.create(created_by=user, title=f"Render benchmark {user.pk}")
            note = note_create(
                paper=paper,
                author=user,
                content=NoteContent(body="first words", tags=[], visibility="public"),
            )
            text = body.replace("{1}", f"{{{note.pk}}}")
            started, cpu = time.perf_counter(), cpu_seconds()
            response = client.post(
                f"/n/{note.pk}/edit/",
                {"body": text, "visibility": "public", "base_revision": "0"},
            )
            cpus.append(cpu_seconds() - cpu)
            walls.append(time.perf_counter() - started)
            if response.status_code != 302:
                self.stdout.write(f"  {name}: refused (status {response.status_code})")
                return
        median = statistics.median(cpus)
        target = TARGETS[name] * budget
        verdict = "met" if median < target else "MISSED"
        self.stdout.write(
            f"  {name:14} CPU median {median:.2f} s, max {max(cpus):.2f} s "
            f"({median / budget:.2f}× the budget; target < {target:.2f} s: {verdict}); "
            f"wall median {statistics.median(walls):.2f} s"
        )

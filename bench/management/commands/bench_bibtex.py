"""Time the BibTeX import of a generated library, as the import page runs it.

    DJANGO_SETTINGS_MODULE=bench.settings python manage.py bench_bibtex [--entries 5000]
        [--notes from-entry] [--keep]

The library is generated the way reference managers write them: LaTeX accents, ``@string``
macros, every third entry with a DOI, every fifth with an arXiv id, keywords, and an
``annote`` on every tenth. It is uploaded through the import page (Django's test client),
its import job run here as a worker runs it, and its status page read once done, by a
user made for the run, twice: the first import
creates every paper, the second matches every one and creates nothing. The papers, notes
and user of the run are deleted afterwards unless ``--keep``. Prints the figures.
"""

from __future__ import annotations

import random
import secrets
import time
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings

from accounts.models import User
from notes.exchange import bibtex_import, imports
from notes.models import Import, Note, Paper

WORDS = [
    *("deep", "learning", "attention", "graph", "neural", "network", "protein", "structure"),
    *("causal", "inference", "sparse", "bayesian", "optimisation", "reinforcement", "kernel"),
    *("manifold", "transformer", "diffusion", "spectral", "clustering", "quantum", "error"),
    *("correction", "variational", "language", "model"),
]
ACCENTED = [r"M{\"u}ller", r"Garc{\'\i}a", r"Ch{\^a}teau", r"{\O}stergaard", r"Ng"]


def library(entries: int, token: str, seed: int = 1) -> str:
    rng = random.Random(seed)  # noqa: S311 (test data, the same on every run)
    lines = ['@string{jmlr = "Journal of Machine Learning Research"}', ""]
    for n in range(entries):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize()
        authors = " and ".join(
            f"{rng.choice(ACCENTED)}, {rng.choice('ABCDEFGH')}. {n % 7}"
            for _ in range(rng.randint(1, 6))
        )
        fields = [
            f"  title = {{{title} ({token} {n})}}",
            f"  author = {{{authors}}}",
            f"  year = {{{1990 + n % 35}}}",
            "  journal = jmlr",
            f"  keywords = {{{rng.choice(WORDS)}, {rng.choice(WORDS)}}}",
            f"  abstract = {{{' '.join(rng.choice(WORDS) for _ in range(60))}}}",
        ]
        if n % 3 == 0:
            fields.append(f"  doi = {{10.5555/{token}.{n}}}")
        if n % 5 == 0:
            fields.append(f"  eprint = {{{2000 + n % 400}.{n:05d}}}, archiveprefix = {{arXiv}}")
        if n % 10 == 0:
            fields.append(r"  annote = {Read again: the bound in \S 3 uses $O(n \log n)$.}")
        lines.append(f"@article{{key{n},\n" + ",\n".join(fields) + "\n}\n")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Time the BibTeX import of a generated library (first import, and again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entries", type=int, default=5000)
        parser.add_argument(
            "--notes",
            default=bibtex_import.NOTES_FROM_ENTRY,
            choices=[c for c, _ in bibtex_import.NOTES_CHOICES],
        )
        parser.add_argument("--keep", action="store_true", help="keep the run's papers and notes")

    def handle(self, *args: Any, **options: Any) -> None:
        token = secrets.token_hex(4)
        self.imports: list[int] = []
        text = library(options["entries"], token)
        size = len(text.encode())
        user = User.objects.create_user(
            username=f"bench-bibtex-{token}", password=secrets.token_hex(16)
        )
        client = Client()
        client.force_login(user)
        try:
            with override_settings(
                IMPORT_MAX_BYTES=max(size + 1, 20 * 1024 * 1024),
                # As deployed: no log of every query (it formats megabytes of INSERTs).
                DEBUG=False,
                ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                SECURE_SSL_REDIRECT=False,
            ):
                first = self._import(client, text, options["notes"])
                second = self._import(client, text, options["notes"])
            created = Paper.objects.filter(created_by=user).count()
            notes = Note.objects.filter(author=user).count()
            self.stdout.write(
                f"BibTeX import of {options['entries']:,} entries ({size / 1024 / 1024:.1f} MB), "
                f"notes: {options['notes']}\n"
                f"  first import:  {first:6.2f} s  ({created:,} papers created, {notes:,} notes)\n"
                f"  second import: {second:6.2f} s  (everything matched, nothing created)\n"
            )
            if Paper.objects.filter(created_by=user).count() != created:
                raise CommandError("the second import created papers")
        finally:
            if not options["keep"]:
                Note.objects.filter(author=user).delete()
                Paper.objects.filter(created_by=user).delete()
                user.delete()
                # The queued jobs of the run (run here already).
                with connection.cursor() as cursor:
                    cursor.execute(
                        "DELETE FROM procrastinate_jobs WHERE task_name = 'run_import' "
                        "AND args->>'import_id' = ANY(%s)",
                        [[str(pk) for pk in self.imports]],
                    )

    def _import(self, client: Client, text: str, notes: str) -> float:
        started = time.perf_counter()
        response = client.post(
            "/import/bibtex/",
            {"file": SimpleUploadedFile("library.bib", text.encode()), "notes": notes},
            HTTP_USER_AGENT="bench",
        )
        if response.status_code != 302:
            raise CommandError(f"the import answered {response.status_code}")
        record = Import.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])
        self.imports.append(record.pk)
        with override_settings(IMPORT_JOB_SECONDS=3600):
            imports.run(import_id=record.pk)
        body = client.get(response.url).content.decode()
        elapsed = time.perf_counter() - started
        if "Done:" not in body:
            raise CommandError("the import did not finish")
        return elapsed

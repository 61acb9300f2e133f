"""Fill the database with a large, realistic data set for the benchmark (``make bench``).

    DJANGO_SETTINGS_MODULE=bench.settings python manage.py seed_bench --notes 100000
        [--users 2000] [--papers 60000] [--readers 4] [--revisions 2] [--seed 1]
        [--reset | --if-empty]

What is generated is described in ``bench.corpus`` (the text) and ``bench.seeding`` (the
rows, and how they are loaded fast). One note has exactly 200 revisions, for the
benchmark's history and diff pages; the readers (``bench_reader_…``) are the logged-in
readers it measures.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from bench.seeding import (
    MAX_NOTES_PER_PAPER,
    READER_FOLLOWS,
    READER_NOTIFICATIONS,
    READER_PREFIX,
    SPECIAL_REVISIONS,
    USER_PASSWORD,
    USERNAME_PREFIX,
    Seeder,
    Sizes,
)
from notes.models import Note


class Command(BaseCommand):
    help = "Fill the database with a large generated data set for `make bench`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--notes", type=int, default=100_000, help="notes (default 100000)")
        parser.add_argument("--users", type=int, default=2000, help="users (default 2000)")
        parser.add_argument("--papers", type=int, default=None, help="papers (default 0.6 × notes)")
        parser.add_argument(
            "--readers",
            type=int,
            default=4,
            help=f"readers following {READER_FOLLOWS} tags, people and papers each, with "
            f"{READER_NOTIFICATIONS} notifications (default 4)",
        )
        parser.add_argument(
            "--revisions",
            type=float,
            default=2.0,
            help="average extra revisions per note (default 2)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--templates", type=int, default=300, help="rendered Markdown blocks (default 300)"
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="notes per COPY batch")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset",
            action="store_true",
            help="first delete every note, paper, tag and generated user",
        )
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) when the database already has notes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n_notes: int = options["notes"]
        n_users: int = options["users"]
        n_papers: int = (
            options["papers"] if options["papers"] is not None else max(1, round(n_notes * 0.6))
        )
        if n_notes < 1 or n_users < 1 or n_papers < 1:
            raise CommandError("--notes, --users and --papers must be at least 1.")
        if options["readers"] < 0:
            raise CommandError("--readers cannot be negative.")
        if n_notes > n_papers * min(n_users, MAX_NOTES_PER_PAPER):
            raise CommandError(
                f"{n_notes} notes do not fit: a paper has at most one note per user and at "
                f"most {MAX_NOTES_PER_PAPER} here. Add papers or users."
            )
        database = connection.settings_dict["NAME"]
        existing = Note.objects.count()
        if existing and options["if_empty"]:
            self.stdout.write(f"{database} already has {existing} notes; nothing to do.")
            return
        if existing and not options["reset"]:
            raise CommandError(
                f"The database {database!r} already has {existing} notes. Run with --reset to "
                "delete every note, paper and tag (and the generated users) first, or with "
                "--if-empty to keep them."
            )
        sizes = Sizes(
            notes=n_notes,
            users=n_users,
            papers=n_papers,
            readers=options["readers"],
            revisions=options["revisions"],
            templates=options["templates"],
            batch_size=max(100, options["batch_size"]),
        )
        seeder = Seeder(sizes, seed=options["seed"], say=self._say)
        seeder.run(reset=options["reset"])
        self.stdout.write(
            f"Done in {seeder.elapsed():.1f} s ({n_notes / seeder.elapsed():,.0f} notes/s). "
            f"The note with {SPECIAL_REVISIONS:,} revisions is {{{seeder.special}}}: "
            f"/n/{seeder.special}/. "
            f"Generated users log in as {USERNAME_PREFIX}1 … and {READER_PREFIX}1 … with the "
            f"password {USER_PASSWORD!r}."
        )

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

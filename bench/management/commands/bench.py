"""Serve the site with gunicorn in production settings and measure it under load.

    DJANGO_SETTINGS_MODULE=bench.settings python manage.py bench [--requests 1000]
        [--rounds 10] [--concurrency 6] [--workers 3] [--writes 50] [--label TEXT] …

Every kind of page (``bench.workloads``) is measured for an anonymous and a logged-in
reader, warm (one URL again and again) and cold (random URLs from the whole data set), in
rounds: each round requests the floor, then a batch of each page with the floor again
after it, so every page is compared with the floor measured around it at the same moment
(``bench.report``). Then the write mixes (``bench.writes``) run, and the workers' memory is
read. SQL queries per page are counted in this process through Django's test client
(gunicorn does not report them). One table with every figure and target is printed and
written into docs/benchmarks.md.
"""

from __future__ import annotations

import math
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bench import gunicorn_hooks, report, server, workloads, writes
from bench.client import USER_AGENT, LoginFailed, Session
from bench.databases import url_of
from bench.load import Batch, median, run_batch
from bench.seeding import READER_PREFIX, USER_PASSWORD
from notes.models import Note, Paper

QUERY_SAMPLES = 5  # cold URLs of each page whose queries are counted
FLOOR = "/health/"
CACHES = ("warm", "cold")

HEADER = """# Benchmarks

`make bench` measures the site on a generated data set; see the method below. The
results of the latest run are written between the markers.
"""


@dataclass(frozen=True)
class Tagged:
    """A batch and the tag its requests carry in the server's CPU log."""

    batch: Batch
    tag: str


@dataclass
class Measure:
    """One row to measure: a page kind for one reader and cache, and its URLs."""

    number: int
    reader: str
    cache: str
    kind: workloads.PageKind
    urls: list[str]
    queries: int | None = None
    # Each round's batch of this page and the floor batches around it, as tagged batches.
    rounds: list[tuple[Tagged, Tagged, Tagged]] = field(default_factory=list)

    @property
    def group(self) -> str:
        return f"{self.reader} · {self.cache}"

    def tag(self, round_number: int) -> str:
        """What marks this row's requests of a round in the server's CPU log."""
        return f"page {self.number} round {round_number}"

    def urls_of_round(self, number: int, rounds: int) -> list[str]:
        size = math.ceil(len(self.urls) / rounds)
        return self.urls[number * size : (number + 1) * size]


def count_queries(path: str, user: User | None, *, warm: bool) -> tuple[int, int]:
    """SQL queries and status of a GET of ``path`` by ``user`` (None: anonymous), in this
    process; ``warm`` makes one unmeasured request first."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ALLOWED_HOSTS=hosts, SECURE_SSL_REDIRECT=False):
        if warm:
            client.get(path, HTTP_USER_AGENT=USER_AGENT)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_USER_AGENT=USER_AGENT)
    return len(captured), response.status_code


def cpu_by_tag(log: Path) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each tag's requests' CPU milliseconds (worker and database), and the database's part
    of each, from the server's log; requests whose database process could not be read are
    left out."""
    known = {
        tag: [(own, database) for own, database in costs if database is not None]
        for tag, costs in gunicorn_hooks.read_log(log).items()
    }
    return (
        {tag: [own + database for own, database in costs] for tag, costs in known.items()},
        {tag: [database for _, database in costs] for tag, costs in known.items()},
    )


def dataset_size() -> dict[str, int]:
    return {
        "notes": Note.objects.count(),
        "public notes out of the trash": Note.objects.visible_to(AnonymousUser()).count(),
        "papers": Paper.objects.count(),
        "users": User.objects.count(),
        "note history rows": Note.history.model.objects.count(),
    }


def postgres_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


class Command(BaseCommand):
    help = "Serve the site with gunicorn (DEBUG off) and measure it under load."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database-url",
            help="measure this database (default: DATABASE_URL, or the embedded server's)",
        )
        parser.add_argument(
            "--requests", type=int, default=1000, help="per page, reader and cache (1000)"
        )
        parser.add_argument(
            "--rounds", type=int, default=10, help="rounds each page's requests are split in (10)"
        )
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
        parser.add_argument(
            "--concurrency", type=int, default=None, help="client threads (twice the workers)"
        )
        parser.add_argument(
            "--warmup", type=int, default=10, help="unmeasured requests of each warm URL (10)"
        )
        parser.add_argument(
            "--round-warmup",
            type=int,
            default=None,
            help="unmeasured requests of a warm URL before each round's batch "
            "(4 for each reader's session and worker)",
        )
        parser.add_argument(
            "--writes",
            type=int,
            default=50,
            help="writes per writer in each write mix (50; 0: none)",
        )
        parser.add_argument(
            "--readers",
            default=f"{workloads.ANONYMOUS},{workloads.LOGGED_IN}",
            help="which readers, comma separated (anonymous,logged-in)",
        )
        parser.add_argument(
            "--caches", default=",".join(CACHES), help="warm, cold or both (warm,cold)"
        )
        parser.add_argument("--only", default="", help="only pages whose name contains this")
        parser.add_argument("--seed", type=int, default=1, help="random seed of the URLs (1)")
        parser.add_argument(
            "--label", default="", help="a few words on the run, e.g. 'busy: one CPU hog'"
        )
        parser.add_argument(
            "--max-seconds", type=float, default=120.0, help="time limit of one batch (120)"
        )
        parser.add_argument(
            "--output",
            default="docs/benchmarks.md",
            help="Markdown report to update ('-' for none; default docs/benchmarks.md)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["database_url"]
        if url and url != os.environ.get("DATABASE_URL"):
            # Settings are read once per process: measure the other database in a new one.
            self._rerun_with(url, options)
            return
        self.options = options
        workers = options["workers"]
        concurrency = options["concurrency"] or 2 * workers
        if min(options["requests"], options["rounds"], workers, concurrency) < 1:
            raise CommandError("--requests, --rounds, --workers and --concurrency must be ≥ 1.")
        if options["writes"] < 0:
            raise CommandError("--writes cannot be negative.")
        rounds = min(options["rounds"], options["requests"])
        readers = self._names(options["readers"], (workloads.ANONYMOUS, workloads.LOGGED_IN))
        caches = self._names(options["caches"], CACHES)
        database = os.environ.get("DATABASE_URL") or url_of(connection.settings_dict)
        load_before = server.load_average()
        started = datetime.now(UTC)

        self.say("Choosing the pages from the data …")
        try:
            data = workloads.read_data()
        except workloads.NothingToMeasure as exc:
            raise CommandError(str(exc)) from exc
        kinds = workloads.page_kinds(data, warm_phrase=workloads.warm_phrase())
        reader_users = list(User.objects.filter(username__startswith=READER_PREFIX).order_by("pk"))
        if workloads.LOGGED_IN in readers and not reader_users:
            raise CommandError(
                "No reader to log in as: seed the data again (seed_bench makes readers)."
            )
        measures = self._measures(kinds, readers, caches, options)
        self.say(f"Counting queries of {len(measures)} pages in process …")
        for measure in measures:
            user = reader_users[0] if measure.reader == workloads.LOGGED_IN else None
            measure.queries = self._queries(measure, user)
        dataset = dataset_size()

        env = server.production_env(
            dict(os.environ), database_url=database, secret_key=secrets.token_urlsafe(64)
        )
        self.say("Collecting static files for production settings …")
        self._manage(["collectstatic", "--noinput", "-v", "0"], env)
        base = Path(settings.BASE_DIR)
        with server.gunicorn(env, workers, base) as running:
            self.say(f"gunicorn on {running.host}:{running.port}, {workers} workers")
            sessions = self._sessions(running, readers, reader_users, concurrency)
            self.session_counts = {reader: len(of) for reader, of in sessions.items()}
            floors = self._measure_reads(running, measures, sessions, rounds, concurrency)
            mixes = self._writes(running, data, options) if options["writes"] else []
            rss = {pid: server.rss_mb(pid) for pid in server.worker_pids(running.pid)}
            time.sleep(0.5)  # a worker logs a request's CPU time just after answering it
            cpu, database = cpu_by_tag(running.cpu_log)

        floor_cpu = [ms for floor in floors for ms in cpu.get(floor.tag, [])]
        floor_database = [ms for floor in floors for ms in database.get(floor.tag, [])]
        rows = [report.floor_row([floor.batch for floor in floors], floor_cpu, floor_database)]
        for measure in measures:
            rounds_of = [
                report.Round(
                    page.batch,
                    before.batch,
                    after.batch,
                    page_cpu=cpu.get(page.tag, []),
                    floor_cpu=cpu.get(before.tag, []) + cpu.get(after.tag, []),
                    page_database=database.get(page.tag, []),
                )
                for page, before, after in measure.rounds
            ]
            rows.append(
                report.page_row(
                    group=measure.group,
                    name=measure.kind.name,
                    path=measure.urls[0],
                    kind=measure.kind.kind,
                    rounds=rounds_of,
                    queries=measure.queries,
                )
            )
        rows += [
            self._write_row(mix, cpu.get(mix.tag, []), database.get(mix.tag, [])) for mix in mixes
        ]
        rows.append(report.memory_row(rss))
        self._output(rows, options, started, load_before, dataset, concurrency, rounds, workers)

    # -- choosing and counting

    def _names(self, given: str, known: Sequence[str]) -> list[str]:
        names = [name.strip() for name in given.split(",") if name.strip()]
        unknown = sorted(set(names) - set(known))
        if unknown or not names:
            raise CommandError(f"Choose from {', '.join(known)} (got {given!r}).")
        return names

    def _measures(
        self,
        kinds: Sequence[workloads.PageKind],
        readers: Sequence[str],
        caches: Sequence[str],
        options: dict[str, Any],
    ) -> list[Measure]:
        measures = []
        for reader in readers:
            for cache in caches:
                for kind in kinds:
                    if reader not in kind.readers or options["only"] not in kind.name:
                        continue
                    count = options["requests"]
                    urls = (
                        [kind.warm] * count
                        if cache == "warm"
                        else kind.cold_urls(options["seed"], reader, count)
                    )
                    measures.append(Measure(len(measures), reader, cache, kind, urls))
        if not measures:
            raise CommandError("No page matches --only, --readers and --caches.")
        return measures

    def _queries(self, measure: Measure, user: User | None) -> int | None:
        """The most queries one request of the page made: the warm URL after a first
        request, or the first request of each of a few cold URLs."""
        if measure.cache == "warm":
            samples = [(measure.urls[0], True)]
        else:
            samples = [(url, False) for url in measure.urls[:QUERY_SAMPLES]]
        counted = [count_queries(url, user, warm=warm) for url, warm in samples]
        found = [n for n, status in counted if status < 400]
        return max(found) if found else None

    # -- measuring

    def _sessions(
        self,
        running: server.Server,
        readers: Sequence[str],
        users: Sequence[User],
        concurrency: int,
    ) -> dict[str, list[Session]]:
        sessions = {workloads.ANONYMOUS: [Session(running.host, running.port)]}
        if workloads.LOGGED_IN in readers:
            names = [user.username for user in users[:concurrency]]
            self.say(f"Logging in {len(names)} readers through the login form …")
            try:
                sessions[workloads.LOGGED_IN] = writes.log_in(running.host, running.port, names)
            except LoginFailed as exc:
                raise CommandError(f"{exc} Their password is {USER_PASSWORD!r}.") from exc
        return sessions

    def _measure_reads(
        self,
        running: server.Server,
        measures: Sequence[Measure],
        sessions: dict[str, list[Session]],
        rounds: int,
        concurrency: int,
    ) -> list[Tagged]:
        """Warm up, then the rounds: floor, page, floor, page, …; returns the floor batches."""
        options = self.options
        limit = options["max_seconds"]
        anonymous = sessions[workloads.ANONYMOUS]
        per_batch = math.ceil(options["requests"] / rounds)
        floors: list[Tagged] = []

        def floor() -> Tagged:
            tag = f"floor {len(floors)}"
            batch = run_batch(
                anonymous, [FLOOR] * per_batch, concurrency=concurrency, max_seconds=limit, tag=tag
            )
            floors.append(Tagged(batch, tag))
            return floors[-1]

        self.say("Warming up the server and the warm pages …")
        run_batch(anonymous, [FLOOR] * 10 * concurrency, concurrency=concurrency)
        for measure in measures:
            if measure.cache == "warm":
                run_batch(
                    sessions[measure.reader],
                    [measure.urls[0]] * options["warmup"],
                    concurrency=concurrency,
                    max_seconds=limit,
                )
        # Between two batches of a warm page come those of every other page, whose cold
        # pieces push a warm page's out of each worker's cache: a few requests first bring
        # them back to every worker, so that a warm batch is what the row says it is.
        for number in range(rounds):
            self.say(f"Round {number + 1} of {rounds} ({len(measures)} pages) …")
            before = floor()
            for measure in measures:
                again = self._round_warmup(len(sessions[measure.reader]))
                if measure.cache == "warm" and again:
                    run_batch(
                        sessions[measure.reader],
                        [measure.urls[0]] * again,
                        concurrency=concurrency,
                        max_seconds=limit,
                    )
                tag = measure.tag(number)
                batch = run_batch(
                    sessions[measure.reader],
                    measure.urls_of_round(number, rounds),
                    concurrency=concurrency,
                    max_seconds=limit,
                    tag=tag,
                )
                after = floor()
                measure.rounds.append((Tagged(batch, tag), before, after))
                before = after
        return floors

    def _round_warmup(self, sessions: int) -> int:
        """Unmeasured requests of a warm URL before each round's batch: by default four for
        each pair of a reader's session and a worker (each logged-in reader's page is
        cached apart, in each worker), so that hardly one pair is left cold."""
        chosen = self.options["round_warmup"]
        return 4 * sessions * self.options["workers"] if chosen is None else chosen

    def _warmups_said(self) -> str:
        counts = getattr(self, "session_counts", {})
        return " or ".join(
            f"{self._round_warmup(count)} ({reader}, {count} session{'s' * (count != 1)})"
            for reader, count in counts.items()
        )

    def _writes(
        self, running: server.Server, data: workloads.Data, options: dict[str, Any]
    ) -> list[writes.Mix]:
        count = options["writes"]
        rng = random.Random(f"{options['seed']}:writes")  # noqa: S311 - a workload
        run = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        host, port = running.host, running.port
        try:
            people = writes.choose_writers(rng, 8)
            cast = writes.contention_cast(rng, 16)
        except ValueError as exc:
            self.say(f"No write mixes: {exc}")
            return []
        self.say("Logging in the writers through the login form …")
        sessions = writes.log_in(host, port, [u.username for u in people])
        writers = [writes.Writer(s, u.pk) for s, u in zip(sessions, people, strict=True)]
        posters = writes.log_in(host, port, [u.username for u in cast.posters])
        (owner,) = writes.log_in(host, port, [cast.owner.username])
        public = data.notes_with_authors()
        mixes: list[tuple[str, Callable[[], writes.Mix]]] = [
            ("note saves", lambda: writes.note_saves(writers, count, run)),
            (
                "comments",
                lambda: writes.comments(writers, count, [pk for pk, _ in public], rng, run),
            ),
            ("ratings", lambda: writes.ratings(writers, count, data.papers, rng, run)),
            ("votes", lambda: writes.votes(writers, count, public, rng)),
            (
                "contention",
                lambda: writes.contention(cast, owner, posters, max(3, count // 10), run),
            ),
        ]
        done = []
        for label, mix in mixes:
            self.say(f"Writes: {label} …")
            done.append(mix())
        return done

    def _write_row(self, mix: writes.Mix, cpu: list[float], database: list[float]) -> report.Row:
        limits: dict[str, tuple[float | None, float | None]] = {
            "note save": (report.SAVE_P95_LIMIT_MS, report.SAVES_PER_SECOND),
            "comment post": (report.COMMENT_P95_LIMIT_MS, None),
            "rating": (report.REACTION_P95_LIMIT_MS, None),
            "vote": (report.REACTION_P95_LIMIT_MS, None),
        }
        p95_limit, rate_limit = next(
            (limit for prefix, limit in limits.items() if mix.name.startswith(prefix)),
            (None, None),
        )
        return report.write_row(
            name=mix.name,
            path=mix.example,
            batch=mix.batch,
            acknowledged=mix.acknowledged,
            lost=mix.lost,
            rate=mix.rate,
            p95_limit=p95_limit,
            rate_limit=rate_limit,
            cpu=cpu,
            database=database,
        )

    # -- reporting

    def _output(
        self,
        rows: list[report.Row],
        options: dict[str, Any],
        started: datetime,
        load_before: tuple[float, float, float] | None,
        dataset: dict[str, int],
        concurrency: int,
        rounds: int,
        workers: int,
    ) -> None:
        load_after = server.load_average()
        load = (
            f"{load_before[0]:.2f} → {load_after[0]:.2f}"
            if load_before and load_after
            else "unknown"
        )
        when = started.strftime("%Y-%m-%d %H:%M UTC")
        output = options["output"]
        figures_path = None
        if output != "-":
            target = Path(output)
            report_path = target if target.is_absolute() else Path(settings.BASE_DIR) / target
            figures_path = report_path.with_suffix(".json")
            smaller = report.save_figures(figures_path, dataset["notes"], rows)
            if smaller:
                current = {row.key: {"ratio": row.ratio or 0.0} for row in rows}
                rows += report.growth_rows(
                    current, smaller["rows"], notes=dataset["notes"], smaller_notes=smaller["notes"]
                )
        self.say("")
        self.say(report.console_table(rows))
        self.say("")
        self.say(report.summary(rows))
        if output == "-":
            return
        machine = report.machine_info()
        counts = ", ".join(f"{n:,} {what}" for what, n in dataset.items())
        floor_p95 = median([r.p95 for r in rows if r.group == "floor" and r.p95] or [0.0])
        context = [
            ("Label", options["label"] or "—"),
            (
                "Machine",
                f"{machine['cpus']} CPUs ({machine['cpu']}), {machine['memory']} RAM, "
                f"{machine['os']}, Python {machine['python']}",
            ),
            ("Load average (1 min) at start → end", load),
            (
                "Database",
                f"PostgreSQL {postgres_version()}, database `{connection.settings_dict['NAME']}`",
            ),
            ("Dataset", counts),
            (
                "Server",
                f"gunicorn {server.gunicorn_version()}, {workers} sync workers, `DEBUG=0`, "
                f"on {server.HOST} (loopback)",
            ),
            (
                "Client",
                f"{concurrency} threads; {options['requests']} requests per page, reader and "
                f"cache in {rounds} rounds, each page batch between two floor batches of "
                f"the same size; {options['warmup']} unmeasured requests of each warm URL "
                f"first and, before each of its rounds, {self._warmups_said()}; URLs "
                f"drawn with seed {options['seed']}; a new connection per request, with a "
                f"browser's User-Agent; {options['writes']} writes per writer",
            ),
        ]
        section = report.results_section(when=when, context=context, rows=rows)
        line = report.run_line(
            when=when,
            notes=dataset["notes"],
            label=options["label"],
            load=load,
            floor_p95=floor_p95,
            rows=rows,
        )
        report.write_report(report_path, section, HEADER, line)
        self.say(f"Wrote {report_path} and {figures_path}")

    # -- processes

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _manage(self, arguments: list[str], env: dict[str, str]) -> None:
        manage = Path(settings.BASE_DIR) / "manage.py"
        result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, str(manage), *arguments], env=env, cwd=settings.BASE_DIR
        )
        if result.returncode:
            raise CommandError(f"manage.py {' '.join(arguments)} failed ({result.returncode}).")

    def _rerun_with(self, url: str, options: dict[str, Any]) -> None:
        env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.settings")
        arguments = ["bench"]
        names = ("requests", "rounds", "workers", "warmup", "writes", "readers", "caches")
        if options["round_warmup"] is not None:
            names += ("round_warmup",)
        names += ("only", "seed", "label", "max_seconds", "output")
        for name in names:
            arguments += [f"--{name.replace('_', '-')}", str(options[name])]
        if options["concurrency"]:
            arguments += ["--concurrency", str(options["concurrency"])]
        self._manage(arguments, env)

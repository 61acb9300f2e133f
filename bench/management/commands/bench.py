"""Serve the site with gunicorn in production settings and measure its pages under load.

    python manage.py bench [--database-url URL] [--requests 200] [--concurrency 2]
                           [--workers 3] [--output docs/benchmarks.md]

For each endpoint (see ``endpoints``) it reports requests per second, p50/p95/p99 latency
and the SQL queries one request makes, beside a floor: a minimal page with one indexed
query and a tiny template. Every page's p95 is also given as a multiple of the floor's, so
the result says how much work a page adds on top of what any request costs on this machine.
Queries are counted in this process through Django's test client (gunicorn does not report
them); the timings come from gunicorn over loopback. The run is bounded: a fixed number of
requests per endpoint and at most ``--max-seconds`` each.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bench import benchmarking as bm
from notes.models import Note, Paper, Visibility

HOST = "127.0.0.1"
PAGE_SIZE = 20  # notes per index page
DEEP_PAGE = 4000
COMMON_WORD, RARE_WORD = "network", "quasicrystal"
# A few English stop words: a phrase of content words is the interesting case.
STOP_WORDS = frozenset(
    {"the", "of", "and", "in", "to", "is", "for", "with", "that", "this", "from"}
)

HEADER = """# Benchmarks

`make bench` measures the site's read pages on a generated data set of 100,000 notes. It
creates (once) a separate database, `papernotes_bench`, on the embedded PostgreSQL server
(or uses `DATABASE_URL` as it is when that is set), fills it with
`manage.py seed_bench`, then runs `manage.py bench`, which serves the site with gunicorn in
production settings (`DEBUG=0`) on 127.0.0.1 and loads one page after another.

Every request is anonymous and opens a new connection. The floor, `/health/`, is a page
with one indexed query and a tiny template: what any request costs on this machine. Each
page's p95 is compared with the floor's, so the ratio shows what the page itself adds.
Queries per request are counted in the bench process with Django's test client.
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _visible() -> Any:
    return Note.objects.visible_to(AnonymousUser())


def find_phrase(texts: list[str]) -> str:
    """The most frequent pair of adjacent words (four letters or more) in ``texts``."""
    pairs: Counter[tuple[str, str]] = Counter()
    for text in texts:
        words = re.findall(r"[a-z]+|[^a-z\s]+", text.lower())
        for a, b in itertools.pairwise(words):
            if a != b and all(len(w) >= 4 and w.isalpha() and w not in STOP_WORDS for w in (a, b)):
                pairs[a, b] += 1
    if not pairs:
        return "neural network"
    (a, b), _ = pairs.most_common(1)[0]
    return f"{a} {b}"


def endpoints() -> list[bm.Endpoint]:
    """The pages to measure, with ids and words taken from the database."""
    visible = _visible()
    public = visible.count()
    if not public:
        raise CommandError(
            "There are no public notes to measure. Fill the database first: "
            "`python manage.py seed_bench --notes 100000`."
        )
    pages = -(-public // PAGE_SIZE)
    deep = DEEP_PAGE if pages > DEEP_PAGE else max(1, pages - 5)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tag FROM notes_note, unnest(tag_names) AS tag "
            "WHERE visibility = %s AND deleted_at IS NULL "
            "GROUP BY tag ORDER BY count(*) DESC, tag LIMIT 2",
            [Visibility.PUBLIC],
        )
        top_tags = [row[0] for row in cursor.fetchall()]
    first_tag = top_tags[0] if top_tags else "physics"
    second_tag = top_tags[1] if len(top_tags) > 1 else first_tag

    note = (
        visible.filter(revision=199).order_by("pk").first()
        or visible.order_by("-revision", "pk").first()
    )
    paper = (
        Paper.objects.annotate(
            summaries=Count(
                "notes",
                filter=Q(notes__visibility=Visibility.PUBLIC, notes__deleted_at__isnull=True),
            )
        )
        .order_by("-summaries", "pk")
        .only("pk")
        .first()
    )
    if note is None or paper is None:
        raise CommandError("There is no public note or no paper to measure.")
    texts = list(visible.order_by("-modified", "-id").values_list("body_text", flat=True)[:300])
    phrase = find_phrase(texts)
    tag_path = quote(first_tag, safe="")

    return [
        bm.Endpoint("floor", "/health/", kind="floor"),
        bm.Endpoint("index, page 1", "/"),
        bm.Endpoint(f"index, page {deep}", f"/?page={deep}"),
        bm.Endpoint(f"tag {first_tag}", f"/tags/{tag_path}/"),
        bm.Endpoint(
            f"tags {first_tag} + {second_tag}",
            "/?" + urlencode([("tag", first_tag), ("tag", second_tag)]),
        ),
        bm.Endpoint(f"search: {COMMON_WORD}", f"/search/?q={COMMON_WORD}", kind="search"),
        bm.Endpoint(f"search: {RARE_WORD}", f"/search/?q={RARE_WORD}", kind="search"),
        bm.Endpoint(
            f'search: "{phrase}"', "/search/?" + urlencode({"q": f'"{phrase}"'}), kind="search"
        ),
        bm.Endpoint(f"note ({note.revision + 1} revisions)", f"/n/{note.pk}/"),
        bm.Endpoint("its history", f"/n/{note.pk}/history/"),
        bm.Endpoint(f"diff 0 → {note.revision}", f"/n/{note.pk}/diff/0/{note.revision}/"),
        bm.Endpoint(f"paper ({paper.summaries} summaries)", f"/papers/{paper.pk}/"),
        bm.Endpoint("tag autocomplete", "/tags/autocomplete/?" + urlencode({"q": first_tag[:3]})),
        bm.Endpoint("feed", "/feeds/notes/"),
    ]


def count_queries(path: str) -> tuple[int | None, int]:
    """SQL queries and status of an anonymous GET of ``path``, after one warm-up request."""
    client = Client(raise_request_exception=False)
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ALLOWED_HOSTS=hosts, SECURE_SSL_REDIRECT=False):
        client.get(path, HTTP_USER_AGENT=bm.USER_AGENT)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_USER_AGENT=bm.USER_AGENT)
    return len(captured), response.status_code


def dataset_size() -> dict[str, int]:
    return {
        "notes": Note.objects.count(),
        "public notes out of the trash": _visible().count(),
        "papers": Paper.objects.count(),
        "users": User.objects.count(),
        "note history rows": Note.history.model.objects.count(),
    }


def postgres_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


class Command(BaseCommand):
    help = "Serve the site with gunicorn (DEBUG off) and measure its pages under load."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database-url",
            help="measure this database (default: DATABASE_URL, or the embedded server's)",
        )
        parser.add_argument("--requests", type=int, default=200, help="per endpoint (200)")
        parser.add_argument("--concurrency", type=int, default=2, help="client threads (2)")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
        parser.add_argument(
            "--warmup", type=int, default=10, help="unmeasured requests per endpoint (10)"
        )
        parser.add_argument(
            "--max-seconds", type=float, default=60.0, help="time limit per endpoint (60)"
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
        if options["requests"] < 1 or options["concurrency"] < 1 or options["workers"] < 1:
            raise CommandError("--requests, --concurrency and --workers must be at least 1.")
        database_url = os.environ.get("DATABASE_URL") or bm.database_url(connection.settings_dict)

        self.stdout.write("Choosing the pages from the data …")
        chosen = endpoints()
        dataset = dataset_size()
        queries = {}
        for endpoint in chosen:
            queries[endpoint.path] = count_queries(endpoint.path)

        env = self._production_env(database_url)
        self.stdout.write("Collecting static files for production settings …")
        self._manage(["collectstatic", "--noinput", "-v", "0"], env)
        measurements = []
        with self._gunicorn(env, options["workers"]) as port:
            for endpoint in chosen:
                measurements.append(self._measure(endpoint, port, queries, options))
        bm.evaluate(measurements)

        self.stdout.write("")
        self.stdout.write(bm.console_table(measurements))
        self.stdout.write("")
        self.stdout.write(bm.summary(measurements))
        if options["output"] != "-":
            section = bm.results_section(
                when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                machine=bm.machine_info(),
                database=f"PostgreSQL {postgres_version()}, "
                f"database `{connection.settings_dict['NAME']}`",
                dataset=dataset,
                server=f"gunicorn {self._gunicorn_version()}, {options['workers']} sync "
                f"workers, `DEBUG=0`, on {HOST} (loopback)",
                client=f"{options['concurrency']} threads, {options['requests']} requests per "
                f"endpoint after {options['warmup']} unmeasured ones, a new connection per "
                "request, anonymous, with a browser's User-Agent",
                measurements=measurements,
            )
            output = Path(options["output"])
            if not output.is_absolute():
                output = Path(settings.BASE_DIR) / output
            bm.write_report(output, section, HEADER)
            self.stdout.write(f"Wrote {output}")

    # -- pieces

    def _measure(
        self,
        endpoint: bm.Endpoint,
        port: int,
        queries: dict[str, tuple[int | None, int]],
        options: dict[str, Any],
    ) -> bm.Measurement:
        count, _ = queries[endpoint.path]
        status = bm.probe(HOST, port, endpoint.path)
        self.stdout.write(f"{endpoint.name}: {endpoint.path} → {status}")
        self.stdout.flush()
        if status != "200":
            return bm.measure(endpoint, None, status, count)
        bm.run_load(
            HOST,
            port,
            endpoint.path,
            requests=options["warmup"],
            concurrency=options["concurrency"],
            max_seconds=options["max_seconds"],
        )
        load = bm.run_load(
            HOST,
            port,
            endpoint.path,
            requests=options["requests"],
            concurrency=options["concurrency"],
            max_seconds=options["max_seconds"],
        )
        return bm.measure(endpoint, load, status, count)

    def _production_env(self, database_url: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "ALLOWED_HOSTS": HOST,
                "SECURE_SSL_REDIRECT": "0",
                "DATABASE_URL": database_url,
                # The site as deployed: without the bench app.
                "DJANGO_SETTINGS_MODULE": "papernotes.settings",
            }
        )
        return env

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
        for name in ("requests", "concurrency", "workers", "warmup", "max_seconds", "output"):
            arguments += [f"--{name.replace('_', '-')}", str(options[name])]
        self._manage(arguments, env)

    def _gunicorn_version(self) -> str:
        from gunicorn import __version__

        return __version__

    @contextmanager
    def _gunicorn(self, env: dict[str, str], workers: int) -> Iterator[int]:
        """A gunicorn server on a free loopback port, stopped on the way out."""
        executable = Path(sys.executable).with_name("gunicorn")
        program = str(executable) if executable.exists() else shutil.which("gunicorn")
        if program is None:
            raise CommandError("gunicorn is not installed: `pip install -r requirements.txt`.")
        port = _free_port()
        with tempfile.NamedTemporaryFile("w+", suffix=".log", prefix="bench-gunicorn-") as log:
            command = [
                program,
                "papernotes.wsgi",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "--error-logfile",
                log.name,
                "--log-level",
                "warning",
            ]
            self.stdout.write(f"Starting {' '.join(command[1:])}")
            server = subprocess.Popen(  # noqa: S603 - gunicorn from this environment
                command, env=env, cwd=settings.BASE_DIR, stdin=subprocess.DEVNULL
            )
            try:
                self._wait_until_up(server, port, Path(log.name))
                yield port
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()

    def _wait_until_up(self, server: subprocess.Popen[bytes], port: int, log: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn stopped (exit {server.returncode}):\n{_tail(log)}")
            if bm.probe(HOST, port, "/health/", timeout=5).isdigit():
                return  # it answers; whether with 200 is for the measurement to report
            time.sleep(0.25)
        raise CommandError(f"gunicorn did not answer within 60 s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"

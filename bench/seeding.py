"""Loading the benchmark's data set into PostgreSQL, fast enough for a million notes.

Users, papers, notes, every note's revisions (history rows), taggit rows, ``{N}``
references, the readers the benchmark logs in as (with what they follow and their
notifications), the search data and the stored counts are written inside one
transaction: a run either loads everything or nothing.

What makes it fast (1,000,000 notes in well under 20 minutes on two cores):

- rows go in with COPY, in batches that a thread generates while PostgreSQL loads the
  previous one, so Python and the database work at the same time;
- the tables' secondary indexes are dropped for the load and built again at the end
  (one sorted build is several times cheaper than a million insertions into each);
- a note is written once, with its search data: the batch is copied into a temporary
  table and inserted from there with what ``notes.selectors.search`` builds, instead of being
  inserted and then updated (which writes every row twice);
- large values are compressed with lz4 where the server has it (pglz, the default, costs
  more CPU than everything else together); pages read either the same way;
- the data is committed, then ``VACUUM ANALYZE`` sets the visibility map (index-only
  scans) and the planner's statistics, so the benchmark never meets autovacuum at work.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from taggit.models import Tag

from accounts.models import User
from bench.corpus import (
    AFFILIATIONS,
    EDIT_MESSAGES,
    FIRST_NAMES,
    LAST_NAMES,
    VENUES,
    Corpus,
    assemble,
    poisson,
    references,
    zipf_cum_weights,
)
from notes.caching import public_counts, public_tagged
from notes.models import (
    Delivery,
    Follow,
    Generation,
    Note,
    NoteReference,
    Notification,
    NotificationKind,
    Paper,
    TaggedNote,
    Visibility,
)
from notes.selectors import search
from notes.services.notes import note_href

USERNAME_PREFIX = "bench_"
READER_PREFIX = f"{USERNAME_PREFIX}reader_"
USER_PASSWORD = "bench-password"  # noqa: S105 - documented password of generated accounts
SPECIAL_REVISIONS = 1000  # one public note's, for the history, revision and diff pages
MAX_NOTES_PER_PAPER = 25
PRIVATE_SHARE, TRASH_SHARE = 0.10, 0.01
# What each reader the benchmark logs in as follows (of each kind) and has been told.
READER_FOLLOWS = 50
READER_NOTIFICATIONS = 500
READER_UNREAD = 100
# Note events only: notifications about a comment would need the comments too.
READER_NOTIFICATION_KINDS = (
    NotificationKind.FOLLOWED_TAG,
    NotificationKind.FOLLOWED_USER,
    NotificationKind.FOLLOWED_PAPER,
    NotificationKind.PAPER_SUMMARY,
    NotificationKind.MENTION,
)
# The tables whose secondary indexes are built after the load instead of during it.
BULK_TABLES = (
    Note,
    Note.history.model,
    Paper,
    Paper.history.model,
    TaggedNote,
    NoteReference,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    notes: int
    users: int
    papers: int
    readers: int
    revisions: float = 2.0
    templates: int = 300
    batch_size: int = 2000


# ----------------------------------------------------------------------------- loading


def copy_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    table: str | None = None,
    freeze: bool = False,
) -> int:
    """COPY ``rows`` into ``model``'s table (or ``table``, shaped like it); columns not
    given get the field's default. ``freeze`` writes them frozen and visible to all (for
    a table emptied in this transaction), so that no VACUUM has to visit them again.

    Filling the other columns from the model keeps the loader working when a field is
    added to the model later.
    """
    by_column = {f.column: f for f in model._meta.concrete_fields}
    unknown = set(columns) - set(by_column)
    if unknown:
        raise CommandError(f"{model._meta.db_table} has no column(s) {sorted(unknown)}")
    now = timezone.now()
    extra_columns, extra_values = [], []
    for column, model_field in by_column.items():
        if column in columns:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value: Any = now
        else:
            value = model_field.get_db_prep_save(model_field.get_default(), connection)
        extra_columns.append(column)
        extra_values.append(value)
    names = ", ".join(connection.ops.quote_name(c) for c in [*columns, *extra_columns])
    target = connection.ops.quote_name(table or model._meta.db_table)
    sql = f"COPY {target} ({names}) FROM STDIN{' WITH (FREEZE)' if freeze else ''}"
    count = 0
    tail = tuple(extra_values)
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *tail))
            count += 1
    return count


def next_id(model: type[models.Model], *also: tuple[type[models.Model], str]) -> int:
    """The first free primary key, also above ids still referenced in ``also`` tables."""
    # Table and column names come from the models, never from input.
    queries = [f"SELECT max({model._meta.pk.column}) FROM {model._meta.db_table}"]  # noqa: S608
    queries += [f"SELECT max({c}) FROM {m._meta.db_table}" for m, c in also]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT greatest(({'), ('.join(queries)}))")
        (top,) = cursor.fetchone()
    return (top or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(statement)


def prefetched(items: Iterator[T]) -> Iterator[T]:
    """``items``, produced in a thread one step ahead of the consumer.

    Generating a batch (Python) and loading the previous one (the database server) then
    run at the same time, on different cores.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(next, items, None)
        while (item := future.result()) is not None:
            future = pool.submit(next, items, None)
            yield item


def secondary_indexes(tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``tables`` that no constraint owns."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index AS i JOIN pg_class AS t ON t.oid = i.indrelid "
            "JOIN pg_namespace AS s ON s.oid = t.relnamespace "
            "WHERE t.relname = ANY(%s) AND s.nspname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c "
            "                WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) "
            "ORDER BY 1",
            [list(tables)],
        )
        return cursor.fetchall()


def drop_indexes(tables: Sequence[str]) -> list[tuple[str, str]]:
    """Drop the secondary indexes of ``tables``; return them, to be built again.

    Only inside a transaction: should anything fail, the drops are rolled back with the
    rest.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("indexes are dropped only inside a transaction")
    found = secondary_indexes(tables)
    with connection.cursor() as cursor:
        for name, _ in found:
            cursor.execute(f"DROP INDEX {name}")  # names from the catalog
    return found


def build_indexes(indexes: Sequence[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        # Deferred foreign-key checks of the rows loaded (when they were not skipped) must
        # run before an index of their table can be built.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds used by process ``pid`` of this machine (0 when it is not one)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # utime and stime, the 14th and 15th fields (counted from the process id).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def try_setting(statement: str) -> bool:
    """Run a ``SET LOCAL …`` the server may refuse (an option it lacks, a privilege)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except DatabaseError:
        return False
    return True


@dataclass
class Batch:
    notes: list[tuple[Any, ...]] = field(default_factory=list)
    history: list[tuple[Any, ...]] = field(default_factory=list)
    tagged: list[tuple[Any, ...]] = field(default_factory=list)
    references: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Plan:
    """Who writes about what: one (paper, author) pair per note, in note-number order."""

    pairs: list[tuple[int, int]]
    created: list[datetime]


# The note's columns in the order _note builds them; history rows share the first twelve.
NOTE_COLUMNS = [
    "id",
    "paper_id",
    "author_id",
    "body",
    "body_html",
    "body_text",
    "body_size",
    "tag_names",
    "visibility",
    "revision",
    "edit_message",
    "created",
    "modified",
    "deleted_at",
]
HISTORY_COLUMNS = [
    *NOTE_COLUMNS[:13],
    "history_date",
    "history_type",
    "history_user_id",
    "history_change_reason",
]
# Unlogged tables for the notes on their way in: PostgreSQL's parallel workers can read
# them (not temporary ones), and they are dropped before the transaction ends.
STAGING_TABLE = "bench_note_staging"
DOCUMENTS_TABLE = "bench_note_documents"
PAIRS_TABLE = "bench_note_pairs"


class Seeder:
    """Generates and loads one data set; ``say`` reports progress."""

    def __init__(self, sizes: Sizes, *, seed: int, say: Callable[[str], None]) -> None:
        self.sizes = sizes
        self.rng = random.Random(seed)  # noqa: S311 - reproducible data
        self.say = say
        self.started = time.perf_counter()
        self.public_notes: list[tuple[int, int]] = []  # (note, author), for the readers
        self.special = 0

    def run(self, *, reset: bool) -> None:
        sizes = self.sizes
        with transaction.atomic():
            self._tune()
            self.fresh = reset or self._is_empty()
            if self.fresh:
                self.phase("empty the tables", self._empty_tables)
            tables = [model._meta.db_table for model in BULK_TABLES]
            dropped = drop_indexes(tables)
            self.say(f"  {len(dropped)} indexes dropped, to be built after the load")
            corpus = self.phase(
                f"render {sizes.templates} blocks",
                lambda: Corpus(self.rng, templates=sizes.templates, note_href=note_href),
            )
            now = timezone.now().replace(second=0, microsecond=0)
            users = self.phase(f"{sizes.users} users", lambda: self._users(sizes.users, now))
            papers = self.phase(
                f"{sizes.papers} papers", lambda: self._papers(corpus, sizes.papers, users, now)
            )
            plan = self._plan(sizes.notes, papers, users, now)
            self.special = self.phase(
                f"{sizes.notes} notes with history, tags and references",
                lambda: self._notes(corpus, plan, now),
            )
            self.phase("search data (notes.selectors.search)", self._search_data)
            self.phase(f"build {len(dropped)} indexes", lambda: build_indexes(dropped))
            if self.triggers_skipped:
                self._triggers_again()
            self.phase(
                f"{sizes.readers} readers with follows and notifications",
                lambda: self._readers(corpus, users, papers, now),
            )
            self.phase("public counts (notes.caching.public_counts.rebuild)", public_counts.rebuild)
            self.phase("tag rows (notes.caching.public_tagged.rebuild)", public_tagged.rebuild)
            commit_started = time.perf_counter()
        self.say(f"  commit: {time.perf_counter() - commit_started:.1f} s")
        self.phase("vacuum analyze", self._vacuum)

    def _tune(self) -> None:
        """Settings of this transaction that make a bulk load cheaper."""
        if try_setting("SET LOCAL default_toast_compression = 'lz4'"):
            self.say("  large values compressed with lz4")
        # The generator makes every reference right (the tests check it); checking a few
        # million foreign keys one row at a time costs minutes. Only a superuser may skip
        # them, and the triggers with them.
        self.triggers_skipped = try_setting("SET LOCAL session_replication_role = replica")
        if self.triggers_skipped:
            self.say("  foreign keys and triggers skipped during the load")
        with connection.cursor() as cursor:
            # Index builds sort in memory; nothing waits for this commit's flush. A load
            # rightly runs and waits longer than a page may (the site's timeouts).
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL lock_timeout = 0")

    def _triggers_again(self) -> None:
        """Turn triggers back on, and fire those the load skipped once: the database's
        triggers tell caches when public data changes (notes.caching.generations), and a
        statement's triggers fire whether or not it changes a row."""
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
            cursor.execute(f"DELETE FROM {Note._meta.db_table} WHERE false")  # noqa: S608

    def _is_empty(self) -> bool:
        """Whether there is nothing of the notes app and no tag yet (a new database)."""
        return not (Paper.objects.exists() or Note.objects.exists() or Tag.objects.exists())

    def phase(self, label: str, work: Callable[[], T]) -> T:
        start, cpu = time.perf_counter(), self.cpu_seconds()
        self.say(f"{label} …")
        result = work()
        used = self.cpu_seconds()
        self.say(
            f"  {label}: {time.perf_counter() - start:.1f} s "
            f"(CPU: this process {used[0] - cpu[0]:.1f} s, database {used[1] - cpu[1]:.1f} s)"
        )
        return result

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU seconds used so far by this process and by its database server process.

        On a busy machine, elapsed time says little about a quiet one; CPU time does. The
        server's is read from /proc when it runs on this machine (else 0).
        """
        if not hasattr(self, "_backend"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self._backend = cursor.fetchone()[0]
        return time.process_time(), process_cpu_seconds(self._backend)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def _vacuum(self) -> None:
        """VACUUM ANALYZE, so that index-only scans work and the planner knows the data.

        VACUUM cannot run inside a transaction (a test, or a caller's ``atomic``); there only
        ANALYZE runs.
        """
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                self.say("  inside a transaction: VACUUM skipped, ANALYZE only")
                cursor.execute("ANALYZE")
            else:
                cursor.execute("SET statement_timeout = 0")
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("RESET statement_timeout")

    # -- phases

    def _empty_tables(self) -> None:
        """Empty every table of the notes app and taggit (with --reset, or in a new
        database): rows then go in frozen (see ``copy_rows``)."""
        database = connection.settings_dict["NAME"]
        self.say(f"  deleting every note, paper and tag in {database!r}")
        # Not the public generation: its number only ever goes up (notes.caching.generations).
        models_ = [m for m in apps.get_app_config("notes").get_models() if m is not Generation]
        tables = [m._meta.db_table for m in models_]
        tables += [m._meta.db_table for m in apps.get_app_config("taggit").get_models()]
        quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
        with connection.cursor() as cursor:
            # Rows written earlier in the same transaction leave deferred foreign-key checks
            # pending, and TRUNCATE refuses to run while any are.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        User.objects.filter(username__startswith=USERNAME_PREFIX).delete()

    def _users(self, count: int, now: datetime) -> list[int]:
        User.objects.filter(username__startswith=USERNAME_PREFIX).delete()
        first = next_id(User)
        rows = [self._user_row(first + i, f"{USERNAME_PREFIX}{i + 1}", now) for i in range(count)]
        self._copy_users(rows)
        return [first + i for i in range(count)]

    def _user_row(self, pk: int, username: str, now: datetime) -> tuple[Any, ...]:
        rng = self.rng
        given, family = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        return (
            pk,
            self._password,
            username,
            f"{username}@example.org",
            f"{given} {family}",
            rng.choice(AFFILIATIONS),
            now - timedelta(days=6 * 365 + rng.randrange(365)),
            False,
            False,
            True,
        )

    @property
    def _password(self) -> str:
        # Hashed once and shared: hashing is slow on purpose.
        if not hasattr(self, "_hashed_password"):
            self._hashed_password = make_password(USER_PASSWORD)
        return self._hashed_password

    def _copy_users(self, rows: list[tuple[Any, ...]]) -> None:
        columns = ["id", "password", "username", "email", "display_name", "affiliation"]
        columns += ["date_joined", "is_superuser", "is_staff", "is_active"]
        copy_rows(User, columns, rows)
        reset_sequences(User)

    def _papers(self, corpus: Corpus, count: int, users: list[int], now: datetime) -> list[int]:
        rng = self.rng
        first = next_id(Paper, (Paper.history.model, "id"))
        rows = []
        history = []
        history_first = next_id(Paper.history.model)
        for i in range(count):
            pk = first + i
            year = max(1950, 2025 - int(rng.expovariate(1 / 9)))
            authors = ", ".join(
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                for _ in range(rng.randint(1, 8))
            )
            abstract = (
                " ".join(corpus.sentence() for _ in range(rng.randint(3, 6)))
                if rng.random() < 0.6
                else ""
            )
            created = now - timedelta(days=5 * 365 + 30, minutes=rng.randrange(365 * 24 * 60))
            creator = rng.choice(users)
            values = (
                pk,
                corpus.title(),
                authors,
                year,
                rng.choice(VENUES),
                abstract,
                f"https://example.org/papers/{pk}" if rng.random() < 0.3 else "",
                f"10.{5000 + pk % 4000}/bench.{pk}" if rng.random() < 0.6 else None,
                f"{1501 + pk // 100_000:04d}.{pk % 100_000:05d}" if rng.random() < 0.3 else None,
                str(30_000_000 + pk) if rng.random() < 0.2 else None,
                created,
                created,
                creator,
            )
            rows.append(values)
            history.append((*values, history_first + i, created, "+", creator, None))
        columns = [
            "id",
            "title",
            "authors",
            "year",
            "venue",
            "abstract",
            "url",
            "doi",
            "arxiv_id",
            "pmid",
            "created",
            "modified",
            "created_by_id",
        ]
        copy_rows(Paper, columns, rows, freeze=self.fresh)
        copy_rows(
            Paper.history.model,
            [
                *columns,
                "history_id",
                "history_date",
                "history_type",
                "history_user_id",
                "history_change_reason",
            ],
            history,
            freeze=self.fresh,
        )
        reset_sequences(Paper, Paper.history.model)
        return [first + i for i in range(count)]

    def _plan(self, n_notes: int, papers: list[int], users: list[int], now: datetime) -> Plan:
        """Notes per paper and per user both follow a Zipf-like law (capped per paper)."""
        rng = self.rng
        cap = min(len(users), MAX_NOTES_PER_PAPER)
        ranked = list(papers)
        rng.shuffle(ranked)
        counts = dict.fromkeys(ranked[: min(n_notes, len(ranked))], 1)
        extra = n_notes - len(counts)
        if extra > 0:
            weights = zipf_cum_weights(len(ranked), 0.9)
            for paper in rng.choices(ranked, cum_weights=weights, k=extra):
                counts[paper] += 1
            spill = sum(max(0, c - cap) for c in counts.values())
            for paper in counts:
                counts[paper] = min(counts[paper], cap)
            open_papers = [p for p in ranked if counts[p] < cap]
            while spill:
                i = rng.randrange(len(open_papers))
                paper = open_papers[i]
                counts[paper] += 1
                spill -= 1
                if counts[paper] == cap:
                    open_papers[i] = open_papers[-1]
                    open_papers.pop()
        authors_ranked = list(users)
        rng.shuffle(authors_ranked)
        user_weights = zipf_cum_weights(len(users), 0.7)
        pairs = []
        for paper, count in counts.items():
            chosen: set[int] = set()
            while len(chosen) < count:
                chosen.update(
                    rng.choices(authors_ranked, cum_weights=user_weights, k=count - len(chosen))
                )
                if len(chosen) < count and rng.random() < 0.2:
                    chosen.update(rng.sample(authors_ranked, count - len(chosen)))
            pairs.extend((paper, author) for author in sorted(chosen)[:count])
        rng.shuffle(pairs)
        span = 5 * 365 * 24 * 60
        created = sorted(
            now - timedelta(days=1, minutes=rng.randrange(span)) for _ in range(n_notes)
        )
        return Plan(pairs, created)

    def _notes(self, corpus: Corpus, plan: Plan, now: datetime) -> int:
        """Load the notes into the staging table, their history, tags and references
        into theirs; ``_search_data`` then moves the notes into place."""
        n_notes = len(plan.pairs)
        first = next_id(Note, (Note.history.model, "id"))
        special = first + n_notes // 2
        self.note_ids = (first, first + n_notes - 1)
        tags = self._tags(corpus.tags)
        ids = {
            "history": next_id(Note.history.model),
            "tagged": next_id(TaggedNote),
            "reference": next_id(NoteReference),
        }
        totals = {"history": 0, "tagged": 0, "references": 0}
        batches = self._batches(corpus, plan, now, first=first, special=special, tags=tags, ids=ids)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in Note._meta.concrete_fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE UNLOGGED TABLE {STAGING_TABLE} AS "  # noqa: S608 - from the model
                f"SELECT {columns} FROM {quote(Note._meta.db_table)} WITH NO DATA"
            )
        freeze = self.fresh
        done = 0
        for batch in prefetched(batches):
            copy_rows(Note, NOTE_COLUMNS, batch.notes, table=STAGING_TABLE)
            totals["history"] += copy_rows(
                Note.history.model, ["history_id", *HISTORY_COLUMNS], batch.history, freeze=freeze
            )
            totals["tagged"] += copy_rows(
                TaggedNote, ["id", "tag_id", "content_object_id"], batch.tagged, freeze=freeze
            )
            totals["references"] += copy_rows(
                NoteReference, ["id", "source_id", "target_id"], batch.references, freeze=freeze
            )
            done += len(batch.notes)
            if done == n_notes or (done // self.sizes.batch_size) % 10 == 0:
                self.say(
                    f"  {done} notes, {totals['history']} history rows ({self.elapsed():.0f} s)"
                )
        # The notes' own sequence follows them into the notes table (_search_data).
        reset_sequences(Note.history.model, TaggedNote, NoteReference, Tag)
        self.say(
            f"  {totals['tagged']} tag rows, {totals['references']} references; "
            f"note {{{special}}} has {SPECIAL_REVISIONS} revisions"
        )
        return special

    def _search_data(self) -> None:
        """Move the staged notes into the notes table, each written once, with the search
        data ``notes.selectors.search`` builds (on several cores: see ``bulk_documents_sql``)."""
        quote = connection.ops.quote_name
        columns = [f.column for f in Note._meta.concrete_fields]
        kept = [c for c in columns if c not in search.SEARCH_COLUMNS]
        documents, pairs = search.bulk_documents_sql(STAGING_TABLE, DOCUMENTS_TABLE)
        names = ", ".join(quote(c) for c in [*kept, *search.SEARCH_COLUMNS])
        values = [f"n.{quote(c)}" for c in kept]
        values += [f"d.{c}" for c in search.SEARCH_COLUMNS if c != "search_pairs"]
        values.append("w.search_pairs")
        with connection.cursor() as cursor:
            # The planner needs the staged notes' number to share the work among workers.
            cursor.execute(f"ANALYZE {STAGING_TABLE}")
            cursor.execute(f"CREATE UNLOGGED TABLE {DOCUMENTS_TABLE} AS {documents}")
            cursor.execute(f"ANALYZE {DOCUMENTS_TABLE}")
            cursor.execute(f"CREATE UNLOGGED TABLE {PAIRS_TABLE} AS {pairs}")
            cursor.execute(
                f"INSERT INTO {quote(Note._meta.db_table)} ({names}) "  # noqa: S608
                f"SELECT {', '.join(values)} FROM {STAGING_TABLE} AS n "
                f"JOIN {DOCUMENTS_TABLE} AS d ON d.id = n.id "
                f"JOIN {PAIRS_TABLE} AS w ON w.id = n.id"
            )
            cursor.execute(f"DROP TABLE {STAGING_TABLE}, {DOCUMENTS_TABLE}, {PAIRS_TABLE}")
        reset_sequences(Note)

    def _batches(
        self,
        corpus: Corpus,
        plan: Plan,
        now: datetime,
        *,
        first: int,
        special: int,
        tags: dict[str, int],
        ids: dict[str, int],
    ) -> Iterator[Batch]:
        """The rows of ``batch_size`` notes at a time; touches no database."""
        n_notes = len(plan.pairs)
        size = self.sizes.batch_size
        for start in range(0, n_notes, size):
            batch = Batch()
            for i in range(start, min(start + size, n_notes)):
                pk = first + i
                paper, author = plan.pairs[i]
                note, history, note_tags, refs = self._note(
                    corpus, pk, paper, author, plan.created[i], now, pk == special
                )
                batch.notes.append(note)
                if note[8] == Visibility.PUBLIC and note[13] is None:
                    self.public_notes.append((pk, author))
                for row in history:
                    batch.history.append((ids["history"], *row))
                    ids["history"] += 1
                for name in note_tags:
                    batch.tagged.append((ids["tagged"], tags[name], pk))
                    ids["tagged"] += 1
                for target in refs:
                    batch.references.append((ids["reference"], pk, target))
                    ids["reference"] += 1
            yield batch

    def _ref_target(self, pk: int, near: int, far: int) -> int:
        """Another note, usually an older one, for a ``{N}`` reference."""
        lowest, highest = self.note_ids
        if highest == lowest:
            return pk
        distance = self.rng.randint(near, far) % (highest - lowest) or 1
        target = pk - distance
        return target if target >= lowest else target + (highest - lowest + 1)

    def _tags(self, names: list[str]) -> dict[str, int]:
        known = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
        first = next_id(Tag)
        new = [name for name in names if name not in known]
        rows = ((first + i, n, n) for i, n in enumerate(new))
        copy_rows(Tag, ["id", "name", "slug"], rows, freeze=self.fresh)
        known.update((name, first + i) for i, name in enumerate(new))
        return known

    def _note(
        self,
        corpus: Corpus,
        pk: int,
        paper: int,
        author: int,
        created: datetime,
        now: datetime,
        special: bool,
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[str], set[int]]:
        """A note's row, its history rows (without history_id), its tags and references."""
        rng = self.rng
        if special:
            extra = SPECIAL_REVISIONS - 1
            visibility, trashed = Visibility.PUBLIC, False
        else:
            extra = min(poisson(rng, self.sizes.revisions), 50)
            visibility = Visibility.PRIVATE if rng.random() < PRIVATE_SHARE else Visibility.PUBLIC
            trashed = rng.random() < TRASH_SHARE
        refs = (self._ref_target(pk, 1, 5000), self._ref_target(pk, 5001, 50_000))
        parts = corpus.compose()
        tags = corpus.choose_tags()
        span = (now - created).total_seconds()
        offsets = sorted(rng.uniform(0, span) for _ in range(extra))
        history = []
        for revision in range(extra + 1):
            if revision:
                parts = corpus.revise(parts)
                roll = rng.random()
                if roll < 0.15 and len(tags) < 5:
                    tags = sorted({*tags, *corpus.choose_tags()[:1]})
                elif roll < 0.25 and len(tags) > 1:
                    dropped = rng.choice(tags)
                    tags = [t for t in tags if t != dropped]
            date = created if revision == 0 else created + timedelta(seconds=offsets[revision - 1])
            body = assemble(parts, refs)
            message = rng.choice(EDIT_MESSAGES) if revision else ""
            history.append(
                (
                    pk,
                    paper,
                    author,
                    body.md,
                    body.html,
                    body.text,
                    body.size,
                    tags,
                    visibility,
                    revision,
                    message,
                    created,
                    date,
                    date,
                    "~" if revision else "+",
                    author,
                    None,
                )
            )
        modified = history[-1][12]
        deleted_at = (
            modified + timedelta(seconds=rng.uniform(0, (now - modified).total_seconds()))
            if trashed
            else None
        )
        note = (*history[-1][:12], modified, deleted_at)
        return note, history, tags, references(body, refs) - {pk}

    def _readers(self, corpus: Corpus, users: list[int], papers: list[int], now: datetime) -> None:
        """Readers who follow ``READER_FOLLOWS`` tags, people and papers each and have
        ``READER_NOTIFICATIONS`` notifications, the last ``READER_UNREAD`` of them unread:
        the logged-in reader the benchmark measures."""
        count = self.sizes.readers
        if not count:
            return
        rng = self.rng
        first = next_id(User)
        readers = [first + i for i in range(count)]
        self._copy_users(
            [self._user_row(pk, f"{READER_PREFIX}{i + 1}", now) for i, pk in enumerate(readers)]
        )
        follows, notifications = [], []
        follow_id, notification_id = next_id(Follow), next_id(Notification)
        tags = corpus.tags[: 4 * READER_FOLLOWS]
        shown = self.public_notes
        for reader in readers:
            for tag in rng.sample(tags, min(READER_FOLLOWS, len(tags))):
                follows.append((follow_id, reader, tag, None, None, now))
                follow_id += 1
            for person in rng.sample(users, min(READER_FOLLOWS, len(users))):
                follows.append((follow_id, reader, "", person, None, now))
                follow_id += 1
            for paper in rng.sample(papers, min(READER_FOLLOWS, len(papers))):
                follows.append((follow_id, reader, "", None, paper, now))
                follow_id += 1
            told = rng.sample(shown, min(READER_NOTIFICATIONS, len(shown)))
            for n, (note, author) in enumerate(told):
                created = now - timedelta(minutes=10 * (len(told) - n))
                read_at = None if n >= len(told) - READER_UNREAD else created
                kind = READER_NOTIFICATION_KINDS[n % len(READER_NOTIFICATION_KINDS)]
                row = (notification_id, reader, author, kind, note, None, Delivery.IN_APP)
                notifications.append((*row, created, read_at, None))
                notification_id += 1
        copy_rows(
            Follow, ["id", "user_id", "tag", "followed_user_id", "paper_id", "created"], follows
        )
        columns = ["id", "recipient_id", "actor_id", "kind", "note_id", "comment_id"]
        columns += ["delivery", "created", "read_at", "emailed_at"]
        copy_rows(Notification, columns, notifications)
        reset_sequences(Follow, Notification)

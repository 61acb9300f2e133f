"""Writes through HTTP, as people make them, and a check of every row they should leave.

Each mix logs its writers in through the login form and posts the site's own forms from
several threads at once: a new revision of one's note (each writer on a note of their
own), a comment, a star rating, a vote, and the contention mix of issue 19 (writers
posting notes on one paper while the owner of its note edits it). A write counts as
acknowledged when the site answers it as done (a redirect); afterwards the database must
hold every acknowledged write. A write that was acknowledged and is not there is *lost*;
a 5xx is a *server error*: the benchmark flags both.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Sum

from accounts.models import User
from bench.client import Answer, Session
from bench.load import Batch
from bench.seeding import READER_PREFIX, USER_PASSWORD, USERNAME_PREFIX
from notes.models import Comment, Note, Paper, Visibility
from notes.models.reactions import NoteVote, PaperRating


@dataclass
class Mix:
    """What one write mix did: every write's answer, and what the database holds."""

    name: str
    writers: int
    example: str
    batch: Batch = field(default_factory=Batch)
    acknowledged: int = 0
    stored: int = 0
    wall_s: float = 0.0

    @property
    def tag(self) -> str:
        """What marks this mix's requests in the server's CPU log."""
        return f"writes | {self.name}"[:40]

    @property
    def lost(self) -> int:
        return max(0, self.acknowledged - self.stored)

    @property
    def rate(self) -> float:
        return self.acknowledged / self.wall_s if self.wall_s > 0 else 0.0


@dataclass
class Writer:
    session: Session
    user_id: int


def log_in(host: str, port: int, usernames: Sequence[str]) -> list[Session]:
    """Sessions for ``usernames``, logged in through the login form, a few at a time."""

    def one(username: str) -> Session:
        session = Session(host, port)
        session.login(username, USER_PASSWORD)
        return session

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, usernames))


def _record(mix: Mix, lock: threading.Lock, answer: Answer) -> bool:
    """Count ``answer``; whether it acknowledged the write (the site's redirect)."""
    with lock:
        mix.batch.latencies_ms.append(answer.latency_ms)
        mix.batch.statuses[answer.status] += 1
        if answer.status == 302:
            mix.acknowledged += 1
            return True
    return False


def _tagged(sessions: Sequence[Session], mix: Mix) -> None:
    for session in sessions:
        session.tag = mix.tag


def _run(mix: Mix, jobs: Sequence[Callable[[threading.Lock], None]]) -> None:
    """Run each job (one writer's sequence of writes) in its own thread."""
    lock = threading.Lock()
    threads = [threading.Thread(target=job, args=(lock,), daemon=True) for job in jobs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mix.wall_s = mix.batch.elapsed_s = time.perf_counter() - started


def _guarded(mix: Mix, lock: threading.Lock, write: Callable[[], Answer]) -> Answer | None:
    try:
        return write()
    except OSError as exc:
        with lock:
            mix.batch.errors[type(exc).__name__] += 1
        return None


# ---------------------------------------------------------------------------- the cast


def choose_writers(
    rng: random.Random, count: int, *, exclude: frozenset[int] = frozenset()
) -> list[User]:
    """``count`` generated people, each with a public note of their own."""
    users = list(
        User.objects.filter(username__startswith=USERNAME_PREFIX)
        .exclude(username__startswith=READER_PREFIX)
        .exclude(pk__in=exclude)
        .filter(notes__visibility=Visibility.PUBLIC, notes__deleted_at__isnull=True)
        .distinct()
        .order_by("pk")
    )
    if len(users) < count:
        raise ValueError(f"{count} writers are needed and only {len(users)} people have notes.")
    return rng.sample(users, count)


def own_note(user: User) -> Note:
    return (
        Note.objects.filter(author=user, visibility=Visibility.PUBLIC, deleted_at__isnull=True)
        .order_by("pk")
        .first()
    )


def _edit_form(note: Note, body: str, base: int) -> dict[str, str]:
    return {
        "body": body,
        "tags": " ".join(note.tag_names),
        "visibility": note.visibility,
        "edit_message": "benchmark edit",
        "base_revision": str(base),
    }


# ------------------------------------------------------------------------------ mixes


def note_saves(writers: Sequence[Writer], per_writer: int, run: str) -> Mix:
    """Each writer saves new revisions of a note of their own, one after another."""
    notes = {w.user_id: own_note(User(pk=w.user_id)) for w in writers}
    first = next(iter(notes.values()))
    mix = Mix(f"note save, {len(writers)} writers", len(writers), f"/n/{first.pk}/edit/")
    last_body: dict[int, str] = {}
    acknowledged: dict[int, int] = dict.fromkeys(notes, 0)

    def job(writer: Writer) -> Callable[[threading.Lock], None]:
        note = notes[writer.user_id]
        revision = note.revision

        def writes(lock: threading.Lock) -> None:
            nonlocal revision
            for k in range(per_writer):
                body = f"{note.body}\n\nBenchmark run {run}, save {k + 1}."
                form = _edit_form(note, body, revision)
                answer = _guarded(
                    mix, lock, lambda form=form: writer.session.post(f"/n/{note.pk}/edit/", form)
                )
                if answer is not None and _record(mix, lock, answer):
                    revision += 1
                    acknowledged[writer.user_id] += 1
                    last_body[note.pk] = body

        return writes

    _tagged([w.session for w in writers], mix)
    _run(mix, [job(w) for w in writers])
    for user_id, note in notes.items():
        now = Note.objects.get(pk=note.pk)
        saved = min(now.revision - note.revision, acknowledged[user_id])
        if acknowledged[user_id] and now.body != last_body.get(note.pk):
            saved = 0  # the last acknowledged text is not the note's text
        mix.stored += saved
    return mix


def comments(
    writers: Sequence[Writer], per_writer: int, notes: Sequence[int], rng: random.Random, run: str
) -> Mix:
    """Each writer comments on public notes drawn at random."""
    mix = Mix(f"comment post, {len(writers)} writers", len(writers), "")
    targets = {w.user_id: rng.sample(list(notes), min(per_writer, len(notes))) for w in writers}
    mix.example = f"/n/{targets[writers[0].user_id][0]}/comments/"
    marker = f"Benchmark comment {run}"

    def job(writer: Writer) -> Callable[[threading.Lock], None]:
        def writes(lock: threading.Lock) -> None:
            for k, pk in enumerate(targets[writer.user_id]):
                body = f"{marker}, writer {writer.user_id}, number {k + 1}: a remark on $x^2$."
                answer = _guarded(
                    mix,
                    lock,
                    lambda pk=pk, body=body: writer.session.post(
                        f"/n/{pk}/comments/", {"body": body}
                    ),
                )
                if answer is not None:
                    _record(mix, lock, answer)

        return writes

    _tagged([w.session for w in writers], mix)
    _run(mix, [job(w) for w in writers])
    mix.stored = Comment.objects.filter(body__startswith=marker).count()
    touched = {pk for chosen in targets.values() for pk in chosen}
    live = dict(
        Comment.objects.filter(note__in=touched, deleted_at__isnull=True, hidden_at__isnull=True)
        .values("note")
        .annotate(n=Count("id"))
        .values_list("note", "n")
    )
    wrong = sum(
        1
        for pk, count in Note.objects.filter(pk__in=touched).values_list("pk", "comment_count")
        if count != live.get(pk, 0)
    )
    # A count that lost an increment loses a comment from every list that shows it.
    mix.stored -= wrong
    return mix


def ratings(
    writers: Sequence[Writer],
    per_writer: int,
    papers: Sequence[int],
    rng: random.Random,
    run: str,
) -> Mix:
    """Each writer rates papers drawn at random, from 1 to 5 stars."""
    mix = Mix(f"rating, {len(writers)} writers", len(writers), "")
    targets = {w.user_id: rng.sample(list(papers), min(per_writer, len(papers))) for w in writers}
    mix.example = f"/papers/{targets[writers[0].user_id][0]}/rate/"
    given: dict[tuple[int, int], int] = {}

    def job(writer: Writer) -> Callable[[threading.Lock], None]:
        stars = random.Random(f"{run}:{writer.user_id}")  # noqa: S311 - a workload

        def writes(lock: threading.Lock) -> None:
            for pk in targets[writer.user_id]:
                value = stars.randint(1, 5)
                answer = _guarded(
                    mix,
                    lock,
                    lambda pk=pk, value=value: writer.session.post(
                        f"/papers/{pk}/rate/", {"stars": str(value)}
                    ),
                )
                if answer is not None and _record(mix, lock, answer):
                    given[writer.user_id, pk] = value

        return writes

    _tagged([w.session for w in writers], mix)
    _run(mix, [job(w) for w in writers])
    held = {
        (user, paper): stars
        for user, paper, stars in PaperRating.objects.filter(
            user__in=[w.user_id for w in writers]
        ).values_list("user", "paper", "stars")
    }
    mix.stored = sum(1 for key, value in given.items() if held.get(key) == value)
    touched = {paper for _, paper in given}
    totals = {
        row["paper"]: (row["n"], row["total"])
        for row in PaperRating.objects.filter(paper__in=touched)
        .values("paper")
        .annotate(n=Count("id"), total=Sum("stars"))
    }
    for pk, count, total in Paper.objects.filter(pk__in=touched).values_list(
        "pk", "rating_count", "rating_sum"
    ):
        if (count, total) != totals.get(pk, (0, 0)):
            mix.stored -= 1
    return mix


def votes(
    writers: Sequence[Writer],
    per_writer: int,
    notes: Sequence[tuple[int, int]],
    rng: random.Random,
) -> Mix:
    """Each writer votes for public notes of others drawn at random."""
    mix = Mix(f"vote, {len(writers)} writers", len(writers), "")
    pool = list(notes)
    targets = {
        w.user_id: [
            pk
            for pk, author in rng.sample(pool, min(len(pool), 3 * per_writer))
            if author != w.user_id
        ][:per_writer]
        for w in writers
    }
    mix.example = f"/n/{targets[writers[0].user_id][0]}/vote/"
    given: set[tuple[int, int]] = set()

    def job(writer: Writer) -> Callable[[threading.Lock], None]:
        def writes(lock: threading.Lock) -> None:
            for pk in targets[writer.user_id]:
                answer = _guarded(
                    mix,
                    lock,
                    lambda pk=pk: writer.session.post(f"/n/{pk}/vote/", {"vote": "1"}),
                )
                if answer is not None and _record(mix, lock, answer):
                    given.add((writer.user_id, pk))

        return writes

    _tagged([w.session for w in writers], mix)
    _run(mix, [job(w) for w in writers])
    held = set(
        NoteVote.objects.filter(user__in=[w.user_id for w in writers]).values_list("user", "note")
    )
    mix.stored = len(given & held)
    touched = {pk for _, pk in given}
    counted = dict(
        NoteVote.objects.filter(note__in=touched)
        .values("note")
        .annotate(n=Count("id"))
        .values_list("note", "n")
    )
    for pk, count in Note.objects.filter(pk__in=touched).values_list("pk", "vote_count"):
        if count != counted.get(pk, 0):
            mix.stored -= 1
    return mix


@dataclass(frozen=True)
class Contention:
    paper: int
    owner: User
    note: Note
    posters: list[User]


def contention_cast(rng: random.Random, posters: int) -> Contention:
    """A paper with one public note, its author, and people with no note on it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.paper_id FROM notes_note AS n JOIN accounts_user AS u ON u.id = n.author_id "
            "WHERE u.username LIKE %s GROUP BY n.paper_id "
            "HAVING count(*) = 1 AND bool_and(n.visibility = 'public' AND n.deleted_at IS NULL) "
            "ORDER BY n.paper_id LIMIT 200",
            [f"{USERNAME_PREFIX}%"],
        )
        papers = [row[0] for row in cursor.fetchall()]
    if not papers:
        raise ValueError("no paper has exactly one note for the contention mix")
    paper = rng.choice(papers)
    note = Note.objects.select_related("author").get(paper_id=paper)
    chosen = choose_writers(rng, posters, exclude=frozenset({note.author_id}))
    return Contention(paper, note.author, note, chosen)


def contention(
    cast: Contention, owner: Session, posters: Sequence[Session], edits: int, run: str
) -> Mix:
    """Posters write a note each on one paper and revise it while the paper's note's
    owner revises theirs: every write goes through the same paper's rows."""
    mix = Mix(
        f"contention: {len(posters)} posting on one paper, its note's owner editing",
        len(posters) + 1,
        f"/papers/{cast.paper}/write/",
    )
    created: dict[int, int] = {}  # poster index → note
    acknowledged: dict[int, int] = {}  # note → acknowledged revisions after the first
    base_revision = cast.note.revision

    def poster(index: int, session: Session) -> Callable[[threading.Lock], None]:
        def writes(lock: threading.Lock) -> None:
            body = f"Benchmark run {run}: poster {index} summarises paper {cast.paper}."
            form = {"body": body, "tags": "benchmark", "visibility": "public", "edit_message": ""}
            answer = _guarded(mix, lock, lambda: session.post(f"/papers/{cast.paper}/write/", form))
            if answer is None or not _record(mix, lock, answer):
                return
            pk = int(answer.header("Location").rstrip("/").rsplit("/", 1)[1])
            created[index] = pk
            acknowledged[pk] = 0
            stand_in = Note(pk=pk, tag_names=["benchmark"], visibility=Visibility.PUBLIC)
            for k in range(edits):
                form = _edit_form(stand_in, f"{body} Revision {k + 1}.", k)
                answer = _guarded(mix, lock, lambda form=form: session.post(f"/n/{pk}/edit/", form))
                if answer is None or not _record(mix, lock, answer):
                    return  # the next edit would start from the wrong revision
                acknowledged[pk] += 1

        return writes

    def editor(lock: threading.Lock) -> None:
        note = cast.note
        revision = base_revision
        acknowledged[note.pk] = 0
        for k in range(edits):
            body = f"{note.body}\n\nBenchmark run {run}, owner's edit {k + 1}."
            form = _edit_form(note, body, revision)
            answer = _guarded(mix, lock, lambda form=form: owner.post(f"/n/{note.pk}/edit/", form))
            if answer is not None and _record(mix, lock, answer):
                revision += 1
                acknowledged[note.pk] += 1

    _tagged([owner, *posters], mix)
    _run(mix, [*(poster(i, s) for i, s in enumerate(posters)), editor])
    revisions = dict(
        Note.objects.filter(pk__in=[*created.values(), cast.note.pk]).values_list("pk", "revision")
    )
    for pk, count in acknowledged.items():
        start = base_revision if pk == cast.note.pk else 0
        if pk in revisions:
            mix.stored += min(count, revisions[pk] - start)
    mix.stored += sum(1 for pk in created.values() if pk in revisions)
    return mix

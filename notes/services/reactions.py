"""Votes, star ratings and view counts: the rows and the counts shown on pages.

Each function changes a row and the matching count together, so two requests at the
same moment leave the counts equal to the rows. Counts change by ``UPDATE … SET n =
n + 1`` (never by ``save()``): they are not revisions of a note or a paper, and
django-simple-history records nothing for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.throttle import client_address
from notes.models import Note, Paper
from notes.models.reactions import (
    MAX_STARS,
    MIN_STARS,
    DailyView,
    NoteView,
    PaperRating,
    PaperView,
)


class OwnNoteVote(PermissionDenied):
    """Nobody votes for their own note."""

    message = gettext_noop("You cannot vote for your own note.")  # translated where shown


# One statement each: the vote row is added (unless it is there) or removed, and the count
# moves only when the row did. Of two simultaneous votes by the same person, the second
# waits for the first's row and then adds nothing. Returns the new count, or no row when
# nothing changed.
_VOTE_SQL = """
WITH added AS (
    INSERT INTO notes_notevote (note_id, user_id, created) VALUES (%s, %s, %s)
    ON CONFLICT DO NOTHING RETURNING 1
)
UPDATE notes_note SET vote_count = vote_count + 1
WHERE id = %s AND EXISTS (SELECT 1 FROM added)
RETURNING vote_count
"""
_UNVOTE_SQL = """
WITH removed AS (
    DELETE FROM notes_notevote WHERE note_id = %s AND user_id = %s RETURNING 1
)
UPDATE notes_note SET vote_count = vote_count - 1
WHERE id = %s AND EXISTS (SELECT 1 FROM removed)
RETURNING vote_count
"""


def note_vote(*, note: Note, user: User, vote: bool) -> int:
    """Set ``user``'s vote on ``note`` (``vote`` says whether it should be there).

    Idempotent, so a double submit of the same button changes nothing twice. Returns the
    note's vote count afterwards.
    """
    if note.author_id == user.pk:
        raise OwnNoteVote(OwnNoteVote.message)
    if vote:
        sql, params = _VOTE_SQL, [note.pk, user.pk, timezone.now(), note.pk]
    else:
        sql, params = _UNVOTE_SQL, [note.pk, user.pk, note.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    return Note.objects.filter(pk=note.pk).values_list("vote_count", flat=True).get()


@dataclass(frozen=True)
class RatingTotals:
    count: int
    total: int

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None


def paper_rate(*, paper: Paper, user: User, stars: int | None) -> RatingTotals:
    """Set ``user``'s rating of ``paper`` to ``stars`` (1–5), or remove it with None."""
    if stars is not None and not MIN_STARS <= stars <= MAX_STARS:
        raise ValueError(f"stars must be from {MIN_STARS} to {MAX_STARS}")
    with transaction.atomic():
        old = _locked_stars(paper, user)
        count_step, sum_step = 0, 0
        if stars is None:
            if old is not None:
                PaperRating.objects.filter(paper=paper, user=user).delete()
                count_step, sum_step = -1, -old
        elif old is None:
            try:
                with transaction.atomic():
                    PaperRating.objects.create(paper=paper, user=user, stars=stars)
                count_step, sum_step = 1, stars
            except IntegrityError:
                # The same person's other request rated a moment ago: change that rating.
                old = _locked_stars(paper, user)
        if stars is not None and old is not None and old != stars:
            PaperRating.objects.filter(paper=paper, user=user).update(stars=stars)
            sum_step = stars - old
        if count_step or sum_step:
            Paper.objects.filter(pk=paper.pk).update(
                rating_count=F("rating_count") + count_step,
                rating_sum=F("rating_sum") + sum_step,
            )
        count, total = (
            Paper.objects.filter(pk=paper.pk).values_list("rating_count", "rating_sum").get()
        )
    return RatingTotals(count=count, total=total)


def _locked_stars(paper: Paper, user: User) -> int | None:
    return (
        PaperRating.objects.select_for_update()
        .filter(paper=paper, user=user)
        .values_list("stars", flat=True)
        .first()
    )


def rating_of(*, paper: Paper, user: User) -> int | None:
    if not user.is_authenticated:
        return None
    return (
        PaperRating.objects.filter(paper=paper, user=user).values_list("stars", flat=True).first()
    )


# --- Views ------------------------------------------------------------------------------

_BOT_RE = re.compile(r"bot|crawler|spider|curl|wget|python-requests", re.IGNORECASE)


def is_bot(user_agent: str) -> bool:
    """Obvious robots: no user agent at all, or one that says what it is."""
    return not user_agent.strip() or _BOT_RE.search(user_agent) is not None


def view_day() -> date:
    """The day a view counts for: the day of the rows, and of the hash of an address."""
    return timezone.localdate()


def viewer_key(request: HttpRequest, day: date) -> str | None:
    """Who is viewing, for counting once a day; None when the view should not count.

    A logged-in user is their id. Anyone else is their address, hashed with the day and
    the secret key: no address is stored, and one day's rows cannot be matched with the
    next day's. The user agent is left out on purpose: anyone can send a new one with
    every request, which made each request a new viewer. (A session cookie would be as
    easy to drop, and anonymous readers have no session here anyway.) Readers behind one
    address count as one a day; see TRUST_X_FORWARDED_FOR for a proxy.
    """
    if request.method != "GET":
        return None  # HEAD requests and the like are not reading
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if is_bot(user_agent):
        return None
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    basis = f"{client_address(request)}\n{day.isoformat()}"
    digest = salted_hmac("notes.viewer", basis, secret=settings.SECRET_KEY).hexdigest()
    return f"a{digest[:40]}"


# One statement: the day's view row is inserted unless it exists, and the count grows
# only when it was. Returns the new count, or no row when this viewer already counted.
_VIEW_SQL = """
WITH seen AS (
    INSERT INTO {view_table} ({fk}, viewer, day) VALUES (%s, %s, %s)
    ON CONFLICT DO NOTHING RETURNING 1
)
UPDATE {table} SET view_count = view_count + 1
WHERE id = %s AND EXISTS (SELECT 1 FROM seen)
RETURNING view_count
"""


def _record_view(
    model: type[Note] | type[Paper],
    view_model: type[DailyView],
    fk: str,
    pk: int,
    key: str,
    day: date,
) -> int | None:
    sql = _VIEW_SQL.format(view_table=view_model._meta.db_table, fk=fk, table=model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, key, day, pk])
        row = cursor.fetchone()
    return row[0] if row else None


def record_note_view(*, note: Note, request: HttpRequest) -> None:
    """Count this request as a view of ``note``, once a day per viewer.

    The author's own readings do not count: the number says how many others read it.
    ``note.view_count`` is brought up to date when the view counted.
    """
    day = view_day()
    key = viewer_key(request, day)
    if key is None or note.author_id == request.user.pk or not note.pk:
        return
    count = _record_view(Note, NoteView, "note_id", note.pk, key, day)
    if count is not None:
        note.view_count = count


def record_paper_view(*, paper: Paper, request: HttpRequest) -> None:
    """Count this request as a view of ``paper``, once a day per viewer."""
    day = view_day()
    key = viewer_key(request, day)
    if key is None:
        return
    count = _record_view(Paper, PaperView, "paper_id", paper.pk, key, day)
    if count is not None:
        paper.view_count = count


def forget_old_views(*, keep_days: int = 2) -> int:
    """Delete the daily view rows older than ``keep_days``; the counts keep their totals.

    A row only matters on its own day (to count a viewer once); run this daily
    (``manage.py prune_views``) so the tables stay small.
    """
    cutoff = timezone.localdate() - timedelta(days=keep_days)
    removed = 0
    for model in (NoteView, PaperView):
        deleted, _ = model.objects.filter(day__lt=cutoff).delete()
        removed += deleted
    return removed

"""What readers add to papers and notes: votes, star ratings and daily views.

Each row is one person's vote, rating or day of viewing; the totals shown on pages are
counts on ``Note`` and ``Paper`` that ``notes.services.reactions`` keeps in step with these
rows, in the same statement or transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

MIN_STARS = 1
MAX_STARS = 5


class NoteVote(models.Model):
    """One person's vote for someone else's note."""

    note = models.ForeignKey("notes.Note", on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "user"], name="notes_one_vote_per_user"),
        ]
        indexes = [models.Index(fields=["user", "note"], name="notes_vote_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {{{self.note_id}}}"


class PaperRating(models.Model):
    """One person's star rating of a paper, from 1 to 5; they may change it."""

    paper = models.ForeignKey("notes.Paper", on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "user"], name="notes_one_rating_per_user"),
            models.CheckConstraint(
                condition=Q(stars__gte=MIN_STARS, stars__lte=MAX_STARS),
                name="notes_rating_stars_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} rated paper {self.paper_id}: {self.stars}"


class DailyView(models.Model):
    """Someone viewed the object on ``day``; a viewer counts once per object and day.

    ``viewer`` is ``u<id>`` for a logged-in user, otherwise a keyed hash of the client's
    address and user agent (no address is stored).
    """

    viewer = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        abstract = True


class NoteView(DailyView):
    note = models.ForeignKey("notes.Note", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["note", "viewer", "day"], name="notes_note_view_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="notes_noteview_day_idx")]

    def __str__(self) -> str:
        return f"{{{self.note_id}}} viewed on {self.day}"


class PaperView(DailyView):
    paper = models.ForeignKey("notes.Paper", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "viewer", "day"], name="notes_paper_view_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="notes_paperview_day_idx")]

    def __str__(self) -> str:
        return f"paper {self.paper_id} viewed on {self.day}"

"""Comments on notes, threaded one level of replies deep."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from notes import visibility as read_rule
from notes.models.base import Hideable, Revised
from notes.models.notes import Note

MAX_COMMENT_BYTES = 10 * 1024


class CommentQuerySet(models.QuerySet["Comment"]):
    def for_thread(self, note: Note) -> CommentQuerySet:
        """Every comment of a note with what its display needs, oldest first, in one query.

        Not the Markdown source or plain text (only editing and e-mails need them), nor
        the authors' account details.
        """
        return (
            self.filter(note=note)
            .select_related("author")
            .only(*THREAD_FIELDS)
            .order_by("created", "id")
        )


THREAD_FIELDS = (
    *("note", "author", "parent", "depth", "body_html", "created", "edited_at"),
    *("deleted_at", "removed_by", "hidden_at", "author__username", "author__display_name"),
)


class Comment(Revised, Hideable):
    """A comment on a note, threaded by ``parent``. Writes go through ``notes.services.comments``.

    Deleting (by its author) or removing (by the note's author or staff) only marks the
    comment, so that the replies below it keep their place in the thread.
    """

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # Levels below the top of the thread (0 for a comment on the note itself).
    depth = models.PositiveIntegerField(default=0, editable=False)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    # Plain text of the rendered body (formulas as TeX), for excerpts in the inbox and e-mails.
    body_text = models.TextField(blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Every version of the text; deleting or hiding is not a version.
    history = HistoricalRecords(
        excluded_fields=["deleted_at", "removed_by", "hidden_at", "hidden_by"]
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["note", "created"], name="notes_comment_note_idx"),
            # The few comments moderators hid (``visibility.notification_hidden_q``).
            models.Index(
                fields=["id"],
                condition=Q(hidden_at__isnull=False),
                name="notes_comment_hidden_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {{{self.note_id}}}"

    def get_absolute_url(self) -> str:
        return f"{reverse('notes:note', args=[self.note_id])}#c{self.pk}"

    @property
    def anchor(self) -> str:
        return f"c{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None

    @property
    def counts(self) -> bool:
        """Whether the note's ``comment_count`` includes it: live and seen by everyone."""
        return not self.is_deleted and not self.is_hidden

    def is_visible_to(self, user: settings.AUTH_USER_MODEL) -> bool:
        """Whether ``user`` sees this comment in its thread (its note being readable to
        them): not when moderators hid it from them."""
        return not read_rule.comment_hidden_from(self, user)

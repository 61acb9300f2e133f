"""Flags raised by readers and the actions staff took on them."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from notes.models.discussion import Comment
from notes.models.notes import Note


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    ABUSE = "abuse", _("Abuse or harassment")
    COPYRIGHT = "copyright", _("Copyright infringement")
    OTHER = "other", _("Something else (say what)")


class FlagQuerySet(models.QuerySet["Flag"]):
    def open(self) -> FlagQuerySet:
        return self.filter(resolved_at__isnull=True)


class Flag(models.Model):
    """One person's report of a note or a comment, open until staff act on the item.

    A person has at most one open flag per item, so repeated flags count once.
    """

    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=FlagReason.choices)
    text = models.CharField(max_length=1000, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(note__isnull=False, comment__isnull=True)
                | Q(note__isnull=True, comment__isnull=False),
                name="notes_flag_one_item",
            ),
            models.UniqueConstraint(
                fields=["flagger", "note"],
                condition=Q(resolved_at__isnull=True, note__isnull=False),
                name="notes_flag_note_once",
            ),
            models.UniqueConstraint(
                fields=["flagger", "comment"],
                condition=Q(resolved_at__isnull=True, comment__isnull=False),
                name="notes_flag_comment_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created"],
                condition=Q(resolved_at__isnull=True),
                name="notes_flag_open_idx",
            ),
        ]

    def __str__(self) -> str:
        item = f"note {self.note_id}" if self.note_id else f"comment {self.comment_id}"
        return f"{self.flagger_id} flagged {item}: {self.reason}"


class ModerationVerb(models.TextChoices):
    HIDE = "hide", _("hid")
    RESTORE = "restore", _("restored")
    DISMISS = "dismiss", _("dismissed the flags on")


class ModerationAction(models.Model):
    """The audit log: one row per staff action, never changed afterwards."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=10, choices=ModerationVerb.choices)
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the item was, in words, so the log still reads after the item is gone.
    item_label = models.CharField(max_length=300)
    flag_count = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=1000, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["-created"], name="notes_modaction_created_idx")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.get_verb_display()} {self.item_label}"

    @property
    def shown_label(self) -> str:
        """``item_label`` in the reader's language. The stored label stays as it was
        written (the log is never changed); its parts are read back and put in words."""
        if found := _NOTE_LABEL.fullmatch(self.item_label):
            return _("note %(ref)s by %(name)s") % found.groupdict()
        if found := _COMMENT_LABEL.fullmatch(self.item_label):
            return _("comment %(number)s by %(name)s on %(ref)s") % found.groupdict()
        return self.item_label


# How notes.services.moderation words an item's label.
_NOTE_LABEL = re.compile(r"note (?P<ref>\{\d+\}) by (?P<name>\S+)")
_COMMENT_LABEL = re.compile(r"comment (?P<number>\d+) by (?P<name>\S+) on (?P<ref>\{\d+\})")


# What staff can hide, flag and act on.
Item = Note | Comment

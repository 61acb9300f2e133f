"""Notifications: what a person is told, how it is delivered, and the notes they muted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from notes import visibility as read_rule
from notes.models.discussion import Comment
from notes.models.notes import Note


class NotificationKind(models.TextChoices):
    COMMENT = "comment", _("Someone comments on your note")
    REPLY = "reply", _("Someone replies to your comment")
    MENTION = "mention", _("Someone mentions you with @username")
    PAPER_SUMMARY = "paper_summary", _("Someone publishes a summary of a paper you summarised")
    FOLLOWED_PAPER = "followed_paper", _("Someone publishes a summary of a paper you follow")
    FOLLOWED_USER = "followed_user", _("Someone you follow publishes a note")
    FOLLOWED_TAG = "followed_tag", _("Someone publishes a note with a tag you follow")


class Delivery(models.TextChoices):
    OFF = "off", _("Off")
    IN_APP = "in_app", _("In the app only")
    IMMEDIATE = "immediate", _("In the app and by e-mail at once")
    DIGEST = "digest", _("In the app and in a daily e-mail digest")


# What the inbox reads of a notification (NotificationQuerySet.for_inbox).
INBOX_FIELDS = (
    "recipient", "kind", "created", "read_at",
    "actor__username", "actor__display_name",
    "note__author", "note__visibility", "note__deleted_at", "note__hidden_at",
    "note__tag_names", "note__paper__title",
    "comment__note", "comment__author", "comment__deleted_at", "comment__hidden_at",
    "comment__body_text",
)  # fmt: skip


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def shown_to(self, user: settings.AUTH_USER_MODEL) -> NotificationQuerySet:
        """The user's notifications, without those about content moderators have hidden
        from them (a hidden note stays listed for its own author)."""
        return self.filter(recipient=user).exclude(read_rule.notification_hidden_q(user.pk))

    def for_inbox(self, user: settings.AUTH_USER_MODEL) -> NotificationQuerySet:
        # Only what a notification's line and excerpt show and its visibility needs: the
        # whole notes (bodies, search documents) and papers (abstracts) of a page of fifty
        # cost more to read than the rest of the page.
        return (
            self.shown_to(user)
            .select_related("actor", "note__paper", "comment")
            .only(*INBOX_FIELDS)
            .order_by("-created", "-id")
        )


class Notification(models.Model):
    """One event told to one person. Who gets what is decided in ``notes.services.notifications``.

    An event never notifies anyone twice: one row per recipient and comment for events
    about a comment, and per recipient, kind and note for events about a note.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # How the recipient wanted this kind delivered when it happened.
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "comment"],
                condition=Q(comment__isnull=False),
                name="notes_notify_once_per_comment",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "note"],
                condition=Q(comment__isnull=True),
                name="notes_notify_once_per_note_event",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created"], name="notes_notify_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notes_notify_unread_idx",
            ),
            models.Index(
                fields=["recipient", "created"],
                condition=Q(delivery="digest", emailed_at__isnull=True),
                name="notes_notify_digest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} on {{{self.note_id}}}"

    def get_absolute_url(self) -> str:
        return self.comment.get_absolute_url() if self.comment else self.note.get_absolute_url()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_readable(self) -> bool:
        """Whether its recipient may still read what it is about (``notes.visibility``)."""
        return read_rule.notification_note_readable(self)

    @property
    def excerpt(self) -> str:
        """The comment's text, while its recipient may read it; else ""."""
        return read_rule.notification_excerpt(self)

    @property
    def text(self) -> str:
        """One line saying what happened, for the inbox and e-mails, in the language active
        now; about a note its recipient can no longer read, a line that names neither the
        note nor its paper."""
        who = self.actor.name if self.actor else gettext("Someone")
        if not self.is_readable:
            return self._neutral_text(who)
        names = {"who": who, "where": f"{self.note.ref} {self.note.paper.title}"}
        if self.kind == NotificationKind.COMMENT:
            return gettext("%(who)s commented on your note %(where)s") % names
        if self.kind == NotificationKind.REPLY:
            return gettext("%(who)s replied to your comment on %(where)s") % names
        if self.kind == NotificationKind.MENTION:
            if self.comment_id:
                return gettext("%(who)s mentioned you in a comment on %(where)s") % names
            return gettext("%(who)s mentioned you in %(where)s") % names
        if self.kind == NotificationKind.FOLLOWED_PAPER:
            return gettext("%(who)s published a summary of a paper you follow: %(where)s") % names
        if self.kind == NotificationKind.FOLLOWED_USER:
            return gettext("%(who)s, whom you follow, published %(where)s") % names
        if self.kind == NotificationKind.FOLLOWED_TAG:
            names["tags"] = ", ".join(self.note.tag_names)
            return gettext("%(who)s published %(where)s, tagged %(tags)s") % names
        return gettext("%(who)s published a summary of a paper you summarised: %(where)s") % names

    def _neutral_text(self, who: str) -> str:
        names = {"who": who, "where": gettext(NEUTRAL_NOTE)}
        if self.kind == NotificationKind.COMMENT:
            return gettext("%(who)s commented on %(where)s") % names
        if self.kind == NotificationKind.REPLY:
            return gettext("%(who)s replied to your comment on %(where)s") % names
        if self.kind == NotificationKind.MENTION:
            if self.comment_id:
                return gettext("%(who)s mentioned you in a comment on %(where)s") % names
            return gettext("%(who)s mentioned you in %(where)s") % names
        return gettext("%(who)s published %(where)s") % names


# What a notification says instead of a note its recipient can no longer read (English
# here, translated where it is shown).
NEUTRAL_NOTE = gettext_noop("a note you can no longer see")


class Mute(models.Model):
    """The user wants no more notifications about this note's thread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "note"], name="notes_mute_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} muted {{{self.note_id}}}"


# ----------------------------------------------------------------------------- follows

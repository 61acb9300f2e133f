"""Who is told about what, and how it reaches them.

Each event below lists its candidate recipients kind by kind, most specific first. A person
gets at most one notification per event: the first kind that applies to them and that they
have not turned off (a reply to your comment on your own note is a reply, not also a
comment on your note). Nobody is told about their own actions, about a note they cannot
read, or about a note whose thread they muted. The database's unique constraints on
``Notification`` make a repeated event a no-op, so nothing is ever told twice.

The event functions are called by the services that write (``notes.services``,
``notes.services.comments``) inside their transaction; e-mails are jobs queued in that transaction
(``papernotes.jobs``), so they go out once it commits, from a worker, never slowing the
request. New kinds
of events add a kind to ``NotificationKind`` and a function (or a candidate list) here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts.models import User
from notes import visibility
from notes.models import Comment, Delivery, Mute, Note, Notification, NotificationKind
from notes.selectors.follows import followers_of_note
from papernotes import queue

DEFAULT_DELIVERY = Delivery.IN_APP
MAX_MENTIONS = 25
# "@name" not preceded by a word character, so e-mail addresses are not mentions. Usernames
# are letters, digits and . + - _ ; a trailing "." ends the sentence, not the name.
_MENTION_RE = re.compile(r"(?<![\w@.+-])@([\w.+-]{1,150})")

Candidates = Sequence[tuple[str, Iterable[User]]]


# ------------------------------------------------------------------------- preferences


def delivery_for(user: User, kind: str) -> str:
    wanted = (user.notification_settings or {}).get(kind)
    return wanted if wanted in Delivery.values else DEFAULT_DELIVERY


def save_preferences(*, user: User, deliveries: dict[str, str]) -> None:
    user.notification_settings = {
        kind: deliveries.get(kind, DEFAULT_DELIVERY) for kind in NotificationKind.values
    }
    user.save(update_fields=["notification_settings"])


def mute(*, user: User, note: Note) -> None:
    Mute.objects.get_or_create(user=user, note=note)


def unmute(*, user: User, note: Note) -> None:
    Mute.objects.filter(user=user, note=note).delete()


# ---------------------------------------------------------------------------- mentions


def mentioned_names(text: str) -> list[str]:
    """The first MAX_MENTIONS distinct ``@names`` in ``text``, lower case."""
    names: dict[str, None] = {}
    for match in _MENTION_RE.finditer(text):
        name = match.group(1).rstrip(".").lower()
        if name:
            names.setdefault(name)
            if len(names) == MAX_MENTIONS:
                break
    return list(names)


def mentioned_users(text: str, *, before: str = "") -> list[User]:
    """Existing users mentioned in ``text`` and not already in ``before``."""
    names = set(mentioned_names(text)) - set(mentioned_names(before))
    if not names:
        return []
    return list(
        User.objects.annotate(lower_name=Lower("username"))
        .filter(lower_name__in=names, is_active=True)
        .order_by("pk")
    )


# ------------------------------------------------------------------------------ events


def comment_posted(comment: Comment) -> list[Notification]:
    parent = comment.parent
    replied_to = [parent.author] if parent is not None and not parent.is_deleted else []
    return _notify(
        actor=comment.author,
        note=comment.note,
        comment=comment,
        candidates=[
            (NotificationKind.REPLY, replied_to),
            (NotificationKind.COMMENT, [comment.note.author]),
            (NotificationKind.MENTION, mentioned_users(comment.body)),
        ],
    )


def comment_edited(comment: Comment, *, previous_body: str) -> list[Notification]:
    """Only people newly mentioned by the edit hear about it."""
    return _notify(
        actor=comment.author,
        note=comment.note,
        comment=comment,
        candidates=[
            (NotificationKind.MENTION, mentioned_users(comment.body, before=previous_body)),
        ],
    )


def note_saved(
    note: Note, *, actor: User, previous_body: str | None, was_public: bool
) -> list[Notification]:
    """A note was created (``previous_body`` None) or revised.

    While a note is private nobody but its author can read it, so nobody is told. When it
    is (or becomes) public, the people it mentions hear about it at once (on a revision,
    only the mentions that are new since the previous public revision); when it is
    published, the authors of the paper's other summaries and those who follow the paper,
    the author or one of the note's tags are told by a job (``notify_publication``): they
    may be thousands, and the save does not wait for them.
    """
    if not visibility.is_public_now(note):
        return []
    published = previous_body is None or not was_public
    before = "" if published else previous_body or ""
    if published:
        queue.defer("notify_publication", note_id=note.pk, actor_id=actor.pk)
    return _notify(
        actor=actor,
        note=note,
        comment=None,
        candidates=[(NotificationKind.MENTION, mentioned_users(note.body, before=before))],
    )


def note_published(note: Note, *, actor: User) -> list[Notification]:
    """Tell the paper's other summarisers and the note's followers, each once, by the most
    specific reason. Run again, it tells nobody twice (the unique constraints), and a
    note made private or trashed since tells nobody."""
    if not visibility.is_public_now(note):
        return []
    others = User.objects.filter(
        notes__paper_id=note.paper_id, notes__deleted_at__isnull=True
    ).exclude(pk=note.author_id)
    followers = followers_of_note(note)
    return _notify(
        actor=actor,
        note=note,
        comment=None,
        candidates=[
            (NotificationKind.MENTION, mentioned_users(note.body)),
            (NotificationKind.PAPER_SUMMARY, others),
            (NotificationKind.FOLLOWED_PAPER, followers["paper"]),
            (NotificationKind.FOLLOWED_USER, followers["user"]),
            (NotificationKind.FOLLOWED_TAG, followers["tag"]),
        ],
    )


def _notify(
    *, actor: User, note: Note, comment: Comment | None, candidates: Candidates
) -> list[Notification]:
    chosen: dict[int, Notification] = {}
    groups = [(kind, list(users)) for kind, users in candidates]
    everyone = {user.pk for _kind, users in groups for user in users}
    if not everyone:
        return []
    muted = set(
        Mute.objects.filter(note=note, user_id__in=everyone).values_list("user_id", flat=True)
    )
    for kind, users in groups:
        for user in users:
            if (
                user.pk == actor.pk
                or user.pk in chosen
                or user.pk in muted
                or not user.is_active
                or not note.is_visible_to(user)
            ):
                continue
            delivery = delivery_for(user, kind)
            if delivery == Delivery.OFF:
                continue
            chosen[user.pk] = Notification(
                recipient=user,
                actor=actor,
                kind=kind,
                note=note,
                comment=comment,
                delivery=delivery,
            )
    # A repeated event hits the unique constraints and is skipped.
    Notification.objects.bulk_create(chosen.values(), ignore_conflicts=True)
    at_once = [n.recipient_id for n in chosen.values() if n.delivery == Delivery.IMMEDIATE]
    if at_once:
        queue.defer("send_immediate_emails", recipient_ids=at_once)
    return list(chosen.values())


# ------------------------------------------------------------------------------ e-mail


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _url_of(notification: Notification) -> str:
    """Where an e-mail about ``notification`` leads: what it is about, or the inbox when
    its recipient can no longer read that."""
    if notification.is_readable:
        return _absolute(notification.get_absolute_url())
    return _absolute(reverse("notes:notifications"))


def _language_of(recipient: User) -> str:
    """The language an e-mail to ``recipient`` is written in: theirs, else the site's."""
    return recipient.language or settings.LANGUAGE_CODE


def send_immediate(*, recipient_ids: Iterable[int]) -> int:
    """E-mail the unsent "at once" notifications of these people; the number of e-mails.

    One notification at a time, each locked (and skipped when locked, so two workers never
    send the same one) and marked sent in the transaction that sends it: when sending
    fails half-way, what was sent stays marked and the job's next attempt sends the rest,
    nothing twice.
    """
    ids = list(recipient_ids)
    sent = 0
    while True:
        with transaction.atomic():
            notification = (
                Notification.objects.filter(
                    recipient_id__in=ids, delivery=Delivery.IMMEDIATE, emailed_at__isnull=True
                )
                .exclude(recipient__email="")
                .select_related("recipient", "actor", "note__paper", "comment")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .first()
            )
            if notification is None:
                return sent
            with translation.override(_language_of(notification.recipient)):
                body = render_to_string(
                    "notes/email/notification.txt",
                    {
                        "n": notification,
                        "url": _url_of(notification),
                        "settings_url": _absolute(reverse("notes:notification_settings")),
                        "SITE_NAME": settings.SITE_NAME,
                    },
                )
                subject = f"[{settings.SITE_NAME}] {notification.text}"[:200]
            send_mail(
                subject=subject,
                message=body,
                from_email=None,
                recipient_list=[notification.recipient.email],
            )
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            sent += 1


def send_digests() -> int:
    """One e-mail per person with their unread, unsent digest notifications; the count sent.

    Each person's rows are locked while their e-mail is sent and marked sent in the same
    transaction, so running this twice (or twice at once) sends every digest once.
    """
    waiting = (
        Notification.objects.filter(delivery=Delivery.DIGEST, emailed_at__isnull=True)
        .unread()
        # Nothing about content moderators hid since (its author still hears of their note).
        .exclude(visibility.notification_hidden_q())
        .exclude(recipient__email="")
    )
    recipient_ids = sorted(set(waiting.values_list("recipient_id", flat=True)))
    sent = 0
    for recipient_id in recipient_ids:
        with transaction.atomic():
            rows = list(
                waiting.filter(recipient_id=recipient_id)
                .select_related("recipient", "actor", "note__paper", "comment")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("created", "pk")
            )
            if not rows:
                continue
            recipient = rows[0].recipient
            items = [(n, _url_of(n)) for n in rows]
            count = len(rows)
            with translation.override(_language_of(recipient)):
                body = render_to_string(
                    "notes/email/digest.txt",
                    {
                        "recipient": recipient,
                        "items": items,
                        "inbox_url": _absolute(reverse("notes:notifications")),
                        "settings_url": _absolute(reverse("notes:notification_settings")),
                        "SITE_NAME": settings.SITE_NAME,
                    },
                )
                new = ngettext(
                    "%(count)d new notification", "%(count)d new notifications", count
                ) % {"count": count}
            send_mail(
                subject=f"[{settings.SITE_NAME}] {new}",
                message=body,
                from_email=None,
                recipient_list=[recipient.email],
            )
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
                emailed_at=timezone.now()
            )
            sent += 1
    return sent


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read: these ``ids``, or all of them."""
    unread = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())

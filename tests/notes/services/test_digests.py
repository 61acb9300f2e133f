"""``manage.py send_digests``: each person who asked for a daily digest gets one e-mail with
their unread, unsent notifications; a second run sends nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import User
from notes.models import Delivery, Notification, NotificationKind
from notes.services import notifications
from tests.factories import make_comment, make_note
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db


def _digest(user: User, **kinds: str) -> None:
    deliveries = dict.fromkeys(NotificationKind.values, Delivery.DIGEST)
    notifications.save_preferences(user=user, deliveries={**deliveries, **kinds})


def _run() -> str:
    out = StringIO()
    call_command("send_digests", stdout=out)
    return out.getvalue()


def test_digests_are_sent_once(alice: User, bob: User, carol: User) -> None:
    _digest(alice)
    _digest(carol)
    note = make_note(alice)
    first = make_comment(note, bob, "first comment")
    make_comment(note, bob, "second comment, cc @carol", first)
    other = make_note(bob)
    make_comment(other, alice, "alice comments on bob's note")  # bob: in-app only

    assert _run().strip() == "Sent 2 digest e-mails."
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"alice@example.org", "carol@example.org"}
    alice_mail = by_recipient["alice@example.org"]
    assert alice_mail.subject.endswith("2 new notifications")
    assert alice_mail.body.count("Bob Builder commented on your note") == 2
    assert f"http://127.0.0.1:8000/n/{note.pk}/#c{first.pk}" in alice_mail.body
    carol_mail = by_recipient["carol@example.org"]
    assert carol_mail.subject.endswith("1 new notification")
    assert "Bob Builder mentioned you in a comment on" in carol_mail.body

    assert _run().strip() == "Sent 0 digest e-mails."
    assert len(mail.outbox) == 2


def test_a_later_run_sends_only_what_is_new(alice: User, bob: User) -> None:
    _digest(alice)
    note = make_note(alice)
    make_comment(note, bob, "early")
    _run()
    make_comment(note, bob, "late")
    _run()
    assert len(mail.outbox) == 2
    assert "early" not in mail.outbox[1].body
    assert mail.outbox[1].subject.endswith("1 new notification")


def test_read_and_non_digest_notifications_are_not_in_digests(alice: User, bob: User) -> None:
    _digest(alice, reply=Delivery.IN_APP)
    note = make_note(alice)
    own = make_comment(note, alice, "mine")
    make_comment(note, bob, "a reply", own)  # a reply: in-app only
    make_comment(note, bob, "read already")
    notifications.mark_read(user=alice)
    assert Notification.objects.filter(recipient=alice).count() == 2
    assert _run().strip() == "Sent 0 digest e-mails."
    assert mail.outbox == []


def test_digest_notifications_are_not_sent_at_once(alice: User, bob: User) -> None:
    _digest(alice)
    note = make_note(alice)
    make_comment(note, bob)
    run_jobs()
    assert mail.outbox == []
    _run()
    assert len(mail.outbox) == 1

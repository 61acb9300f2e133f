"""Who is told about what, and who is not: the note's author, the person answered, the
people mentioned, the paper's other summarisers; never the actor, never twice, never
someone muted, opted out or unable to read the note."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Delivery, Mute, Notification, NotificationKind
from notes.services import notifications
from notes.services.comments import comment_edit
from tests.conftest import make_user
from tests.factories import make_comment, make_note, make_paper, prefer, revise
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db

K = NotificationKind


def _told(user: User) -> list[str]:
    """What ``user`` has been told once the queue has run (a publication's fan-out is a job)."""
    run_jobs()
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True)
    )


def test_a_comment_tells_the_note_author_only(alice: User, bob: User, carol: User) -> None:
    note = make_note(alice)
    make_comment(note, bob, "hello")
    assert _told(alice) == [K.COMMENT]
    assert _told(bob) == []
    assert _told(carol) == []
    n = Notification.objects.get()
    assert n.actor == bob
    assert n.text.startswith("Bob Builder commented on your note")


def test_nobody_is_told_about_their_own_comment(alice: User) -> None:
    note = make_note(alice)
    make_comment(note, alice, "talking to myself @alice")
    assert not Notification.objects.exists()


def test_a_reply_tells_the_person_answered_and_the_note_author(
    alice: User, bob: User, carol: User
) -> None:
    note = make_note(alice)
    question = make_comment(note, bob, "why?")
    Notification.objects.all().delete()
    make_comment(note, carol, "because", question)
    assert _told(bob) == [K.REPLY]
    assert _told(alice) == [K.COMMENT]
    assert _told(carol) == []


def test_a_reply_to_the_note_authors_comment_tells_them_once(alice: User, bob: User) -> None:
    note = make_note(alice)
    own = make_comment(note, alice, "an addendum")
    make_comment(note, bob, "thanks @alice", own)
    assert _told(alice) == [K.REPLY]


def test_mentions_in_a_comment(alice: User, bob: User, carol: User) -> None:
    note = make_note(alice)
    make_comment(note, bob, "@carol, @CAROL and @nobody: see also x@carol.org. Thanks @alice.")
    assert _told(carol) == [K.MENTION]
    assert _told(alice) == [K.COMMENT]  # mentioned too, but told once
    assert Notification.objects.count() == 2


def test_at_most_25_mentions_count(alice: User, bob: User) -> None:
    people = [make_user(f"reader{n:02}") for n in range(30)]
    note = make_note(alice)
    make_comment(note, bob, " ".join(f"@{p.username}" for p in people))
    told = set(
        Notification.objects.filter(kind=K.MENTION).values_list("recipient__username", flat=True)
    )
    assert told == {p.username for p in people[:25]}


def test_mention_names_end_before_sentence_punctuation() -> None:
    assert notifications.mentioned_names("Ask @Bob. Or @carol_1, (@dave) @eve.smith!") == [
        "bob",
        "carol_1",
        "dave",
        "eve.smith",
    ]
    assert notifications.mentioned_names("mail me at bob@example.org or @@x") == []


def test_a_muted_thread_tells_nobody_who_muted_it(alice: User, bob: User, carol: User) -> None:
    note = make_note(alice)
    Mute.objects.create(user=alice, note=note)
    Mute.objects.create(user=carol, note=note)
    question = make_comment(note, carol, "muted but asking")
    make_comment(note, bob, "@carol @alice", question)
    assert _told(alice) == []
    assert _told(carol) == []


def test_muting_and_unmuting_from_the_note_page(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    response = bob_client.post(f"/n/{note.pk}/mute/", {"mute": "1"})
    assert response.status_code == 302
    assert Mute.objects.filter(note=note).count() == 1
    page = bob_client.get(f"/n/{note.pk}/").content.decode()
    assert "Unmute this thread" in page
    bob_client.post(f"/n/{note.pk}/mute/", {"mute": "0"})
    assert not Mute.objects.exists()
    assert Client().post(f"/n/{note.pk}/mute/", {"mute": "1"}).status_code == 302
    assert not Mute.objects.exists()


def test_an_opted_out_kind_is_not_told_but_another_kind_still_is(
    alice: User, bob: User, carol: User
) -> None:
    prefer(alice, comment=Delivery.OFF)
    prefer(carol, mention=Delivery.OFF)
    note = make_note(alice)
    make_comment(note, bob, "plain comment")
    make_comment(note, bob, "and @alice @carol")
    assert _told(alice) == [K.MENTION]
    assert _told(carol) == []


def test_nobody_is_told_about_a_private_note(alice: User, bob: User, bob_client: Client) -> None:
    paper = make_paper(alice)
    make_note(bob, paper)
    note = make_note(alice, paper, body="ask @bob", visibility="private")
    make_comment(note, alice, "@bob should see this?")
    assert _told(bob) == []
    assert bob_client.post(f"/n/{note.pk}/comments/", {"body": "hi"}).status_code == 404


def test_a_note_mentioning_people_tells_them_once(alice: User, bob: User, carol: User) -> None:
    note = make_note(alice, body="with @bob")
    assert _told(bob) == [K.MENTION]
    note = revise(note, "still with @bob, and now @carol")
    assert _told(bob) == [K.MENTION]
    assert _told(carol) == [K.MENTION]
    note = revise(note, "nobody")
    revise(note, "@carol again")
    assert _told(carol) == [K.MENTION]
    assert _told(alice) == []


def test_a_note_that_becomes_public_tells_the_people_it_mentions(alice: User, bob: User) -> None:
    note = make_note(alice, body="for @bob", visibility="private")
    assert _told(bob) == []
    from notes.services import NoteContent, note_save

    note_save(
        note=note,
        user=alice,
        content=NoteContent(body=note.body, tags=[], visibility="public"),
        base_revision=note.revision,
    )
    assert _told(bob) == [K.MENTION]


def test_publishing_a_summary_tells_the_papers_other_summarisers(
    alice: User, bob: User, carol: User, staff: User
) -> None:
    paper = make_paper(alice)
    make_note(bob, paper)
    run_jobs()  # bob's publication, before the others write
    make_note(carol, paper, visibility="private")
    make_note(staff)  # another paper
    note = make_note(alice, paper, body="my take, @bob")
    assert _told(bob) == [K.MENTION]  # one event, one notification
    assert _told(carol) == [K.PAPER_SUMMARY]
    assert _told(staff) == []
    revise(note, "my revised take")
    assert Notification.objects.count() == 2


def test_a_private_summary_tells_nobody_until_it_is_published(alice: User, bob: User) -> None:
    from notes.services import NoteContent, note_save

    paper = make_paper(alice)
    make_note(bob, paper)
    note = make_note(alice, paper, visibility="private")
    assert _told(bob) == []
    note_save(
        note=note,
        user=alice,
        content=NoteContent(body="now public", tags=[], visibility="public"),
        base_revision=note.revision,
    )
    assert _told(bob) == [K.PAPER_SUMMARY]


def test_an_event_never_notifies_twice(alice: User, bob: User, carol: User) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "hi @carol")
    notifications.comment_posted(comment)
    assert Notification.objects.count() == 2
    comment = comment_edit(comment=comment, user=bob, body="hi @carol and @alice")
    assert Notification.objects.count() == 2


def test_an_edit_tells_only_the_newly_mentioned(alice: User, bob: User, carol: User) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "first")
    comment_edit(comment=comment, user=bob, body="first, cc @carol")
    assert _told(carol) == [K.MENTION]


def test_immediate_delivery_sends_an_email_after_commit(
    alice: User, bob: User, carol: User
) -> None:
    prefer(alice, comment=Delivery.IMMEDIATE)
    note = make_note(alice)
    make_comment(note, bob, "hello by mail, @carol")
    run_jobs()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert "Bob Builder commented on your note" in message.subject
    assert "hello by mail" in message.body
    assert f"/n/{note.pk}/#c" in message.body
    assert Notification.objects.get(recipient=alice).emailed_at is not None
    assert Notification.objects.get(recipient=carol).emailed_at is None  # in-app only
    notifications.send_immediate(recipient_ids=[alice.pk])
    assert len(mail.outbox) == 1


# ------------------------------------------------------------------------------- inbox


def test_the_header_shows_the_unread_count(alice: User, bob: User, alice_client: Client) -> None:
    note = make_note(alice)
    page = alice_client.get("/").content.decode()
    assert '<span class="count">' not in page
    make_comment(note, bob)
    make_comment(note, bob)
    page = alice_client.get("/").content.decode()
    assert '<span class="count">2<span class="visually-hidden"> unread</span>' in page
    assert "Notifications" not in Client().get("/").content.decode()


def test_opening_a_notification_marks_it_read_and_goes_to_the_comment(
    alice: User, bob: User, alice_client: Client, bob_client: Client
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "see this")
    n = Notification.objects.get()
    inbox = alice_client.get("/notifications/").content.decode()
    assert "Bob Builder commented on your note" in inbox
    assert "see this" in inbox
    assert bob_client.get(f"/notifications/{n.pk}/").status_code == 404
    response = alice_client.get(f"/notifications/{n.pk}/")
    assert response["Location"] == f"/n/{note.pk}/#c{comment.pk}"
    n.refresh_from_db()
    assert n.is_read


def test_mark_one_and_mark_all_read(alice: User, bob: User, alice_client: Client) -> None:
    note = make_note(alice)
    for _ in range(3):
        make_comment(note, bob)
    first, *_rest = Notification.objects.order_by("pk")
    other = make_note(bob)
    bobs = make_comment(other, alice)
    bobs_notification = Notification.objects.get(recipient=bob, comment=bobs)
    alice_client.post("/notifications/read/", {"id": first.pk})
    alice_client.post("/notifications/read/", {"id": bobs_notification.pk})
    assert Notification.objects.filter(recipient=alice).unread().count() == 2
    assert Notification.objects.filter(recipient=bob).unread().count() == 1
    assert alice_client.post("/notifications/read/", {"id": "x"}).status_code == 400
    alice_client.post("/notifications/read/")
    assert Notification.objects.filter(recipient=alice).unread().count() == 0
    assert Notification.objects.filter(recipient=bob).unread().count() == 1


def test_the_inbox_needs_a_login() -> None:
    for url in ["/notifications/", "/notifications/settings/", "/notifications/1/"]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert Client().post("/notifications/read/").status_code == 302


def test_notification_settings_are_saved_per_kind(alice: User, alice_client: Client) -> None:
    page = alice_client.get("/notifications/settings/").content.decode()
    for kind in K:
        assert f'<label for="id_{kind.value}">{kind.label}' in page
    data = dict.fromkeys(K.values, Delivery.IN_APP) | {"reply": Delivery.DIGEST, "mention": "off"}
    response = alice_client.post("/notifications/settings/", data)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert notifications.delivery_for(alice, "reply") == Delivery.DIGEST
    assert notifications.delivery_for(alice, "mention") == Delivery.OFF
    assert notifications.delivery_for(alice, "comment") == Delivery.IN_APP
    bad = alice_client.post("/notifications/settings/", data | {"reply": "pigeon"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()
    alice.refresh_from_db()
    assert notifications.delivery_for(alice, "reply") == Delivery.DIGEST


def test_the_header_counts_unread_up_to_99_and_the_inbox_says_how_many(
    alice: User, bob: User, alice_client: Client
) -> None:
    from notes.models import Comment

    note = make_note(alice)
    comments = Comment.objects.bulk_create(
        [Comment(note=note, author=bob, body=f"c{i}", body_html=f"<p>c{i}</p>") for i in range(100)]
    )
    sent = {"recipient": alice, "actor": bob, "kind": NotificationKind.COMMENT, "note": note}
    sent["delivery"] = Delivery.IN_APP
    Notification.objects.bulk_create([Notification(**sent, comment=c) for c in comments[:99]])
    badge = '<span class="count">{}<span class="visually-hidden"> unread</span>'
    assert badge.format("99") in alice_client.get("/").content.decode()
    Notification.objects.create(**sent, comment=comments[99])
    with CaptureQueriesContext(connection) as queries:
        page = alice_client.get("/").content.decode()
    assert badge.format("99+") in page
    (count,) = [q["sql"] for q in queries.captured_queries if "notes_notification" in q["sql"]]
    assert count.endswith("LIMIT 100) AS unread")
    # The inbox counts them all.
    assert badge.format("100") in alice_client.get("/notifications/").content.decode()

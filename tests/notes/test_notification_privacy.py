"""Notifications say what they are about only while their recipient may read it: in the
inbox, in e-mails at once and in digests, after every change of what they may read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail

from accounts.models import User
from notes.models import Comment, Delivery, Note, Notification, NotificationKind, Visibility
from notes.services import (
    NoteContent,
    moderation,
    note_restore,
    note_save,
    note_trash,
    notifications,
)
from notes.services.comments import comment_delete, comment_edit
from tests.conftest import client_for, make_user
from tests.factories import make_comment, make_note, make_paper

pytestmark = pytest.mark.django_db

TITLE = "Cryptobiosis in tardigrades"
FIRST = "First words for @bob"
EDITED = "Edited words for @bob, written after the change"
NEUTRAL = "a note you can no longer see"


def _set_visibility(note: Note, visibility: str) -> Note:
    note = Note.objects.get(pk=note.pk)
    return note_save(
        note=note,
        user=note.author,
        content=NoteContent(body=note.body, tags=note.tag_names, visibility=visibility),
        base_revision=note.revision,
    )


def _make_private(note: Note, comment: Comment, staff: User) -> None:
    _set_visibility(note, Visibility.PRIVATE)


def _trash(note: Note, comment: Comment, staff: User) -> None:
    note_trash(note=Note.objects.get(pk=note.pk))


def _hide_note(note: Note, comment: Comment, staff: User) -> None:
    moderation.flag(flagger=make_user("dave"), item=note, reason="spam")
    moderation.moderate(actor=staff, item=note, verb="hide")


def _hide_comment(note: Note, comment: Comment, staff: User) -> None:
    moderation.flag(flagger=make_user("dave"), item=comment, reason="spam")
    moderation.moderate(actor=staff, item=Comment.objects.get(pk=comment.pk), verb="hide")


def _delete_comment(note: Note, comment: Comment, staff: User) -> None:
    comment_delete(comment=Comment.objects.get(pk=comment.pk))


Change = Callable[[Note, Comment, User], None]
# change: (bob still reads the note, the notification is still listed)
CHANGES: dict[str, tuple[Change, bool, bool]] = {
    "made private": (_make_private, False, True),
    "trashed": (_trash, False, True),
    "note hidden": (_hide_note, False, False),
    "comment hidden": (_hide_comment, True, False),
    "comment deleted": (_delete_comment, True, True),
}


def _mentioned_in_a_comment(alice: User, bob: User) -> tuple[Note, Comment]:
    note = make_note(alice, make_paper(alice, title=TITLE), body="Public at first.")
    comment = make_comment(note, alice, FIRST)
    assert Notification.objects.filter(recipient=bob, kind=NotificationKind.MENTION).exists()
    return note, comment


def _edit_comment(comment: Comment) -> None:
    current = Comment.objects.select_related("note").get(pk=comment.pk)
    if not current.is_deleted:
        comment_edit(comment=current, user=current.author, body=EDITED)


@pytest.mark.parametrize("change", CHANGES)
def test_the_inbox_shows_only_what_its_reader_can_still_read(
    alice: User, bob: User, staff: User, change: str
) -> None:
    make_change, still_readable, still_listed = CHANGES[change]
    note, comment = _mentioned_in_a_comment(alice, bob)
    # Seen once before the change, so that its lines are cached: they must not outlive it.
    assert FIRST in client_for(bob).get("/notifications/").content.decode()
    make_change(note, comment, staff)
    _edit_comment(comment)
    inbox = client_for(bob).get("/notifications/").content.decode()
    assert EDITED not in inbox and FIRST not in inbox
    listed = list(Notification.objects.for_inbox(bob))
    assert len(listed) == int(still_listed)
    if not still_listed:
        return
    if still_readable:
        assert TITLE in inbox and NEUTRAL not in inbox
    else:
        assert TITLE not in inbox and f"{{{note.pk}}}" not in inbox
        assert f"Alice Liddell mentioned you in a comment on {NEUTRAL}" in inbox
        # Following it leads back to the inbox, marked read, not to a 404.
        response = client_for(bob).get(f"/notifications/{listed[0].pk}/", follow=True)
        assert response.redirect_chain == [("/notifications/", 302)]
        assert "You can no longer see that note." in response.content.decode()
        assert Notification.objects.get(pk=listed[0].pk).is_read


def test_the_inbox_shows_the_text_again_when_the_note_is_public_again(
    alice: User, bob: User
) -> None:
    note, comment = _mentioned_in_a_comment(alice, bob)
    bob_client = client_for(bob)
    _set_visibility(note, Visibility.PRIVATE)
    _edit_comment(comment)
    assert EDITED not in bob_client.get("/notifications/").content.decode()
    _set_visibility(note, Visibility.PUBLIC)
    inbox = bob_client.get("/notifications/").content.decode()
    assert EDITED in inbox and TITLE in inbox and NEUTRAL not in inbox
    note_trash(note=Note.objects.get(pk=note.pk))
    assert EDITED not in bob_client.get("/notifications/").content.decode()
    note_restore(note=Note.objects.get(pk=note.pk))
    assert EDITED in bob_client.get("/notifications/").content.decode()


def test_the_notes_author_still_reads_notifications_about_their_trashed_note(
    alice: User, bob: User
) -> None:
    note = make_note(alice, make_paper(alice, title=TITLE))
    make_comment(note, bob, "A comment for alice")
    note_trash(note=note)
    inbox = client_for(alice).get("/notifications/").content.decode()
    assert TITLE in inbox and "A comment for alice" in inbox and NEUTRAL not in inbox


@pytest.mark.parametrize("change", ["made private", "trashed", "comment deleted"])
def test_emails_at_once_say_only_what_the_reader_can_still_read(
    alice: User, bob: User, staff: User, change: str
) -> None:
    notifications.save_preferences(user=bob, deliveries={NotificationKind.MENTION: "immediate"})
    note, comment = _mentioned_in_a_comment(alice, bob)  # its e-mail waits for the commit
    make_change, still_readable, _listed = CHANGES[change]
    make_change(note, comment, staff)
    assert notifications.send_immediate(recipient_ids=[bob.pk]) == 1
    [email] = mail.outbox
    text = email.subject + email.body
    assert FIRST not in text
    assert (TITLE in text) is still_readable
    if not still_readable:
        assert NEUTRAL in email.subject and f"/n/{note.pk}/" not in text
        assert "/notifications/" in email.body


def test_digests_say_only_what_the_reader_can_still_read(
    alice: User, bob: User, staff: User
) -> None:
    notifications.save_preferences(
        user=bob, deliveries=dict.fromkeys(NotificationKind.values, Delivery.DIGEST)
    )
    note, _comment = _mentioned_in_a_comment(alice, bob)
    kept = make_note(alice, make_paper(alice, title="Still readable paper"), body="Hi @bob")
    _set_visibility(note, Visibility.PRIVATE)
    assert notifications.send_digests() == 1
    [email] = mail.outbox
    assert TITLE not in email.body and f"/n/{note.pk}/" not in email.body
    assert f"mentioned you in a comment on {NEUTRAL}" in email.body
    assert "Still readable paper" in email.body and f"/n/{kept.pk}/" in email.body


def test_readers_who_never_could_read_the_note_are_never_told(alice: User, bob: User) -> None:
    note = make_note(alice, body="Private, hi @bob", visibility=Visibility.PRIVATE)
    make_comment(note, alice, FIRST)
    assert not Notification.objects.filter(recipient=bob).exists()

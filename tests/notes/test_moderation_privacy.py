"""Moderation acts only on flagged (or moderator-hidden) items its staff may read, and its
lists never show what they could not open: anonymous, the author, another user and staff ×
items in every state."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Comment, Flag, ModerationAction, Note, Visibility
from notes.services import NoteContent, moderation, note_save, note_trash
from notes.services.comments import comment_delete
from tests.factories import make_comment, make_note

pytestmark = pytest.mark.django_db

SECRET = "Words only the author may read"
ROLES = ["anonymous", "owner", "other", "staff"]


def _make_private(note: Note) -> Note:
    return note_save(
        note=note,
        user=note.author,
        content=NoteContent(body=note.body, tags=note.tag_names, visibility=Visibility.PRIVATE),
        base_revision=note.revision,
    )


def _flag(bob: User, item: Note | Comment) -> None:
    moderation.flag(flagger=bob, item=item, reason="spam")


def _hidden(bob: User, staff: User, item: Note | Comment) -> None:
    _flag(bob, item)
    moderation.moderate(actor=staff, item=item, verb="hide")


Scenario = Callable[[User, User, User], Note | Comment]


def _note(alice: User, **extra: object) -> Note:
    return make_note(alice, body=SECRET, **extra)


SCENARIOS: dict[str, tuple[Scenario, str, int]] = {
    # name: (make the item as alice's, bob and staff; the verb; staff's answer)
    "public note, unflagged, hide": (lambda a, b, s: _note(a), "hide", 404),
    "public note, unflagged, dismiss": (lambda a, b, s: _note(a), "dismiss", 404),
    "public note, not hidden, restore": (lambda a, b, s: _note(a), "restore", 404),
    "private note, unflagged, hide": (
        lambda a, b, s: _note(a, visibility=Visibility.PRIVATE),
        "hide",
        404,
    ),
    "public note, flagged, hide": (lambda a, b, s: _flagged(b, _note(a)), "hide", 302),
    "public note, flagged, dismiss": (lambda a, b, s: _flagged(b, _note(a)), "dismiss", 302),
    "flagged note made private, hide": (
        lambda a, b, s: _make_private(_flagged(b, _note(a))),
        "hide",
        404,
    ),
    "flagged note made private, dismiss": (
        lambda a, b, s: _make_private(_flagged(b, _note(a))),
        "dismiss",
        404,
    ),
    "flagged note trashed, hide": (lambda a, b, s: _trashed(_flagged(b, _note(a))), "hide", 404),
    "hidden note, restore": (lambda a, b, s: _hidden_item(b, s, _note(a)), "restore", 302),
    "hidden note made private, restore": (
        lambda a, b, s: _make_private(_hidden_item(b, s, _note(a))),
        "restore",
        404,
    ),
    "hidden note trashed, restore": (
        lambda a, b, s: _trashed(_hidden_item(b, s, _note(a))),
        "restore",
        404,
    ),
    "comment, unflagged, hide": (lambda a, b, s: _comment(a), "hide", 404),
    "comment, flagged, hide": (lambda a, b, s: _flagged(b, _comment(a)), "hide", 302),
    "flagged comment on a note made private, hide": (
        lambda a, b, s: _on_private_note(_flagged(b, _comment(a))),
        "hide",
        404,
    ),
    "flagged comment, deleted since, dismiss": (
        lambda a, b, s: _deleted(_flagged(b, _comment(a))),
        "dismiss",
        404,
    ),
    "hidden comment on a note trashed since, restore": (
        lambda a, b, s: _on_trashed_note(_hidden_item(b, s, _comment(a))),
        "restore",
        404,
    ),
}


def _flagged(bob: User, item: Note | Comment) -> Note | Comment:
    _flag(bob, item)
    return item


def _hidden_item(bob: User, staff: User, item: Note | Comment) -> Note | Comment:
    _hidden(bob, staff, item)
    return type(item).objects.get(pk=item.pk)


def _trashed(note: Note) -> Note:
    return note_trash(note=note)


def _comment(alice: User) -> Comment:
    note = make_note(alice, body="The note under the comment.")
    return make_comment(note, alice, SECRET)


def _on_private_note(comment: Comment) -> Comment:
    _make_private(comment.note)
    return comment


def _on_trashed_note(comment: Comment) -> Comment:
    note_trash(note=Note.objects.get(pk=comment.note_id))
    return comment


def _deleted(comment: Comment) -> Comment:
    return comment_delete(comment=comment)


def _state(item: Note | Comment) -> tuple[object, ...]:
    item = type(item).objects.get(pk=item.pk)
    flags = Flag.objects.open().filter(**{"note" if isinstance(item, Note) else "comment": item})
    return item.hidden_at, flags.count()


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("role", ROLES)
def test_moderation_acts_only_on_flagged_items_its_staff_may_read(
    people: dict[str, Client], alice: User, bob: User, staff: User, role: str, scenario: str
) -> None:
    make, verb, staff_answer = SCENARIOS[scenario]
    item = make(alice, bob, staff)
    before, logged = _state(item), ModerationAction.objects.count()
    kind = "note" if isinstance(item, Note) else "comment"
    response = people[role].post("/moderation/act/", {"kind": kind, "item": item.pk, "verb": verb})
    expected = {"anonymous": 302, "owner": 403, "other": 403, "staff": staff_answer}[role]
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    acted = role == "staff" and staff_answer == 302
    assert (_state(item) != before) is acted
    assert ModerationAction.objects.count() == logged + int(acted)
    # Whatever happened, the moderation page lists the item (with its text) only if its
    # staff may read it, and only while it is flagged or hidden.
    page = people["staff"].get("/moderation/").content.decode()
    current = type(item).objects.get(pk=item.pk)
    readable = moderation.can_moderate_item(current, staff)
    listed = current.is_hidden or moderation.open_flags_on(current).exists()
    assert (SECRET in page) is (readable and listed)
    assert (f"{kind}-{item.pk}" in page) is (readable and listed)
    unreadable = ("private", "trashed", "deleted")
    assert readable is not any(word in scenario for word in unreadable)


def test_the_reported_leak_is_closed(alice: User, staff: User, staff_client: Client) -> None:
    """A private, unflagged note hidden by a crafted POST: a 404, and nothing listed."""
    note = make_note(alice, body=SECRET, visibility=Visibility.PRIVATE)
    response = staff_client.post(
        "/moderation/act/", {"verb": "hide", "kind": "note", "item": note.pk}
    )
    assert response.status_code == 404
    page = staff_client.get("/moderation/").content.decode()
    assert SECRET not in page and note.paper.title not in page and "Alice" not in page
    assert Note.objects.get(pk=note.pk).hidden_at is None


def test_a_flagged_note_leaves_the_queue_when_made_private_and_comes_back_when_public(
    alice: User, bob: User, staff_client: Client
) -> None:
    note = _flagged(bob, _note(alice))
    assert SECRET in staff_client.get("/moderation/").content.decode()
    note = _make_private(note)
    page = staff_client.get("/moderation/")
    assert SECRET not in page.content.decode() and page.context["page"].paginator.count == 0
    note_save(
        note=note,
        user=alice,
        content=NoteContent(body=SECRET, tags=note.tag_names, visibility=Visibility.PUBLIC),
        base_revision=note.revision,
    )
    assert SECRET in staff_client.get("/moderation/").content.decode()


def test_an_action_that_no_longer_applies_when_it_runs_does_nothing(
    alice: User, bob: User, staff: User
) -> None:
    """The item changed between the page and the action (read under the row's lock)."""
    note = _flagged(bob, _note(alice))
    moderation.moderate(actor=staff, item=note, verb="dismiss")
    with pytest.raises(moderation.NothingToDo, match="no open flags"):
        moderation.moderate(actor=staff, item=note, verb="hide")
    _flag(bob, note)
    _make_private(note)
    with pytest.raises(moderation.NothingToDo, match="no longer be read"):
        moderation.moderate(actor=staff, item=note, verb="hide")
    assert Note.objects.get(pk=note.pk).hidden_at is None

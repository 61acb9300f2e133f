"""Who may post, reply, edit, delete and remove comments: anonymous, the commenter (bob),
the note's owner (alice), another user (carol) and staff, on a public and a private note.

Comments on a private note are invisible and impossible for anyone but its owner: every
comment URL is a 404 for them, as the note itself is.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Comment, Note
from tests.conftest import client_for
from tests.factories import make_comment, make_note

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "commenter", "owner", "other", "staff"]
LOGIN = "login"


@pytest.fixture
def people(alice: User, bob: User, carol: User, staff: User) -> dict[str, Client]:
    return {
        "anonymous": Client(),
        "commenter": client_for(bob),
        "owner": client_for(alice),
        "other": client_for(carol),
        "staff": client_for(staff),
    }


def _act(client: Client, action: str, note: Note, comment: Comment) -> int | str:
    base = f"/n/{note.pk}"
    if action == "post":
        response = client.post(f"{base}/comments/", {"body": "new words"})
    elif action == "reply":
        response = client.post(f"{base}/comments/", {"body": "reply", "parent": comment.pk})
    elif action == "edit":
        response = client.post(f"{base}/c/{comment.pk}/edit/", {"body": "changed words"})
    elif action in ("delete", "remove"):
        response = client.post(f"{base}/c/{comment.pk}/{action}/")
    elif action in ("edit_form", "delete_form", "remove_form"):
        response = client.get(f"{base}/c/{comment.pk}/{action.removesuffix('_form')}/")
    else:
        response = client.get(f"{base}/c/{comment.pk}/history/")
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    return response.status_code


PUBLIC_EXPECTED = {
    # action: (anonymous, commenter, owner, other, staff)
    "post": (LOGIN, 302, 302, 302, 302),
    "reply": (LOGIN, 302, 302, 302, 302),
    "edit_form": (LOGIN, 200, 403, 403, 403),
    "edit": (LOGIN, 302, 403, 403, 403),
    "delete_form": (LOGIN, 200, 403, 403, 403),
    "delete": (LOGIN, 302, 403, 403, 403),
    "remove_form": (LOGIN, 403, 200, 403, 200),
    "remove": (LOGIN, 403, 302, 403, 302),
    "history": (200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(PUBLIC_EXPECTED))
def test_comments_on_a_public_note(
    people: dict[str, Client], alice: User, bob: User, role: str, action: str
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "original words")
    expected = PUBLIC_EXPECTED[action][ROLES.index(role)]
    assert _act(people[role], action, note, comment) == expected
    comment.refresh_from_db()
    count = Comment.objects.filter(note=note).count()
    succeeded = expected == 302
    if action in ("post", "reply"):
        assert count == (2 if succeeded else 1)
    elif action == "edit":
        assert (comment.body == "changed words") is succeeded
    elif action == "delete":
        assert comment.is_deleted is succeeded
        assert comment.removed_by is None
    elif action == "remove":
        assert comment.is_deleted is succeeded
        assert (comment.removed_by is not None) is succeeded
    else:
        assert not comment.is_deleted
        assert comment.body == "original words"


PRIVATE_EXPECTED = {
    "post": (LOGIN, None, 302, 404, 404),
    "reply": (LOGIN, None, 302, 404, 404),
    "edit_form": (LOGIN, None, 200, 404, 404),
    "edit": (LOGIN, None, 302, 404, 404),
    "delete": (LOGIN, None, 302, 404, 404),
    "remove_form": (LOGIN, None, 200, 404, 404),
    "history": (404, None, 200, 404, 404),
}


@pytest.mark.parametrize("role", ["anonymous", "owner", "other", "staff"])
@pytest.mark.parametrize("action", list(PRIVATE_EXPECTED))
def test_comments_on_a_private_note_are_invisible_and_impossible_for_others(
    people: dict[str, Client], alice: User, role: str, action: str
) -> None:
    note = make_note(alice, visibility="private")
    comment = make_comment(note, alice, "private musing")
    expected = PRIVATE_EXPECTED[action][ROLES.index(role)]
    assert _act(people[role], action, note, comment) == expected
    if expected != 302:
        comment.refresh_from_db()
        assert comment.body == "private musing"
        assert not comment.is_deleted
        assert Comment.objects.filter(note=note).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_comment_forms(
    people: dict[str, Client], alice: User, bob: User, role: str
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "visible words")
    page = people[role].get(f"/n/{note.pk}/").content.decode()
    assert "visible words" in page
    assert ("Post comment" in page) is (role != "anonymous")
    assert ("Log in</a> to comment" in page) is (role == "anonymous")
    edit_link = f'href="/n/{note.pk}/c/{comment.pk}/edit/"'
    remove_link = f'href="/n/{note.pk}/c/{comment.pk}/remove/"'
    assert (edit_link in page) is (role == "commenter")
    assert (remove_link in page) is (role in ("owner", "staff"))


def test_a_private_notes_comments_are_not_shown_to_others(
    people: dict[str, Client], alice: User
) -> None:
    note = make_note(alice, visibility="private")
    make_comment(note, alice, "private musing")
    assert "private musing" in people["owner"].get(f"/n/{note.pk}/").content.decode()
    for role in ("anonymous", "other", "staff"):
        response = people[role].get(f"/n/{note.pk}/")
        assert response.status_code == 404
        assert "private musing" not in response.content.decode()


def test_a_note_in_the_trash_takes_no_comments(alice: User, alice_client: Client) -> None:
    from notes.services import note_trash

    note = make_note(alice)
    note_trash(note=note)
    assert alice_client.post(f"/n/{note.pk}/comments/", {"body": "x"}).status_code == 403
    assert "Post comment" not in alice_client.get(f"/n/{note.pk}/").content.decode()
    assert not Comment.objects.exists()


def test_comment_urls_need_post_where_they_write(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    assert bob_client.get(f"/n/{note.pk}/comments/").status_code == 405
    assert bob_client.get(f"/n/{note.pk}/mute/").status_code == 405
    assert bob_client.post(f"/n/{note.pk}/c/1/history/").status_code == 405


def test_a_comment_is_reached_only_through_its_own_note(
    alice: User, bob: User, bob_client: Client
) -> None:
    note, other = make_note(alice), make_note(alice)
    comment = make_comment(note, bob)
    assert bob_client.get(f"/n/{other.pk}/c/{comment.pk}/edit/").status_code == 404
    assert bob_client.get(f"/n/{other.pk}/c/{comment.pk}/history/").status_code == 404

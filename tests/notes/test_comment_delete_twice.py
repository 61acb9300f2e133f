"""A double-clicked delete (or remove) gets the first click's answer the second time.

The second request finds the comment already down. For whoever could have taken it down
that is the same redirect and message; for anyone else it is what it always was.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.models import User
from notes.models import Comment, Note
from tests.conftest import client_for
from tests.factories import make_comment, make_note

pytestmark = pytest.mark.django_db

DELETED = "Your comment is deleted; replies to it stay."
REMOVED = "The comment is removed; replies to it stay."


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _shown(page) -> list[str]:
    """The messages a page shows (the page a redirect led to)."""
    return [str(message) for message in page.context["messages"]]


def _comment_count(note: Note) -> int:
    note.refresh_from_db(fields=["comment_count"])
    return note.comment_count


def test_a_double_clicked_delete_answers_both_clicks_alike(
    alice: User, bob: User, bob_client: Client
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "regrettable words")
    url = f"/n/{note.pk}/c/{comment.pk}/delete/"

    first = bob_client.post(url, follow=True)
    second = bob_client.post(url, follow=True)

    assert first.redirect_chain == second.redirect_chain == [(comment.get_absolute_url(), 302)]
    assert _shown(first) == _shown(second) == [DELETED]
    assert _comment_count(note) == 0


@pytest.mark.parametrize("remover", ["owner", "staff"])
def test_a_double_clicked_remove_answers_both_clicks_alike(
    alice: User, bob: User, staff: User, remover: str
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "spam spam spam")
    client = client_for(alice if remover == "owner" else staff)
    url = f"/n/{note.pk}/c/{comment.pk}/remove/"

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert first.redirect_chain == second.redirect_chain == [(comment.get_absolute_url(), 302)]
    assert _shown(first) == _shown(second) == [REMOVED]
    assert Comment.objects.get(pk=comment.pk).removed_by == (alice if remover == "owner" else staff)
    assert _comment_count(note) == 0


def test_the_confirmation_page_of_a_gone_comment_sends_back_to_it(
    alice: User, bob: User, bob_client: Client
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob)
    bob_client.post(f"/n/{note.pk}/c/{comment.pk}/delete/")

    response = bob_client.get(f"/n/{note.pk}/c/{comment.pk}/delete/", follow=True)

    assert response.redirect_chain == [(comment.get_absolute_url(), 302)]
    assert "That comment is already gone" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        ("anonymous", "delete", 302),  # to the login page
        ("anonymous", "remove", 302),
        ("another user", "delete", 404),
        ("another user", "remove", 404),
        ("note owner", "delete", 404),  # the owner removes, only the author deletes
        ("staff", "delete", 404),
    ],
)
def test_a_second_click_from_someone_who_could_not_act_gets_no_success(
    alice: User, bob: User, carol: User, staff: User, role: str, action: str, expected: int
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob)
    client_for(bob).post(f"/n/{note.pk}/c/{comment.pk}/delete/")
    user = {"anonymous": None, "another user": carol, "note owner": alice, "staff": staff}[role]

    response = client_for(user).post(f"/n/{note.pk}/c/{comment.pk}/{action}/")

    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    assert _said(response) == []

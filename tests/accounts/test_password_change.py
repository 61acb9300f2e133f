"""Changing your password at /accounts/password/."""

from __future__ import annotations

from django.contrib.auth import get_user
from django.test import Client

from accounts.models import User
from tests.conftest import PASSWORD

URL = "/accounts/password/"
NEW_PASSWORD = "quantum tunnelling at noon"


def _change(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD, again: str = ""):
    return client.post(
        URL, {"old_password": old, "new_password1": new, "new_password2": again or new}
    )


def _can_log_in(username: str, password: str) -> bool:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": password})
    return get_user(client).is_authenticated


def test_it_asks_anonymous_visitors_to_log_in(client: Client, db: None) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/"


def test_it_shows_a_labelled_form(alice_client: Client) -> None:
    html = alice_client.get(URL).content.decode()

    for field in ("old_password", "new_password1", "new_password2"):
        assert f'<label for="id_{field}">' in html
    assert '<p class="field__help" id="id_new_password1_helptext">' in html
    assert '<button class="button" type="submit">Change password</button>' in html


def test_it_changes_the_password_and_keeps_you_logged_in(alice_client: Client, alice: User) -> None:
    response = _change(alice_client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert get_user(alice_client).pk == alice.pk
    assert (
        "Your password has been changed." in alice_client.get("/accounts/profile/").content.decode()
    )


def test_the_new_password_logs_in_and_the_old_one_no_longer_does(
    alice_client: Client, alice: User
) -> None:
    _change(alice_client)

    assert _can_log_in("alice", NEW_PASSWORD)
    assert not _can_log_in("alice", PASSWORD)


def test_it_refuses_a_wrong_old_password(alice_client: Client, alice: User) -> None:
    response = _change(alice_client, old="not my password")

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "old_password": ["Your old password was entered incorrectly. Please enter it again."]
    }
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_it_refuses_a_weak_new_password(alice_client: Client, alice: User) -> None:
    response = _change(alice_client, new="12345678")

    errors = response.context["form"].errors["new_password2"]
    assert "This password is too common." in errors
    assert "This password is entirely numeric." in errors
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_it_refuses_a_new_password_like_the_username(alice_client: Client) -> None:
    response = _change(alice_client, new="alice1234")

    assert (
        "The password is too similar to the username."
        in response.context["form"].errors["new_password2"]
    )


def test_it_refuses_mismatched_new_passwords(alice_client: Client) -> None:
    response = _change(alice_client, again=NEW_PASSWORD + "!")

    assert response.context["form"].errors == {
        "new_password2": ["The two password fields didn’t match."]
    }


def test_it_ends_the_other_sessions(alice_client: Client, alice: User) -> None:
    other_device = Client()
    other_device.force_login(alice)

    _change(alice_client)

    assert not get_user(other_device).is_authenticated

"""Logging in at /accounts/login/ (the throttle has its own file)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.http import HttpResponse
from django.test import Client

from accounts.models import User
from accounts.views import WRONG_LOGIN
from tests.conftest import PASSWORD

URL = "/accounts/login/"


def _log_in(client: Client, username: str, password: str = PASSWORD, **data: str) -> HttpResponse:
    return client.post(URL, {"username": username, "password": password, **data})


def test_it_shows_a_labelled_form(client: Client, db: None) -> None:
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert '<button class="button" type="submit">Log in</button>' in html
    assert 'href="/accounts/password/reset/"' in html
    assert 'href="/accounts/signup/"' in html


def test_it_is_never_cached(client: Client, db: None) -> None:
    response = client.get(URL)

    assert "no-cache" in response["Cache-Control"]


def test_it_logs_in_and_goes_home(client: Client, alice: User) -> None:
    response = _log_in(client, "alice")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert get_user(client).pk == alice.pk


def test_it_greets_the_user_by_name(client: Client, alice: User) -> None:
    response = client.post(URL, {"username": "alice", "password": PASSWORD}, follow=True)

    assert "Welcome back, Alice Liddell." in response.content.decode()


@pytest.mark.parametrize("username", ["ALICE", "Alice", " alice "])
def test_it_ignores_the_case_of_the_username(client: Client, alice: User, username: str) -> None:
    response = _log_in(client, username)

    assert response.status_code == 302
    assert get_user(client).pk == alice.pk


def test_it_rejects_a_wrong_password(client: Client, alice: User) -> None:
    response = _log_in(client, "alice", "Correct Horse Battery Staple")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [WRONG_LOGIN]
    assert '<div class="form-errors" role="alert">' in response.content.decode()
    assert not get_user(client).is_authenticated


def test_it_gives_an_unknown_username_the_same_answer(client: Client, db: None) -> None:
    response = _log_in(client, "nobody")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [WRONG_LOGIN]


def test_it_refuses_a_deactivated_account(client: Client, alice: User) -> None:
    alice.is_active = False
    alice.save()

    response = _log_in(client, "alice")

    assert response.context["form"].non_field_errors() == [WRONG_LOGIN]
    assert not get_user(client).is_authenticated


def test_it_requires_both_fields(client: Client, db: None) -> None:
    response = client.post(URL, {"username": "", "password": ""})

    assert response.context["form"].errors == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }


def test_it_returns_to_next_on_this_site(client: Client, alice: User) -> None:
    response = _log_in(client, "alice", next="/papers/?page=2")

    assert response["Location"] == "/papers/?page=2"


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example/",
        "http://evil.example/",
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "https://testserver.evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "https:///evil.example",
    ],
)
def test_it_ignores_next_to_another_host(client: Client, alice: User, next_url: str) -> None:
    response = _log_in(client, "alice", next=next_url)

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["/accounts/login/", "/accounts/signup/?next=/papers/"])
def test_it_does_not_return_to_the_login_or_sign_up_page(
    client: Client, alice: User, next_url: str
) -> None:
    response = _log_in(client, "alice", next=next_url)

    assert response["Location"] == "/"


def test_it_accepts_a_full_url_on_this_host(client: Client, alice: User) -> None:
    response = _log_in(client, "alice", next="http://testserver/papers/")

    assert response["Location"] == "http://testserver/papers/"


def test_it_carries_next_from_the_address_into_the_form(client: Client, db: None) -> None:
    html = client.get(URL, {"next": "/n/1/edit/"}).content.decode()

    assert '<input type="hidden" name="next" value="/n/1/edit/">' in html
    assert 'href="/accounts/signup/?next=/n/1/edit/"' in html


def test_it_does_not_carry_a_foreign_next_into_the_form(client: Client, db: None) -> None:
    html = client.get(URL, {"next": "https://evil.example/"}).content.decode()

    assert 'name="next"' not in html
    assert "signup/?next" not in html


def test_it_keeps_next_after_a_wrong_password(client: Client, alice: User) -> None:
    response = _log_in(client, "alice", "wrong", next="/papers/")

    assert '<input type="hidden" name="next" value="/papers/">' in response.content.decode()


def test_a_protected_page_sends_you_here_and_back(client: Client, alice: User) -> None:
    response = client.get("/accounts/profile/")
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"

    response = _log_in(client, "alice", next="/accounts/profile/")

    assert response["Location"] == "/accounts/profile/"


@pytest.mark.parametrize("next_url", ["x", "1", "index", "notes:index"])
def test_a_bare_word_as_next_goes_home(client: Client, alice: User, next_url: str) -> None:
    # redirect() would have read it as the name of a view and failed with a 500.
    response = _log_in(client, "alice", next=next_url)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_logged_in_visitor_with_a_bare_word_as_next_goes_home(alice_client: Client) -> None:
    for url in ("/accounts/signup/?next=x", "/accounts/signup/?next=%C2%B2"):
        response = alice_client.get(url)

        assert response.status_code == 302
        assert response["Location"] == "/"

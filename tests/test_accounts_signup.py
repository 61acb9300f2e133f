"""Sign-up at /accounts/signup/: a new account, logged in at once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.http import HttpResponse
from django.test import Client

from accounts.forms import (
    EMAIL_TAKEN,
    USERNAME_CONFUSABLE,
    USERNAME_NEEDS_ALNUM,
    USERNAME_TAKEN,
    SignupForm,
)
from accounts.models import User
from tests.conftest import PASSWORD

URL = "/accounts/signup/"


def _data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "dora",
        "email": "dora@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def _errors(response: HttpResponse) -> dict[str, list[str]]:
    assert response.status_code == 200
    return response.context["form"].errors


def test_it_shows_a_labelled_form_with_help(client: Client, db: None) -> None:
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<form class="form" method="post" action="/accounts/signup/">' in html
    for field in ("username", "email", "password1", "password2"):
        assert f'<label for="id_{field}">' in html
    assert "150 characters or fewer" in html
    assert "at least 8 characters" in html
    assert '<button class="button" type="submit">Sign up</button>' in html


def test_it_creates_the_account_and_logs_in(client: Client, db: None) -> None:
    response = client.post(URL, _data())

    assert response.status_code == 302
    assert response["Location"] == "/"
    dora = User.objects.get(username="dora")
    assert dora.email == "dora@example.org"
    assert dora.check_password(PASSWORD)
    assert get_user(client).pk == dora.pk


def test_it_welcomes_the_new_user(client: Client, db: None) -> None:
    response = client.post(URL, _data(), follow=True)

    assert "Welcome to PaperNotes, dora! You are logged in." in response.content.decode()


def test_it_goes_on_to_next_on_this_site(client: Client, db: None) -> None:
    response = client.post(URL, _data(next="/papers/new/"))

    assert response["Location"] == "/papers/new/"


@pytest.mark.parametrize(
    "next_url", ["//evil.example/", "https://evil.example/", "javascript:alert(1)"]
)
def test_it_ignores_next_to_another_host(client: Client, db: None, next_url: str) -> None:
    response = client.post(URL, _data(next=next_url))

    assert response["Location"] == "/"


def test_it_carries_next_through_the_form(client: Client, db: None) -> None:
    html = client.get(URL, {"next": "/papers/"}).content.decode()

    assert '<input type="hidden" name="next" value="/papers/">' in html


def test_it_sends_a_logged_in_user_on(alice_client: Client) -> None:
    response = alice_client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("username", ["alice", "ALICE", "Alice"])
def test_it_rejects_duplicate_username_ignoring_case(
    client: Client, alice: User, username: str
) -> None:
    response = client.post(URL, _data(username=username))

    assert _errors(response) == {"username": [USERNAME_TAKEN]}
    assert USERNAME_TAKEN in response.content.decode()
    assert User.objects.count() == 1
    assert not get_user(client).is_authenticated


@pytest.mark.parametrize("email", ["alice@example.org", "ALICE@EXAMPLE.ORG", "Alice@Example.org"])
def test_it_rejects_duplicate_email_ignoring_case(client: Client, alice: User, email: str) -> None:
    response = client.post(URL, _data(email=email))

    assert _errors(response) == {"email": [EMAIL_TAKEN]}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "This password is too common."),
        ("4830192756", "This password is entirely numeric."),
        ("x7$Qp", "This password is too short. It must contain at least 8 characters."),
        ("dora-the-explorer", "The password is too similar to the username."),
        ("dora@example.org", "The password is too similar to the email address."),
    ],
)
def test_it_rejects_weak_passwords(client: Client, db: None, password: str, message: str) -> None:
    data = _data(username="dora-the-explorer", password1=password, password2=password)

    response = client.post(URL, data)

    assert message in _errors(response)["password2"]
    assert not User.objects.exists()


def test_it_rejects_mismatched_passwords(client: Client, db: None) -> None:
    response = client.post(URL, _data(password2=PASSWORD + "!"))

    assert _errors(response) == {"password2": ["The two password fields didn’t match."]}
    assert not User.objects.exists()


def test_it_requires_every_field(client: Client, db: None) -> None:
    response = client.post(URL, {"username": "", "email": "", "password1": "", "password2": ""})

    errors = _errors(response)
    assert set(errors) == {"username", "email", "password1", "password2"}
    assert all(messages == ["This field is required."] for messages in errors.values())
    html = response.content.decode()
    assert '<div class="form-errors" role="alert">' in html
    assert html.count('<ul class="errorlist"') == 4


def test_it_rejects_an_invalid_email(client: Client, db: None) -> None:
    response = client.post(URL, _data(email="dora-at-example.org"))

    assert _errors(response) == {"email": ["Enter a valid email address."]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "d" * 151, "Ensure this value has at most 150 characters (it has 151)."),
        (
            "email",
            "d" * 64 + "@" + "e" * 190 + ".org",
            "Ensure this value has at most 254 characters (it has 259).",
        ),
    ],
)
def test_it_rejects_overly_long_fields(
    client: Client, db: None, field: str, value: str, message: str
) -> None:
    response = client.post(URL, _data(**{field: value}))

    assert message in _errors(response)[field]
    assert not User.objects.exists()


@pytest.mark.parametrize("username", ["dora smith", "dora/x", "<b>dora</b>", "dora!", "dora\x00"])
def test_it_limits_usernames_to_the_allowed_characters(
    client: Client, db: None, username: str
) -> None:
    response = client.post(URL, _data(username=username))

    assert "username" in _errors(response)
    assert not User.objects.exists()


@pytest.mark.parametrize("username", [".", "..", "--", "_", "@+"])
def test_it_rejects_usernames_without_a_letter_or_digit(
    client: Client, db: None, username: str
) -> None:
    response = client.post(URL, _data(username=username))

    assert _errors(response) == {"username": [USERNAME_NEEDS_ALNUM]}


def test_it_accepts_letters_from_any_script(client: Client, db: None) -> None:
    response = client.post(URL, _data(username="田中.さん"))

    assert response.status_code == 302
    assert User.objects.filter(username="田中.さん").exists()


def _lose_the_race(monkeypatch: pytest.MonkeyPatch, **rival: str) -> None:
    """Let another sign-up commit between our form's checks and our insert."""
    real_is_valid = SignupForm.is_valid

    def is_valid_then_overtaken(form: SignupForm) -> bool:
        valid = real_is_valid(form)
        User.objects.create_user(password=PASSWORD, **rival)
        return valid

    monkeypatch.setattr(SignupForm, "is_valid", is_valid_then_overtaken)


def test_a_lost_race_for_the_email_is_a_form_error(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lose_the_race(monkeypatch, username="rival", email="DORA@example.org")

    response = client.post(URL, _data())

    assert _errors(response) == {"email": [EMAIL_TAKEN]}
    assert not User.objects.filter(username="dora").exists()
    assert not get_user(client).is_authenticated


def test_a_lost_race_for_the_username_is_a_form_error(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lose_the_race(monkeypatch, username="Dora", email="rival@example.org")

    response = client.post(URL, _data())

    assert _errors(response) == {"username": [USERNAME_TAKEN]}
    assert User.objects.get().username == "Dora"


@pytest.mark.parametrize(
    "username",
    [
        "\u0430lice",  # Cyrillic а, then Latin
        "ali\u0441e",  # Cyrillic с
        "b\u03bfb",  # Greek omicron
        "\u03b1lpha",  # Greek alpha
        "ivan_\u0438\u0432\u0430\u043d",  # Latin and Cyrillic that share look-alikes
    ],
)
def test_it_refuses_usernames_mixing_look_alike_alphabets(
    client: Client, alice: User, username: str
) -> None:
    response = client.post(URL, _data(username=username, email="someone@example.org"))

    assert _errors(response) == {"username": [USERNAME_CONFUSABLE]}
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]


@pytest.mark.parametrize("username", ["Ελένη", "José", "müller", "田中.さん", "Ελένη_1", "иван"])
def test_it_accepts_names_in_one_alphabet_or_in_alphabets_not_confused(
    client: Client, db: None, username: str
) -> None:
    client.post(URL, _data(username=username))

    assert User.objects.filter(username=username).exists()


def test_fullwidth_letters_are_the_plain_username(client: Client, alice: User) -> None:
    response = client.post(URL, _data(username="\uff41\uff4c\uff49\uff43\uff45"))  # ａｌｉｃｅ

    assert _errors(response) == {"username": [USERNAME_TAKEN]}

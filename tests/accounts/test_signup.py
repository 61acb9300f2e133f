"""Sign-up at /accounts/signup/: "check your e-mail", whatever the address; the e-mailed
link makes the account and logs in, and an address that has an account gets a notice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from accounts.forms import USERNAME_CONFUSABLE, USERNAME_NEEDS_ALNUM, USERNAME_TAKEN
from accounts.models import PendingSignup, User
from accounts.signups import CONFIRM_DAYS
from tests.conftest import PASSWORD

URL = "/accounts/signup/"
LINK = re.compile(r"http://testserver(/accounts/signup/confirm/[^/\s]+/)")


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


def _unmasked(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def _link(outbox_index: int = -1) -> str:
    """The path of the confirmation link in an e-mail."""
    match = LINK.search(mail.outbox[outbox_index].body)
    assert match, mail.outbox[outbox_index].body
    return match.group(1)


def _sign_up(client: Client, **overrides: str) -> HttpResponse:
    """Sign up, follow the e-mailed link and confirm; the confirmation's answer."""
    response = client.post(URL, _data(**overrides))
    assert response.status_code == 302, response.content.decode()
    link = _link()
    assert client.get(link).status_code == 200
    return client.post(link)


def test_it_answers_check_your_email_and_makes_nothing_yet(client: Client, db: None) -> None:
    response = client.post(URL, _data(), follow=True)

    assert response.redirect_chain == [("/accounts/signup/sent/", 302)]
    assert "Check your e-mail to confirm" in response.content.decode()
    assert not User.objects.exists()
    assert not get_user(client).is_authenticated
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dora@example.org"]
    assert message.subject == "Confirm your PaperNotes account"
    assert "Hello dora," in message.body


def test_the_link_makes_the_account_and_logs_in(client: Client, db: None) -> None:
    response = _sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/"
    dora = User.objects.get(username="dora")
    assert dora.email == "dora@example.org"
    assert dora.check_password(PASSWORD)
    assert get_user(client).pk == dora.pk
    assert not PendingSignup.objects.exists()


def test_following_the_link_only_shows_a_button(client: Client, db: None) -> None:
    # Mail scanners open every link: that must neither make the account nor log them in.
    client.post(URL, _data())

    response = Client().get(_link())

    html = response.content.decode()
    assert "Your username will be <strong>dora</strong>" in html
    assert '<button class="button" type="submit">Confirm and log in</button>' in html
    assert not User.objects.exists()


def test_the_link_works_in_another_browser(client: Client, db: None) -> None:
    client.post(URL, _data())
    other = Client()

    response = other.post(_link())

    assert response.status_code == 302
    assert get_user(other).username == "dora"


def test_it_welcomes_the_new_user(client: Client, db: None) -> None:
    client.post(URL, _data())

    response = client.post(_link(), follow=True)

    assert "Welcome to PaperNotes, dora! You are logged in." in response.content.decode()


def test_the_link_works_once(client: Client, db: None) -> None:
    _sign_up(client)

    again = Client().post(_link())

    assert again.status_code == 404
    assert "This link is invalid" in again.content.decode()
    assert User.objects.count() == 1


def test_an_old_link_is_invalid(client: Client, db: None) -> None:
    client.post(URL, _data())
    PendingSignup.objects.update(created=timezone.now() - timedelta(days=CONFIRM_DAYS + 1))

    for response in (client.get(_link()), client.post(_link())):
        assert response.status_code == 404
        assert "This link is invalid" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("token", ["made-up", "x" * 43, "-"])
def test_a_made_up_link_is_invalid(client: Client, db: None, token: str) -> None:
    response = client.post(f"/accounts/signup/confirm/{token}/")

    assert response.status_code == 404
    assert "This link is invalid" in response.content.decode()


def test_it_goes_on_to_next_on_this_site(client: Client, db: None) -> None:
    response = _sign_up(client, next="/papers/new/")

    assert response["Location"] == "/papers/new/"


@pytest.mark.parametrize(
    "next_url", ["//evil.example/", "https://evil.example/", "javascript:alert(1)"]
)
def test_it_ignores_next_to_another_host(client: Client, db: None, next_url: str) -> None:
    response = _sign_up(client, next=next_url)

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
    assert str(USERNAME_TAKEN) in response.content.decode()
    assert User.objects.count() == 1
    assert not get_user(client).is_authenticated
    assert mail.outbox == []


# --- an address that has an account: the same answer, a notice to its owner ------------


@pytest.mark.parametrize("email", ["alice@example.org", "ALICE@EXAMPLE.ORG", "Alice@Example.org"])
def test_a_known_address_gets_the_same_answer_and_its_owner_a_notice(
    client: Client, alice: User, email: str
) -> None:
    known = client.post(URL, _data(email=email), follow=True)
    unknown = Client().post(URL, _data(username="eve", email="eve@example.org"), follow=True)

    assert known.redirect_chain == unknown.redirect_chain == [("/accounts/signup/sent/", 302)]
    # Alike but for the footer form's CSRF token, which is masked afresh on every page.
    assert _unmasked(known.content) == _unmasked(unknown.content)
    assert User.objects.count() == 1
    assert not PendingSignup.objects.filter(username="dora").exists()
    notice = mail.outbox[0]
    assert notice.to == ["alice@example.org"]
    assert notice.subject == "Someone tried to sign up for PaperNotes with your address"
    assert "Hello alice," in notice.body
    assert "http://testserver/accounts/login/" in notice.body
    assert "http://testserver/accounts/password/reset/" in notice.body
    assert "/accounts/signup/confirm/" not in notice.body


def test_the_sign_up_page_never_says_an_address_is_in_use(client: Client, alice: User) -> None:
    response = client.post(URL, _data(email="alice@example.org", password2="mismatch"))

    assert set(_errors(response)) == {"password2"}
    assert "e-mail address already" not in response.content.decode()


def test_a_link_for_an_address_that_got_an_account_meanwhile_makes_nothing(
    client: Client, db: None
) -> None:
    client.post(URL, _data())
    User.objects.create_user("rival", "DORA@example.org", PASSWORD)

    response = client.post(_link())

    assert response.status_code == 409
    assert "This address already has an account" in response.content.decode()
    assert not User.objects.filter(username="dora").exists()
    assert not get_user(client).is_authenticated


def test_two_sign_ups_for_one_address_make_one_account(db: None) -> None:
    Client().post(URL, _data(username="dora"))
    Client().post(URL, _data(username="dora2"))
    first, second = _link(0), _link(1)

    assert Client().post(second).status_code == 302
    response = Client().post(first)

    assert response.status_code == 404  # closed with the other: one account per address
    assert list(User.objects.values_list("username", flat=True)) == ["dora2"]


def test_a_username_taken_before_confirming_is_said_then(client: Client, db: None) -> None:
    client.post(URL, _data())
    User.objects.create_user("Dora", "someone@example.org", PASSWORD)

    response = client.post(_link())

    assert response.status_code == 409
    html = response.content.decode()
    assert "That username was taken meanwhile" in html
    assert 'href="/accounts/signup/"' in html
    assert User.objects.get(email="someone@example.org").username == "Dora"
    assert not User.objects.filter(email="dora@example.org").exists()


# --- rate limits: per client address and per e-mail address ----------------------------


@pytest.fixture
def _limit_of_two(settings) -> None:
    settings.SIGNUP_RATE_LIMIT = 2
    settings.SIGNUP_RATE_WINDOW_SECONDS = 3600


@pytest.mark.usefixtures("_limit_of_two")
def test_one_client_address_signing_up_too_often_is_refused(db: None) -> None:
    for n in range(2):
        response = Client().post(URL, _data(username=f"u{n}", email=f"u{n}@example.org"))
        assert response.status_code == 302

    response = Client().post(URL, _data(username="u9", email="u9@example.org"))

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many requests from here or for this e-mail address. Try again in 60 minutes." in (
        response.content.decode()
    )
    assert len(mail.outbox) == 2
    assert '<input type="text" name="username" value="u9"' in response.content.decode()


@pytest.mark.usefixtures("_limit_of_two")
@pytest.mark.parametrize("email", ["alice@example.org", "nobody@example.org"])
def test_one_email_address_is_limited_alike_whether_or_not_it_has_an_account(
    alice: User, email: str
) -> None:
    statuses = [
        Client().post(URL, _data(username=f"u{n}", email=email), REMOTE_ADDR=f"198.51.100.{n}")
        for n in range(3)
    ]

    assert [response.status_code for response in statuses] == [302, 302, 429]
    assert len(mail.outbox) == 2


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
    response = _sign_up(client, username="田中.さん")

    assert response.status_code == 302
    assert User.objects.filter(username="田中.さん").exists()


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
    _sign_up(client, username=username)

    assert User.objects.filter(username=username).exists()


def test_fullwidth_letters_are_the_plain_username(client: Client, alice: User) -> None:
    response = client.post(URL, _data(username="\uff41\uff4c\uff49\uff43\uff45"))  # ａｌｉｃｅ

    assert _errors(response) == {"username": [USERNAME_TAKEN]}

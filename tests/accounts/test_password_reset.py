"""Resetting a forgotten password by e-mail, from /accounts/password/reset/."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.test import Client

from accounts import throttle
from accounts.models import User
from tests.conftest import PASSWORD

URL = "/accounts/password/reset/"
NEW_PASSWORD = "a walk through the library"
LINK = re.compile(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")


def _ask_for_link(client: Client, email: str) -> str:
    """The path of the link in the e-mail sent to ``email``."""
    response = client.post(URL, {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    match = LINK.search(mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def _set_password(client: Client, link: str, password: str = NEW_PASSWORD):
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    return client.post(set_password_url, {"new_password1": password, "new_password2": password})


def _log_in(username: str, password: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": password})
    return client


def test_it_shows_a_labelled_form(client: Client, db: None) -> None:
    html = client.get(URL).content.decode()

    assert '<label for="id_email">' in html
    assert '<button class="button" type="submit">Send the link</button>' in html


def test_it_mails_a_link_that_sets_a_new_password(client: Client, alice: User) -> None:
    link = _ask_for_link(client, "alice@example.org")

    response = _set_password(client, link)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/reset/done/"
    assert "Your password is set" in client.get(response["Location"]).content.decode()
    assert get_user(_log_in("alice", NEW_PASSWORD)).pk == alice.pk
    assert not get_user(_log_in("alice", PASSWORD)).is_authenticated


def test_the_email_names_the_site_and_the_account(client: Client, alice: User) -> None:
    _ask_for_link(client, "alice@example.org")

    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Reset your PaperNotes password"
    assert "Hello alice," in message.body
    assert "your PaperNotes account" in message.body


def test_it_finds_the_account_whatever_the_case_of_the_address(client: Client, alice: User) -> None:
    link = _ask_for_link(client, "ALICE@Example.ORG")

    assert mail.outbox[0].to == ["alice@example.org"]
    assert _set_password(client, link).status_code == 302


def test_an_unknown_address_gets_the_same_page_and_no_mail(client: Client, db: None) -> None:
    response = client.post(URL, {"email": "nobody@example.org"}, follow=True)

    assert response.redirect_chain == [("/accounts/password/reset/sent/", 302)]
    assert "Check your inbox" in response.content.decode()
    assert mail.outbox == []


def test_a_known_address_gets_the_same_page(client: Client, alice: User) -> None:
    response = client.post(URL, {"email": "alice@example.org"}, follow=True)

    assert response.redirect_chain == [("/accounts/password/reset/sent/", 302)]
    assert "Check your inbox" in response.content.decode()


def test_a_used_link_is_invalid(client: Client, alice: User) -> None:
    link = _ask_for_link(client, "alice@example.org")
    _set_password(client, link)

    response = Client().get(link, follow=True)

    assert response.status_code == 200
    assert not response.context["validlink"]
    html = response.content.decode()
    assert "This link is invalid" in html
    assert 'href="/accounts/password/reset/"' in html
    assert "<form" not in html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_a_made_up_link_is_invalid(client: Client, alice: User) -> None:
    response = client.get("/accounts/reset/MQ/abcdef-0123456789abcdef/", follow=True)

    assert response.status_code == 200
    assert "This link is invalid" in response.content.decode()


def test_the_new_password_must_be_strong(client: Client, alice: User) -> None:
    link = _ask_for_link(client, "alice@example.org")

    response = _set_password(client, link, "password")

    assert response.status_code == 200
    assert "This password is too common." in response.context["form"].errors["new_password2"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_setting_the_new_password_logs_in(client: Client, alice: User) -> None:
    # The way in for someone whose login attempts are paused (see the login throttle).
    link = _ask_for_link(client, "alice@example.org")

    _set_password(client, link)

    assert get_user(client).pk == alice.pk


# --- rate limits: per client address and per e-mail address ----------------------------

LIMIT = 3


@pytest.fixture
def _limits(settings) -> None:
    settings.PASSWORD_RESET_RATE_LIMIT = LIMIT
    settings.PASSWORD_RESET_RATE_WINDOW_SECONDS = 3600


def _ask(email: str, address: str = "192.0.2.1"):
    return Client().post(URL, {"email": email}, REMOTE_ADDR=address)


@pytest.mark.usefixtures("_limits")
@pytest.mark.parametrize("email", ["alice@example.org", "nobody@example.org"])
def test_one_address_asking_too_often_is_refused_alike_for_every_email(
    alice: User, email: str
) -> None:
    for n in range(LIMIT):
        assert _ask(f"someone{n}@example.org").status_code == 302

    response = _ask(email)

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    html = response.content.decode()
    assert "Too many requests from here or for this e-mail address. Try again in 60" in html
    assert '<input type="email" name="email"' in html  # the form is still there
    assert mail.outbox == []


@pytest.mark.usefixtures("_limits")
def test_one_email_asked_for_too_often_gets_no_more_mail(alice: User) -> None:
    for n in range(LIMIT):
        assert _ask("ALICE@example.org", address=f"198.51.100.{n}").status_code == 302
    assert len(mail.outbox) == LIMIT

    response = _ask("alice@example.org", address="203.0.113.9")

    assert response.status_code == 429
    assert len(mail.outbox) == LIMIT


@pytest.mark.usefixtures("_limits")
def test_an_unknown_email_is_limited_like_a_known_one(alice: User) -> None:
    answers = []
    for email in ("alice@example.org", "nobody@example.org"):
        answers.append([_ask(email, address=f"198.51.100.{n}").status_code for n in range(5)])

    assert answers[0] == answers[1] == [302, 302, 302, 429, 429]


def test_the_limit_is_per_window(alice: User, settings, monkeypatch) -> None:
    settings.PASSWORD_RESET_RATE_LIMIT = 1
    clock = [1_700_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    assert _ask("alice@example.org").status_code == 302
    assert _ask("alice@example.org").status_code == 429

    clock[0] += settings.PASSWORD_RESET_RATE_WINDOW_SECONDS

    assert _ask("alice@example.org").status_code == 302

"""Editing your own profile at /accounts/profile/."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.http import HttpResponse
from django.test import Client

from accounts.models import User
from tests.conftest import PASSWORD

URL = "/accounts/profile/"


def _data(**overrides: str) -> dict[str, str]:
    data = {
        "display_name": "Alice P. Liddell",
        "affiliation": "Christ Church, Oxford",
        "bio": "Reads about rabbits.\nAnd looking-glasses.",
        "email": "alice@example.org",
    }
    data.update(overrides)
    return data


def _errors(response: HttpResponse) -> dict[str, list[str]]:
    assert response.status_code == 200
    return response.context["form"].errors


def test_it_asks_anonymous_visitors_to_log_in(client: Client, db: None) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_anonymous_visitors_cannot_post_either(client: Client, alice: User) -> None:
    response = client.post(URL, _data(display_name="Mallory"))

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.display_name == "Alice Liddell"


def test_it_shows_the_current_values_with_labels_and_help(alice_client: Client) -> None:
    html = alice_client.get(URL).content.decode()

    assert 'value="Alice Liddell"' in html
    assert 'value="alice@example.org"' in html
    for field in ("display_name", "affiliation", "bio", "email"):
        assert f'<label for="id_{field}">' in html
    assert "up to 100 characters" in html
    assert 'href="/accounts/password/"' in html


def _link(message_body: str) -> str:
    [link] = re.findall(r"http://testserver(/accounts/profile/address/[^/\s]+/)", message_body)
    return link


def test_it_saves_the_edits(alice_client: Client, alice: User) -> None:
    response = alice_client.post(URL, _data(display_name="Alice P. Liddell"))

    assert response.status_code == 302
    assert response["Location"] == "/u/alice/"
    alice.refresh_from_db()
    assert alice.display_name == "Alice P. Liddell"
    assert alice.affiliation == "Christ Church, Oxford"
    assert alice.bio == "Reads about rabbits.\nAnd looking-glasses."
    assert mail.outbox == []


def test_a_new_address_is_used_once_its_link_is_followed(alice_client: Client, alice: User) -> None:
    response = alice_client.post(URL, _data(email="Alice.Liddell@example.org"), follow=True)

    html = response.content.decode()
    assert "We sent a link to Alice.Liddell@example.org" in html
    assert "Until then we keep using alice@example.org" in html
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"  # a mistyped address locks nobody out
    [message] = mail.outbox
    assert message.to == ["Alice.Liddell@example.org"]
    link = _link(message.body)

    # Opening the link (as mail scanners do) changes nothing; its button does, logged in or not.
    page = Client().get(link)
    assert page.status_code == 200
    assert "Use this address" in page.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    assert Client().post(link).status_code == 302
    alice.refresh_from_db()
    assert alice.email == "Alice.Liddell@example.org"
    # A link works once.
    assert Client().post(link).status_code == 404
    assert Client().get(link).status_code == 404


def test_an_older_link_stops_working_after_another_change(
    alice_client: Client, alice: User
) -> None:
    alice_client.post(URL, _data(email="first@example.org"))
    alice_client.post(URL, _data(email="second@example.org"))
    first, second = (_link(message.body) for message in mail.outbox)
    assert alice_client.post(second).status_code == 302
    assert alice_client.post(first).status_code == 404
    alice.refresh_from_db()
    assert alice.email == "second@example.org"


@pytest.mark.parametrize("token", ["x", "eyJ1c2VyIjoxfQ:1a2b3c:forged", "%00", "a" * 300])
def test_a_malformed_or_forged_link_is_a_404(alice_client: Client, token: str) -> None:
    assert alice_client.get(f"/accounts/profile/address/{token}/").status_code == 404
    assert alice_client.post(f"/accounts/profile/address/{token}/").status_code == 404


def test_it_confirms_the_save(alice_client: Client) -> None:
    response = alice_client.post(URL, _data(), follow=True)

    assert "Your profile has been saved." in response.content.decode()


def test_it_lets_you_clear_the_optional_fields(alice_client: Client, alice: User) -> None:
    alice_client.post(URL, _data(display_name="", affiliation="", bio=""))

    alice.refresh_from_db()
    assert (alice.display_name, alice.affiliation, alice.bio) == ("", "", "")
    assert alice.name == "alice"


@pytest.mark.parametrize("email", ["bob@example.org", "BOB@example.org", "Bob@Example.Org"])
def test_an_address_in_use_is_not_revealed(
    alice_client: Client, alice: User, bob: User, email: str
) -> None:
    """The answer is the one a free address gets; only the address's owner hears of it."""
    response = alice_client.post(URL, _data(email=email), follow=True)

    assert f"We sent a link to {email}" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    [notice] = mail.outbox
    assert notice.to == [bob.email]
    assert "belongs to your account, so nothing was changed" in notice.body
    assert "alice" not in notice.body.lower()


def test_it_lets_you_change_the_case_of_your_own_email(alice_client: Client, alice: User) -> None:
    response = alice_client.post(URL, _data(email="ALICE@example.org"))

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "ALICE@example.org"
    assert mail.outbox == []


def test_address_changes_are_rate_limited(alice_client: Client, alice: User, settings) -> None:
    settings.SIGNUP_RATE_LIMIT = 2
    for n in range(2):
        assert alice_client.post(URL, _data(email=f"new{n}@example.org")).status_code == 302
    response = alice_client.post(URL, _data(email="new9@example.org", bio="kept words"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Too many requests" in html
    assert "kept words" in html
    assert len(mail.outbox) == 2


def test_it_requires_an_email(alice_client: Client) -> None:
    response = alice_client.post(URL, _data(email=""))

    assert _errors(response) == {"email": ["This field is required."]}


@pytest.mark.parametrize(
    ("field", "limit"), [("display_name", 100), ("affiliation", 200), ("bio", 5000)]
)
def test_it_limits_the_length_of_each_field(
    alice_client: Client, alice: User, field: str, limit: int
) -> None:
    response = alice_client.post(URL, _data(**{field: "x" * (limit + 1)}))

    assert _errors(response) == {
        field: [f"Keep this to {limit} characters or fewer (it has {limit + 1})."]
    }
    html = response.content.decode()
    assert f"Keep this to {limit} characters or fewer" in html
    assert f'maxlength="{limit}"' in html


def test_a_refused_edit_leaves_the_header_showing_the_saved_name(
    alice_client: Client, bob: User
) -> None:
    response = alice_client.post(URL, _data(display_name="Queen of Hearts", bio="x" * 5001))

    html = response.content.decode()
    assert '<a class="site-nav__user" href="/u/alice/" dir="auto">Alice Liddell</a>' in html
    assert 'value="Queen of Hearts"' in html  # what was typed is not lost


def test_an_address_taken_before_its_link_is_followed_is_not_used(
    alice_client: Client, alice: User
) -> None:
    alice_client.post(URL, _data(email="new@example.org"))
    link = _link(mail.outbox[0].body)
    User.objects.create_user("rival", "NEW@example.org", PASSWORD)

    response = alice_client.post(link)

    assert response.status_code == 409
    assert "was taken by another account meanwhile" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"

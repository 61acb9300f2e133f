"""Editing your own profile at /accounts/profile/."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client

from accounts.forms import EMAIL_TAKEN, ProfileForm
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


def test_it_saves_the_edits(alice_client: Client, alice: User) -> None:
    response = alice_client.post(URL, _data(email="Alice.Liddell@example.org"))

    assert response.status_code == 302
    assert response["Location"] == "/u/alice/"
    alice.refresh_from_db()
    assert alice.display_name == "Alice P. Liddell"
    assert alice.affiliation == "Christ Church, Oxford"
    assert alice.bio == "Reads about rabbits.\nAnd looking-glasses."
    assert alice.email == "Alice.Liddell@example.org"


def test_it_confirms_the_save(alice_client: Client) -> None:
    response = alice_client.post(URL, _data(), follow=True)

    assert "Your profile has been saved." in response.content.decode()


def test_it_lets_you_clear_the_optional_fields(alice_client: Client, alice: User) -> None:
    alice_client.post(URL, _data(display_name="", affiliation="", bio=""))

    alice.refresh_from_db()
    assert (alice.display_name, alice.affiliation, alice.bio) == ("", "", "")
    assert alice.name == "alice"


@pytest.mark.parametrize("email", ["bob@example.org", "BOB@example.org", "Bob@Example.Org"])
def test_it_rejects_duplicate_email_ignoring_case(
    alice_client: Client, alice: User, bob: User, email: str
) -> None:
    response = alice_client.post(URL, _data(email=email))

    assert _errors(response) == {"email": [EMAIL_TAKEN]}
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_it_lets_you_change_the_case_of_your_own_email(alice_client: Client, alice: User) -> None:
    response = alice_client.post(URL, _data(email="ALICE@example.org"))

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "ALICE@example.org"


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
    response = alice_client.post(
        URL, _data(display_name="Queen of Hearts", email="bob@example.org")
    )

    html = response.content.decode()
    assert '<a class="site-nav__user" href="/u/alice/">Alice Liddell</a>' in html
    assert 'value="Queen of Hearts"' in html  # what was typed is not lost


def test_a_lost_race_for_the_email_is_a_form_error(
    alice_client: Client, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_is_valid = ProfileForm.is_valid

    def is_valid_then_overtaken(form: ProfileForm) -> bool:
        valid = real_is_valid(form)
        User.objects.create_user("rival", "NEW@example.org", PASSWORD)
        return valid

    monkeypatch.setattr(ProfileForm, "is_valid", is_valid_then_overtaken)

    response = alice_client.post(URL, _data(email="new@example.org"))

    assert _errors(response) == {"email": [EMAIL_TAKEN]}
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"

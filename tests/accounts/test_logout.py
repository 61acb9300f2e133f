"""Logging out at /accounts/logout/: POST only."""

from __future__ import annotations

from django.contrib.auth import get_user
from django.test import Client

from accounts.models import User

URL = "/accounts/logout/"


def test_it_logs_out_and_goes_home(alice_client: Client) -> None:
    response = alice_client.post(URL)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not get_user(alice_client).is_authenticated


def test_it_says_so(alice_client: Client) -> None:
    response = alice_client.post(URL, follow=True)

    assert "You have logged out." in response.content.decode()


def test_it_rejects_get(alice_client: Client, alice: User) -> None:
    response = alice_client.get(URL)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert get_user(alice_client).pk == alice.pk


def test_it_needs_the_csrf_token(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(URL)

    assert response.status_code == 403
    assert get_user(client).pk == alice.pk


def test_it_is_harmless_when_logged_out(client: Client, db: None) -> None:
    response = client.post(URL)

    assert response.status_code == 302
    assert response["Location"] == "/"

"""The API tokens settings page: make (shown once), list, revoke; stored hashed."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from api.models import ApiToken
from api.tokens import digest_of, token_create
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/accounts/tokens/"


def _secret_on(page: bytes) -> str:
    match = re.search(rb'value="(pn_[A-Za-z0-9_-]+)"', page)
    assert match is not None
    return match.group(1).decode()


def test_it_needs_a_login() -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_token_is_shown_once_and_stored_hashed(alice) -> None:
    client = client_for(alice)
    made = client.post(URL, {"name": "laptop", "scope": "write"}, follow=True)
    assert made.status_code == 200
    secret = _secret_on(made.content)
    token = ApiToken.objects.get(user=alice)
    assert token.scope == "write" and token.name == "laptop"
    assert token.digest == digest_of(secret) != secret
    assert secret not in str(list(ApiToken.objects.values_list()))
    again = client.get(URL)
    assert secret.encode() not in again.content
    assert token.prefix.encode() in again.content
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/")
    assert api.json()["token_scope"] == "write"


def test_bad_input_is_refused_with_a_message(alice) -> None:
    client = client_for(alice)
    assert client.post(URL, {"name": "", "scope": "read"}).status_code == 400
    assert client.post(URL, {"name": "x", "scope": "admin"}).status_code == 400
    assert client.post(URL, {"name": "a\x00b", "scope": "read"}).status_code == 400
    assert client.post(URL, {"revoke": "9" * 40}, follow=True).status_code == 200
    assert not ApiToken.objects.exists()


def test_names_are_escaped(alice) -> None:
    client = client_for(alice)
    client.post(URL, {"name": "<script>alert(1)</script>", "scope": "read"})
    page = client.get(URL).content
    assert b"<script>alert(1)" not in page
    assert b"&lt;script&gt;" in page


def test_nobody_revokes_another_persons_token(alice, bob) -> None:
    token, raw = token_create(user=alice, name="mine", scope="read")
    client_for(bob).post(URL, {"revoke": token.pk})
    token.refresh_from_db()
    assert not token.is_revoked
    assert b"mine" not in client_for(bob).get(URL).content
    client_for(alice).post(URL, {"revoke": token.pk})
    token.refresh_from_db()
    assert token.is_revoked
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me/").status_code == 401


def test_a_deactivated_user_token_stops_working(alice) -> None:
    _, raw = token_create(user=alice, name="mine", scope="read")
    alice.is_active = False
    alice.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me/").status_code == 401


def test_last_used_is_recorded(alice) -> None:
    token, raw = token_create(user=alice, name="mine", scope="read")
    assert token.last_used_at is None
    Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_page_query_count_does_not_grow(alice, django_assert_max_num_queries) -> None:
    for n in range(20):
        token_create(user=alice, name=f"t{n}", scope="read")
    client = client_for(alice)
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200

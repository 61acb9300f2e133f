"""Sessions (accounts/sessions.py): read with one constant statement, and as Django's own
database sessions otherwise: an expired, unknown or logged-out session is no session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PRIVATE_PAGE = "/notifications/"


def _logged_in(alice: User) -> Client:
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )
    return client


def test_a_logged_in_reader_s_session_is_read_in_one_statement(alice: User) -> None:
    client = _logged_in(alice)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PRIVATE_PAGE).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert len(reads) == 1
    assert reads[0].startswith('SELECT "session_data" FROM "django_session" WHERE')


def test_an_expired_session_is_no_session(alice: User) -> None:
    client = _logged_in(alice)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("key", ["", "no-such-session-key-at-all-00000000", "'; DROP TABLE x;--"])
def test_an_unknown_session_key_is_no_session(alice: User, key: str) -> None:
    client = Client()
    client.cookies["sessionid"] = key
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/").status_code == 200


def test_a_session_ended_by_logging_out_does_not_come_back(alice: User) -> None:
    client = _logged_in(alice)
    stolen = client.cookies["sessionid"].value
    assert client.post("/accounts/logout/").status_code == 302
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get(PRIVATE_PAGE).status_code == 302
    assert not Session.objects.filter(session_key=stolen).exists()

"""Sessions (accounts/sessions.py) and their accounts (accounts/backends.py): each read
with one constant statement, and as Django's own database sessions and ModelBackend
otherwise: an expired, unknown or logged-out session is no session, an inactive or deleted
account no account, and sessions made before AccountBackend stay logged in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import backends, sessions
from accounts.models import User
from tests.conftest import PASSWORD, make_user

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


def _session_data(client: Client) -> dict:
    return Session.objects.get(session_key=client.cookies["sessionid"].value).get_decoded()


def test_a_login_records_the_account_backend(alice: User) -> None:
    data = _session_data(_logged_in(alice))
    assert data[BACKEND_SESSION_KEY] == sessions.ACCOUNT_BACKEND
    assert f"{backends.__name__}.{backends.AccountBackend.__name__}" == sessions.ACCOUNT_BACKEND
    assert data[SESSION_KEY] == str(alice.pk)


def test_a_logged_in_reader_s_account_is_read_in_one_constant_statement(alice: User) -> None:
    client = _logged_in(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PRIVATE_PAGE)
    assert response.status_code == 200 and response.wsgi_request.user.pk == alice.pk
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(reads) == 1
    # Not the ORM's statement (which names the table before each column and adds a LIMIT).
    assert reads[0].startswith('SELECT "id", "password", ')
    assert reads[0].endswith(f' FROM "accounts_user" WHERE "id" = {alice.pk}')


def test_the_account_read_is_the_orm_s_account(alice: User) -> None:
    alice.display_name, alice.bio, alice.language = "Alice Ω", "<b>bio</b>", "ar"
    alice.notification_settings = {"reply": "digest"}
    alice.save()
    read = backends.read_account(str(alice.pk))
    expected = User.objects.get(pk=alice.pk)
    fields = [field.attname for field in User._meta.concrete_fields]
    assert {name: getattr(read, name) for name in fields} == {
        name: getattr(expected, name) for name in fields
    }
    assert read._state.db == "default" and not read._state.adding
    assert read.get_session_auth_hash() == expected.get_session_auth_hash()


@pytest.mark.parametrize("user_id", ["999999", "0", "-1", "not a number", "", None, "1.5"])
def test_no_account_for_an_id_that_names_none(alice: User, user_id: object) -> None:
    assert backends.read_account(user_id) is None
    assert backends.AccountBackend().get_user(user_id) is None


def test_an_inactive_account_is_no_account(alice: User) -> None:
    client = _logged_in(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert backends.AccountBackend().get_user(alice.pk) is None
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deleted_account_s_session_is_no_session(db) -> None:
    dave = make_user("dave")
    client = Client()
    client.force_login(dave)
    dave.delete()
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_session_made_before_the_account_backend_stays_logged_in(alice: User) -> None:
    client = Client()
    client.force_login(alice, backend=sessions.EARLIER_BACKEND)
    assert _session_data(client)[BACKEND_SESSION_KEY] == sessions.EARLIER_BACKEND
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 200 and response.wsgi_request.user.pk == alice.pk


def test_a_session_of_a_backend_not_listed_is_no_session(alice: User) -> None:
    client = Client()
    client.force_login(alice, backend="django.contrib.auth.backends.RemoteUserBackend")
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_changed_password_ends_other_sessions(alice: User) -> None:
    client = _logged_in(alice)
    alice.set_password("a new and different password 42")
    alice.save()
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

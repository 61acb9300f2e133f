"""Failed logins are throttled per (username, client address) and per client address.

Nobody can lock someone else out: failures for a username from one address leave that
user free to log in from any other address, and a password reset link always works.

The throttle's clock is replaced by a ``Clock`` the tests move by hand, so windows open
and end deterministically, without sleeping.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.http import HttpResponse
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from accounts import throttle
from accounts.models import User
from accounts.views import LOCKED_OUT_HELP, LOGIN_UNAVAILABLE, WRONG_LOGIN
from tests.conftest import PASSWORD

URL = "/accounts/login/"
LIMIT = 3
ADDRESS_LIMIT = 5
WINDOW = 600


class Clock:
    def __init__(self) -> None:
        self.time = 1_700_000_000.0

    def __call__(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture(autouse=True)
def _limits(settings: Settings) -> None:
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = ADDRESS_LIMIT
    settings.LOGIN_LOCKOUT_SECONDS = WINDOW


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(throttle, "now", clock)
    return clock


def _log_in(
    username: str, password: str = PASSWORD, *, address: str = "192.0.2.1", **meta: str
) -> tuple[Client, HttpResponse]:
    client = Client()
    response = client.post(
        URL, {"username": username, "password": password}, REMOTE_ADDR=address, **meta
    )
    return client, response


def _fail(username: str, times: int, *, addresses: list[str] | None = None) -> HttpResponse:
    response = HttpResponse()
    for n in range(times):
        address = addresses[n] if addresses else "192.0.2.1"
        _, response = _log_in(username, "not the password", address=address)
    return response


def _locked_out(response: HttpResponse, client: Client) -> bool:
    return response.status_code == 429 and not get_user(client).is_authenticated


# --- per username and address ----------------------------------------------------------


def test_failures_below_the_limit_still_let_you_in(alice: User, clock: Clock) -> None:
    response = _fail("alice", LIMIT - 1)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [WRONG_LOGIN]

    client, response = _log_in("alice")

    assert response.status_code == 302
    assert get_user(client).pk == alice.pk


def test_the_last_allowed_failure_says_when_to_retry(alice: User, clock: Clock) -> None:
    response = _fail("alice", LIMIT)

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [
        f"Too many failed attempts. Try again in 10 minutes. {LOCKED_OUT_HELP}"
    ]
    assert response["Retry-After"] == str(WINDOW)


def test_it_locks_a_username_from_that_address_even_against_the_right_password(
    alice: User, clock: Clock
) -> None:
    _fail("alice", LIMIT)
    clock.advance(60)

    client, response = _log_in("alice")

    assert _locked_out(response, client)
    html = response.content.decode()
    assert "Too many failed attempts. Try again in 9 minutes." in html
    assert "you can log in from another one, or reset your password" in html
    assert '<div class="form-errors" role="alert">' in html
    assert '<input type="password" name="password"' in html  # the form is still there
    assert response["Retry-After"] == str(WINDOW - 60)


def test_failures_from_elsewhere_never_lock_a_user_out(alice: User, clock: Clock) -> None:
    # Someone fails with alice's name from many addresses, as often as each allows.
    for n in range(4):
        _fail("alice", LIMIT + 2, addresses=[f"198.51.100.{n}"] * (LIMIT + 2))

    client, response = _log_in("alice", address="203.0.113.9")

    assert response.status_code == 302
    assert get_user(client).pk == alice.pk


def test_a_locked_out_user_logs_in_from_an_address_that_has_not_failed(
    alice: User, clock: Clock
) -> None:
    _fail("alice", LIMIT, addresses=["192.0.2.1"] * LIMIT)
    client, response = _log_in("alice", address="192.0.2.1")
    assert _locked_out(response, client)

    client, response = _log_in("alice", address="203.0.113.9")

    assert response.status_code == 302
    assert get_user(client).pk == alice.pk


def test_the_username_lock_ignores_case(alice: User, clock: Clock) -> None:
    for username in ("ALICE", "Alice", "aLiCe"):
        _log_in(username, "not the password", address="198.51.100.1")

    client, response = _log_in("alice", address="198.51.100.1")

    assert _locked_out(response, client)


def test_the_lock_counts_down(alice: User, clock: Clock) -> None:
    _fail("alice", LIMIT)
    clock.advance(WINDOW - 30)

    client, response = _log_in("alice")

    assert _locked_out(response, client)
    assert "Try again in 1 minute." in response.content.decode()


def test_it_unlocks_when_the_window_ends(alice: User, clock: Clock) -> None:
    _fail("alice", LIMIT)
    clock.advance(WINDOW)

    client, response = _log_in("alice")

    assert response.status_code == 302
    assert get_user(client).pk == alice.pk


def test_after_the_window_failures_count_afresh(alice: User, clock: Clock) -> None:
    _fail("alice", LIMIT)
    clock.advance(WINDOW)

    response = _fail("alice", LIMIT - 1)

    assert response.status_code == 200


def test_retrying_during_the_lock_out_does_not_prolong_it(alice: User, clock: Clock) -> None:
    _fail("alice", LIMIT)
    for _ in range(5):
        clock.advance(WINDOW / 6)
        client, response = _log_in("alice")
        assert _locked_out(response, client)
    clock.advance(WINDOW / 6)

    client, response = _log_in("alice")

    assert response.status_code == 302


def test_a_successful_login_clears_the_usernames_count(alice: User, clock: Clock) -> None:
    _fail("alice", LIMIT - 1)
    _log_in("alice")

    response = _fail("alice", LIMIT - 1)

    assert response.status_code == 200


def test_one_username_locked_leaves_others_alone(alice: User, bob: User, clock: Clock) -> None:
    _fail("alice", LIMIT, addresses=[f"198.51.100.{n}" for n in range(LIMIT)])

    _, response = _log_in("bob", address="203.0.113.9")

    assert response.status_code == 302


# --- per client address ----------------------------------------------------------------


def test_it_locks_an_address_after_failures_across_usernames(alice: User, clock: Clock) -> None:
    for n in range(ADDRESS_LIMIT):
        _log_in(f"guess{n}", "not the password", address="192.0.2.66")

    client, response = _log_in("alice", address="192.0.2.66")
    assert _locked_out(response, client)
    assert "Too many failed attempts. Try again in 10 minutes." in response.content.decode()

    client, response = _log_in("alice", address="192.0.2.67")
    assert response.status_code == 302


def test_successful_logins_do_not_use_up_an_address(
    alice: User, bob: User, carol: User, clock: Clock
) -> None:
    # An office behind one address: many people logging in is not an attack.
    for username in ("alice", "bob", "carol", "alice", "bob", "carol"):
        _, response = _log_in(username, address="192.0.2.80")
        assert response.status_code == 302


def test_x_forwarded_for_is_ignored_unless_trusted(alice: User, clock: Clock) -> None:
    for n in range(ADDRESS_LIMIT):
        _log_in(f"guess{n}", "nope", address="192.0.2.66", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    client, response = _log_in("alice", address="192.0.2.66", HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert _locked_out(response, client)


def test_behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for(
    alice: User, clock: Clock, settings: Settings
) -> None:
    settings.TRUST_X_FORWARDED_FOR = True
    proxy = "10.0.0.1"
    for n in range(ADDRESS_LIMIT):
        _log_in(f"guess{n}", "nope", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.2")

    client, response = _log_in("alice", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert _locked_out(response, client)

    client, response = _log_in("alice", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert response.status_code == 302


# --- the module's small functions ------------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (False, "203.0.113.5", "192.0.2.1"),
        (True, "203.0.113.5", "203.0.113.5"),
        (True, " 203.0.113.5 , 10.0.0.2, 10.0.0.3", "203.0.113.5"),
        (True, "", "192.0.2.1"),
        (True, None, "192.0.2.1"),
    ],
)
def test_client_address(
    settings: Settings, trusted: bool, forwarded: str | None, expected: str
) -> None:
    settings.TRUST_X_FORWARDED_FOR = trusted
    meta = {"REMOTE_ADDR": "192.0.2.1"}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded

    request = RequestFactory().get("/", **meta)

    assert throttle.client_address(request) == expected


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (1, "Try again in 1 minute."),
        (60, "Try again in 1 minute."),
        (61, "Try again in 2 minutes."),
        (600, "Try again in 10 minutes."),
    ],
)
def test_retry_message_rounds_up_to_whole_minutes(seconds: int, message: str) -> None:
    assert throttle.retry_message(seconds) == f"Too many failed attempts. {message}"


def test_attempts_are_counted_before_the_password_is_checked(clock: Clock) -> None:
    # A burst of parallel requests all start their attempts before any of them fails;
    # only LIMIT of them may go on to check a password.
    keys = throttle.login_keys("alice", "192.0.2.1")

    waits = [throttle.start_attempt(keys) for _ in range(LIMIT + 2)]

    assert waits == [0] * LIMIT + [WINDOW, WINDOW]


def test_usernames_with_any_characters_make_usable_cache_keys() -> None:
    keys = throttle.login_keys("d\u00f6ra mit Leerzeichen\n" * 20, "2001:db8::1")

    for key in (counter.key for counter in keys):
        assert len(key) < 100
        assert key.isascii()
        assert " " not in key


def test_the_admin_login_page_sends_people_to_the_throttled_login(clock: Clock) -> None:
    response = Client().get("/admin/login/?next=/admin/notes/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fnotes%2F"


def test_the_admin_is_reached_through_the_throttled_login(staff: User, clock: Clock) -> None:
    client = Client()
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"
    _fail(staff.username, LIMIT)
    _, response = _log_in(staff.username)
    assert response.status_code == 429
    clock.advance(WINDOW)
    response = client.post(
        "/accounts/login/?next=/admin/",
        {"username": staff.username, "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="192.0.2.1",
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# --- when the counters cannot be reached -----------------------------------------------

UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Nothing listens on the discard port: every cache call fails at once.
        "LOCATION": "redis://127.0.0.1:9/0",
    }
}


def test_without_its_counters_the_login_refuses_even_the_right_password(
    alice: User, settings: Settings
) -> None:
    settings.CACHES = UNREACHABLE_CACHE

    client, response = _log_in("alice")

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response.context["form"].non_field_errors() == [LOGIN_UNAVAILABLE]
    assert not get_user(client).is_authenticated


def test_a_locked_out_user_gets_in_with_a_reset_link(alice: User, clock: Clock) -> None:
    _fail("alice", LIMIT)
    client = Client()
    client.post(
        "/accounts/password/reset/", {"email": "alice@example.org"}, REMOTE_ADDR="192.0.2.1"
    )
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)
    assert link

    form = client.get(link.group(1), follow=True, REMOTE_ADDR="192.0.2.1")
    new_password = "a brand new passphrase"
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        REMOTE_ADDR="192.0.2.1",
    )

    assert response.status_code == 302
    assert get_user(client).pk == alice.pk

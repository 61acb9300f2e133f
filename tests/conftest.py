"""Shared fixtures: named users and logged-in clients.

alice and bob are ordinary users, carol is a third ordinary user (the one who should
never see alice's private notes), and staff is a staff member.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User

PASSWORD = "correct horse battery staple"
# What a browser sends; the test client sends no User-Agent, which counts as a robot.
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def make_user(username: str, **extra: object) -> User:
    return User.objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, **extra
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Throttles and rate limits live in the cache; each test starts with a clean slate.
    cache.clear()


@pytest.fixture
def alice(db) -> User:
    return make_user("alice", display_name="Alice Liddell")


@pytest.fixture
def bob(db) -> User:
    return make_user("bob", display_name="Bob Builder")


@pytest.fixture
def carol(db) -> User:
    return make_user("carol")


@pytest.fixture
def staff(db) -> User:
    return make_user("staff", is_staff=True)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice: User) -> Client:
    return client_for(alice)


@pytest.fixture
def bob_client(bob: User) -> Client:
    return client_for(bob)


@pytest.fixture
def carol_client(carol: User) -> Client:
    return client_for(carol)


@pytest.fixture
def staff_client(staff: User) -> Client:
    return client_for(staff)


@pytest.fixture
def people(alice: User, bob: User, staff: User) -> dict[str, Client]:
    """The permission matrix's roles; alice is the owner of what the test makes."""
    return {
        "anonymous": Client(),
        "owner": client_for(alice),
        "other": client_for(bob),
        "staff": client_for(staff),
    }

"""Shared fixtures: named users and logged-in clients, and each run's own test databases.

alice and bob are ordinary users, carol is a third ordinary user (the one who should
never see alice's private notes), and staff is a staff member.

Every pytest run names its test databases after itself (``…_r<pid>`` of the process that
started the run, after pytest-xdist's ``_gw<n>`` for its workers), so two runs at once in
one clone, or against one server, never drop each other's database. Databases left behind
by runs that were killed are dropped at the start of the next run on the same machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from accounts.models import User
from tests.sources import sources  # noqa: F401 (a fixture: the metadata sources' stand-in)

PASSWORD = "correct horse battery staple"
# What a browser sends; the test client sends no User-Agent, which counts as a robot.
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


RUN_KEY = "papernotes_run"
_RUN = pytest.StashKey[str]()
_RUN_SUFFIX_RE = re.compile(r"^test_.*_r(?P<pid>[0-9]+)$")


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller, or a run without workers
        config.stash[_RUN] = f"r{os.getpid()}"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # pytest-xdist: hand the run's name to a worker
    node.workerinput[RUN_KEY] = node.config.stash[_RUN]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests first, keeping the order of each group.

    They are the longest (seconds each, the accessibility walk a quarter of a minute);
    started first, with the workers stealing queued tests from each other (``--dist
    worksteal``), they overlap the thousands of short tests instead of leaving one worker
    finishing them alone at the end of the run.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[object]:
    """A test outside the browser folder runs, with its fixtures, as plain synchronous
    code, even in a worker that has run browser tests before it.

    Playwright's synchronous API keeps its event loop marked as running in the thread for
    as long as the browser is open. Code that asks whether it runs inside an event loop
    would take the test for asynchronous code: the formula renderer's time limit refuses
    to run, and Django keeps a second set of database connections for "asynchronous"
    code, so a test whose transaction began on one would write through the other.
    """
    loop = asyncio._get_running_loop()
    if loop is None or item.get_closest_marker("browser") is not None:
        return (yield)
    asyncio._set_running_loop(None)
    try:
        return (yield)
    finally:
        asyncio._set_running_loop(loop)


def _run_suffix(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return workerinput[RUN_KEY] if workerinput is not None else config.stash[_RUN]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_abandoned_test_databases() -> None:
    """Drop the test databases of earlier runs whose process is gone (killed runs)."""
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'test\\_%'")
        names = [row[0] for row in cursor.fetchall()]
        for name in names:
            match = _RUN_SUFFIX_RE.match(name)
            if match and not _pid_alive(int(match.group("pid"))):
                # Another run may be dropping it too; whoever comes second has nothing to do.
                with contextlib.suppress(Exception):
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _is_local(database: dict) -> bool:
    host = database.get("HOST") or ""
    return host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest,
    django_db_modify_db_settings_parallel_suffix: None,
    django_db_blocker,
) -> None:
    from django.conf import settings

    suffix = _run_suffix(request.config)
    for database in settings.DATABASES.values():
        test = database.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_{suffix}"
    workerinput = getattr(request.config, "workerinput", {})
    if workerinput.get("workerid", "gw0") == "gw0" and _is_local(settings.DATABASES["default"]):
        with django_db_blocker.unblock():
            _drop_abandoned_test_databases()


def make_user(username: str, **extra: object) -> User:
    return User.objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, **extra
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_files_from_the_finders(settings) -> None:
    # Static files collected into the checkout (a deployment's collectstatic) would be
    # indexed by WhiteNoise again for every test client (some 60 ms each); tests serve the
    # static files from the finders instead.
    settings.STATIC_ROOT = None


@pytest.fixture(autouse=True)
def _site_language() -> None:
    # A request leaves its language active in the thread (LocaleMiddleware); a test that
    # calls the code directly starts in the site's default, whatever the test before read.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _queue_emptied_after_committing_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that commits (a browser test, a real worker's) leaves no job behind for the
    tests that run after it in the same process: the queue's tables are not among the
    models a transactional test's flush empties."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    ):
        from tests.jobs import empty_queue

        empty_queue()


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

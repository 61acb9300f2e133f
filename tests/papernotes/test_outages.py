"""The database or the cache out of reach: pages answer 503 or render without the cache,
logins fail closed, the log gets a line per kind of failure, health tells, and the site
recovers by itself (issues 11.7 and 16)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection
from django.test import Client, RequestFactory

from accounts.models import User
from papernotes import health, outages
from papernotes.outages import reporter
from tests.conftest import BROWSER_AGENT, PASSWORD, client_for
from tests.factories import make_note
from tests.ops import free_port


@pytest.fixture(autouse=True)
def _fresh_failure_log() -> Iterator[None]:
    reporter.reset()
    yield
    reporter.reset()


@pytest.fixture
def database_down() -> Iterator[None]:
    """The default connection pointed at a port where nothing listens, then put back."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "papernotes.outages"]


def _django_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


PAGES = ["/", "/papers/", "/tags/", "/search/?q=light", "/health/", "/feeds/notes/"]


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_pages_answer_503_and_the_log_gets_one_line(
    alice: User, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    note = make_note(alice)
    reader = Client(HTTP_USER_AGENT=BROWSER_AGENT)
    writer = client_for(alice)
    request.getfixturevalue("database_down")
    with caplog.at_level(logging.WARNING):
        responses = [reader.get(page) for page in [*PAGES, f"/n/{note.pk}/"] * 3]
        responses += [
            writer.get("/following/"),
            writer.post("/papers/new/", {"title": "Written while the database is down"}),
            writer.post(f"/n/{note.pk}/comments/", {"body": "A comment."}),
        ]
    for response in responses:
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        html = response.content.decode()
        assert "The database is not answering" in html
        assert "<title>" in html
        # The site's headers too: the page's inline style is the one the policy allows.
        assert "Content-Security-Policy" in response
    lines = _outage_lines(caplog)
    assert len(lines) == 1
    assert lines[0].startswith("database unavailable:")
    assert _django_errors(caplog) == []


@pytest.mark.django_db(transaction=True)
def test_the_site_recovers_by_itself_when_the_database_is_back(alice: User) -> None:
    note = make_note(alice)
    reader = Client()
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        assert reader.get(f"/n/{note.pk}/").status_code == 503
    finally:
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert reader.get(f"/n/{note.pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_failure_outside_any_view_answers_503_too(database_down: None) -> None:
    """``handler500`` (a middleware saving a session, say) gives the same answer."""
    try:
        connection.ensure_connection()
    except DatabaseError:
        response = outages.server_error(RequestFactory().get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response._has_been_logged


def test_other_errors_still_get_the_500_page(rf: RequestFactory) -> None:
    try:
        raise ValueError("a bug")
    except ValueError:
        response = outages.server_error(rf.get("/"))
    assert response.status_code == 500


# --- Health -------------------------------------------------------------------------------


def _health(client: Client, path: str) -> tuple[int, dict]:
    response = client.get(path)
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_ready_when_the_database_the_cache_and_the_disk_are() -> None:
    status, body = _health(Client(), "/health/ready")
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "jobs": "ok",
            "cache": "ok",
            "disk": "ok",
        },
    }
    assert _health(Client(), "/health/live") == (200, {"status": "ok"})


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_live_answers_and_ready_says_what_failed(
    database_down: None,
) -> None:
    assert _health(Client(), "/health/live") == (200, {"status": "ok"})
    response = Client().get("/health/ready")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "database unavailable"
    assert body["checks"]["cache"] == "ok"
    # Nothing about where the database is or what it said.
    assert "127.0.0.1" not in response.content.decode()
    assert connection.settings_dict["PORT"] not in response.content.decode()


@pytest.mark.django_db
def test_ready_is_503_with_migrations_left_to_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "_migrated_until", 0.0)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'notes'")  # rolled back
    status, body = _health(Client(), "/health/ready")
    assert status == 503
    assert body["checks"]["migrations"].endswith("migration(s) not applied")


@pytest.mark.django_db
def test_ready_is_503_when_the_disk_is_nearly_full(settings) -> None:
    settings.HEALTH_MIN_FREE_DISK_MB = 10**12  # more than any disk has
    status, body = _health(Client(), "/health/ready")
    assert status == 503
    assert body["checks"]["disk"].startswith("low on disk space")


# --- The cache out of reach -----------------------------------------------------------------


@pytest.fixture
def redis_down(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "papernotes.cache.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.mark.django_db
def test_with_redis_down_pages_render_without_the_cache(
    redis_down: None, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    note = make_note(alice, tags=["optics"])
    reader = Client(HTTP_USER_AGENT=BROWSER_AGENT)
    with caplog.at_level(logging.WARNING):
        for page in ["/", "/tags/", "/tags/optics/", f"/n/{note.pk}/", "/search/?q=summary"]:
            response = reader.get(page)
            assert response.status_code == 200, page
        assert "optics" in reader.get("/tags/").content.decode()
        assert client_for(alice).get(f"/n/{note.pk}/").status_code == 200
    lines = _outage_lines(caplog)
    assert len(lines) == 1
    assert lines[0].startswith("cache unavailable:")


@pytest.mark.django_db
def test_with_redis_down_logins_fail_closed(redis_down: None, alice: User) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 503
    assert "try again in a minute" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_with_redis_down_comments_and_previews_are_refused_keeping_the_text(
    redis_down: None, alice: User, bob: User
) -> None:
    """What cannot be counted is not done (like logins), and the writer's text comes back."""
    note = make_note(alice)
    client = client_for(bob)
    response = client.post(f"/n/{note.pk}/comments/", {"body": "kept *comment* words"})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "cannot be counted right now" in html
    assert "kept *comment* words" in html
    assert not note.comments.exists()

    fragment = client.post("/n/preview/", {"body": "*x*", "visibility": "public"})
    assert fragment.status_code == 503
    assert "cannot be counted right now" in fragment.content.decode()
    assert "<em>" not in fragment.content.decode()

    revision = note.revision
    editor = client_for(alice).post(
        f"/n/{note.pk}/edit/",
        {
            "body": "kept *draft*",
            "visibility": "public",
            "base_revision": str(revision),
            "preview": "1",
        },
    )
    assert editor.status_code == 503
    assert "kept *draft*" in editor.content.decode()
    note.refresh_from_db()
    assert note.revision == revision


@pytest.mark.django_db
def test_with_redis_down_an_api_comment_is_a_503_to_retry(
    redis_down: None, alice: User, bob: User
) -> None:
    from tests.api.test_writes import send, token_client

    note = make_note(alice)
    response = send(token_client(bob), "post", f"/api/v1/notes/{note.pk}/comments/", {"body": "x"})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "cannot be counted right now" in response.json()["detail"]
    assert not note.comments.exists()


@pytest.mark.django_db
def test_with_redis_down_ready_says_so(redis_down: None) -> None:
    status, body = _health(Client(), "/health/ready")
    assert status == 503
    assert body["checks"]["cache"] == "cache unreachable"
    assert body["checks"]["database"] == "ok"


def test_the_log_gets_a_line_per_kind_per_interval_with_the_count(
    settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings.FAILURE_LOG_INTERVAL_SECONDS = 60
    clock = [1000.0]
    monkeypatch.setattr(outages.time, "monotonic", lambda: clock[0])
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            reporter.report("database unavailable", OSError("refused"))
        reporter.report("lock timeout", OSError("too long"))
        clock[0] += 61
        reporter.report("database unavailable", OSError("refused"))
    assert _outage_lines(caplog) == [
        "database unavailable: refused",
        "lock timeout: too long",
        "database unavailable: refused (and 4 more in the last 61 s)",
    ]

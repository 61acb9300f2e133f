"""The environment helpers behind settings.py, and the settings they produce."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from papernotes.env import (
    env_bool,
    env_database,
    env_float,
    env_int,
    env_list,
    env_origins,
    env_redis_url,
    env_secret_key,
    env_str,
)
from tests.paths import ROOT

STRONG_KEY = "x7Gq2mV9pL4sT8wZ1cB6nR3yK5hJ0dF2aQ7eU9iO4uY6tW8rE1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), ("on", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_common_spellings(value: str, expected: bool) -> None:
    assert env_bool("DEBUG", not expected, environ={"DEBUG": value}) is expected


def test_env_bool_uses_default_when_unset() -> None:
    assert env_bool("DEBUG", True, environ={}) is True
    assert env_bool("DEBUG", False, environ={}) is False


def test_env_bool_rejects_nonsense_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False, environ={"DEBUG": "maybe"})


def test_env_int_parses_and_checks_bounds() -> None:
    assert env_int("PORT", 1, environ={"PORT": " 587 "}) == 587
    assert env_int("PORT", 25, environ={}) == 25
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("PORT", 1, environ={"PORT": "five"})
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("PORT", 1, minimum=1, environ={"PORT": "0"})
    with pytest.raises(ImproperlyConfigured, match="above the maximum"):
        env_int("PORT", 1, maximum=65535, environ={"PORT": "70000"})


def test_env_float_parses_and_checks_bounds() -> None:
    assert env_float("RENDER_CPU_SECONDS", 2.0, environ={"RENDER_CPU_SECONDS": " 1.5 "}) == 1.5
    assert env_float("RENDER_CPU_SECONDS", 2.0, environ={}) == 2.0
    with pytest.raises(ImproperlyConfigured, match="RENDER_CPU_SECONDS='two' is not a number"):
        env_float("RENDER_CPU_SECONDS", 2.0, environ={"RENDER_CPU_SECONDS": "two"})
    for value in ("nan", "inf"):
        with pytest.raises(ImproperlyConfigured, match="not a finite number"):
            env_float("RENDER_CPU_SECONDS", 2.0, environ={"RENDER_CPU_SECONDS": value})
    with pytest.raises(ImproperlyConfigured, match=r"below the minimum of 0\.1"):
        env_float("RENDER_CPU_SECONDS", 2.0, minimum=0.1, environ={"RENDER_CPU_SECONDS": "0"})
    with pytest.raises(ImproperlyConfigured, match="above the maximum"):
        env_float("X", 1.0, maximum=10, environ={"X": "11"})


def test_env_list_splits_and_drops_blanks() -> None:
    assert env_list("HOSTS", environ={"HOSTS": "a.org, b.org,,"}) == ["a.org", "b.org"]
    assert env_list("HOSTS", ["x"], environ={}) == ["x"]


def test_env_origins_require_a_scheme() -> None:
    assert env_origins("O", environ={"O": "https://a.org"}) == ["https://a.org"]
    with pytest.raises(ImproperlyConfigured, match="must start with http"):
        env_origins("O", environ={"O": "a.org"})


def test_env_str_strips_and_defaults() -> None:
    assert env_str("TZ", "UTC", environ={"TZ": " Europe/Paris "}) == "Europe/Paris"
    assert env_str("TZ", "UTC", environ={}) == "UTC"


def test_secret_key_has_a_development_default_only_with_debug() -> None:
    assert env_secret_key("SECRET_KEY", debug=True, dev_default="dev", environ={}) == "dev"
    with pytest.raises(ImproperlyConfigured, match="refuses to start without a secret key"):
        env_secret_key("SECRET_KEY", debug=False, dev_default="dev", environ={})


def test_secret_key_must_be_strong_in_production() -> None:
    with pytest.raises(ImproperlyConfigured, match="too weak"):
        env_secret_key("SECRET_KEY", debug=False, dev_default="dev", environ={"SECRET_KEY": "s"})
    key = env_secret_key(
        "SECRET_KEY", debug=False, dev_default="dev", environ={"SECRET_KEY": STRONG_KEY}
    )
    assert key == STRONG_KEY


def test_database_url_is_parsed() -> None:
    config = env_database(
        "DATABASE_URL", environ={"DATABASE_URL": "postgresql://u:p@db.example:6543/papers"}
    )
    assert config is not None
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "u",
        "p",
        "db.example",
        6543,
    )
    assert config["NAME"] == "papers"


def test_database_url_unset_means_embedded() -> None:
    assert env_database("DATABASE_URL", environ={}) is None


@pytest.mark.parametrize(
    "value", ["sqlite:///db.sqlite3", "mysql://u@h/db", "postgresql://u@h/", "not a url"]
)
def test_database_url_rejects_what_is_not_postgresql(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_database("DATABASE_URL", environ={"DATABASE_URL": value})


def test_redis_url_needs_a_redis_scheme() -> None:
    assert env_redis_url("REDIS_URL", environ={}) == ""
    assert env_redis_url("REDIS_URL", environ={"REDIS_URL": "redis://127.0.0.1:6379/1"})
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        env_redis_url("REDIS_URL", environ={"REDIS_URL": "http://x"})


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    ignored = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key() -> None:
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deploy_check() -> None:
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="example.org",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_bad_debug_value_stops_start_up_with_a_clear_message() -> None:
    result = _manage("check", DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


PRINT_OPTIONS = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "{'server_side_binding': True, 'prepare_threshold': 5, 'connect_timeout': 5}"),
        (
            {"DB_PREPARE_THRESHOLD": "0"},
            "{'server_side_binding': True, 'prepare_threshold': 0, 'connect_timeout': 5}",
        ),
        ({"DB_SERVER_SIDE_BINDING": "0"}, "{'server_side_binding': False, 'connect_timeout': 5}"),
    ],
)
def test_repeated_queries_are_prepared_unless_binding_is_left_to_the_client(
    env: dict[str, str], expected: str
) -> None:
    result = _manage("shell", "-c", PRINT_OPTIONS, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_prepared_statements_are_used_by_a_connection(db) -> None:
    # The fifth run of the same query prepares it on the server (pg_prepared_statements).
    from django.db import connection

    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT count(*) FROM notes_paper WHERE id > %s", [0])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] >= 1


def test_a_negative_prepare_threshold_is_refused() -> None:
    result = _manage("check", DB_PREPARE_THRESHOLD="-1")
    assert result.returncode != 0
    assert "DB_PREPARE_THRESHOLD" in result.stderr


def test_the_memory_cache_has_room_for_cached_pieces() -> None:
    printed = "from django.conf import settings; print(settings.CACHES['default'])"
    result = _manage("shell", "-c", printed, REDIS_URL="", LOCMEM_CACHE_ENTRIES="1234")
    assert result.returncode == 0, result.stderr
    assert "'MAX_ENTRIES': 1234" in result.stdout.strip().splitlines()[-1]
    result = _manage("shell", "-c", printed, REDIS_URL="")
    assert "'MAX_ENTRIES': 5000" in result.stdout.strip().splitlines()[-1]


def test_env_rate_checks_its_form() -> None:
    from papernotes.env import env_rate

    assert env_rate("API_RATE_TOKEN", "10/hour", environ={}) == "10/hour"
    assert env_rate("API_RATE_TOKEN", "10/hour", environ={"API_RATE_TOKEN": "5/Minute"}) == (
        "5/minute"
    )
    for bad in ("fast", "0/hour", "10/week", "10"):
        with pytest.raises(ImproperlyConfigured, match="API_RATE_TOKEN"):
            env_rate("API_RATE_TOKEN", "10/hour", environ={"API_RATE_TOKEN": bad})

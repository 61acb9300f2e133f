"""Optional error reporting (issue 16): SENTRY_DSN set starts the SDK with the Django
integration; unset, nothing. Run in a fresh process each, as a deployment starts, so the
SDK never stays on for the rest of the suite; nothing is sent anywhere (the events are
taken by a transport that keeps them in memory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
import sentry_sdk
from sentry_sdk.transport import Transport

client = sentry_sdk.get_client()
report = {"active": client.is_active()}
if client.is_active():
    kept = []

    class KeepInMemory(Transport):
        def capture_envelope(self, envelope):
            kept.append(envelope)

    client.transport = KeepInMemory(client.options)
    try:
        raise ValueError("a failure in a request")
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush()
    event = kept[0].get_event()
    report.update(
        integrations=sorted(client.integrations),
        environment=event["environment"],
        exception=event["exception"]["values"][0]["value"],
        pii=client.options["send_default_pii"],
    )
print(json.dumps(report))
"""


def _probe(**env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="papernotes.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_without_a_dsn_nothing_is_started() -> None:
    assert _probe() == {"active": False}


def test_a_dsn_starts_the_sdk_with_the_django_integration() -> None:
    # A DSN on this machine where nothing listens: were anything sent, it would go nowhere.
    report = _probe(SENTRY_DSN="http://public@127.0.0.1:9/1", SENTRY_ENVIRONMENT="staging")
    assert report["active"] is True
    assert "django" in report["integrations"]
    assert report["environment"] == "staging"
    assert report["exception"] == "a failure in a request"
    assert report["pii"] is False

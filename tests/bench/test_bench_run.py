"""``manage.py bench`` end to end, at a tiny scale: the command found through
bench.settings, gunicorn in production settings, both readers, the write mixes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import global_settings
from django.core.management import call_command
from django.db import connection

from bench.databases import url_of
from bench.management.commands import bench
from notes.models import Comment
from papernotes import settings as site_settings
from tests.bench.conftest import seed


def _row(text: str, group: str, name: str) -> str:
    found = [line for line in text.splitlines() if line.startswith(f"| {group} | {name}")]
    assert found, f"no row {group} | {name}"
    return found[0]


@pytest.mark.django_db(transaction=True)
def test_a_small_run_measures_reads_and_writes_and_writes_its_report(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], settings, monkeypatch
) -> None:
    # Its own static files: tests beside it serve those of the checkout while it collects.
    monkeypatch.setenv("STATIC_ROOT", str(tmp_path / "static"))
    # The server checks passwords with the site's own hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    seed(notes=300, users=30)
    output = tmp_path / "benchmarks.md"
    # Another database than DATABASE_URL: the command runs itself again in a new process
    # with that database and bench.settings, as `make bench` runs it.
    call_command(
        bench.Command(),
        database_url=url_of(connection.settings_dict),
        requests=4,
        rounds=2,
        writes=2,
        only="note",
        label="a test run",
        output=str(output),
    )
    printed = capfd.readouterr().out
    assert "Logging in 2 readers through the login form" in printed
    text = output.read_text()
    assert "## Latest run:" in text and "- **Label:** a test run" in text
    # Each round's batch of a warm page comes after unmeasured requests of its URL: four for
    # each session of its reader and each of the three workers.
    assert (
        "each warm URL first and, before each of its rounds, 12 (anonymous, 1 session) or "
        "24 (logged-in, 2 sessions)"
    ) in text
    floor = _row(text, "floor", "floor (a minimal page)")
    assert "| 200 |" in floor
    for group in ("anonymous · warm", "anonymous · cold", "logged-in · warm", "logged-in · cold"):
        row = _row(text, group, "note (1000 revisions in warm)")
        assert "| 200 | 4 |" in row, row
        assert "not answered" not in row
        # CPU ms p50 / p95 (the database's of them), queries, and the median ratios
        # (latency, CPU) of the two rounds.
        ratio = r"[\d.]+× \([\d.]+–[\d.]+\)"
        cpu = r"[\d.]+ / [\d.]+ \(database [\d.]+ / [\d.]+\)"
        assert re.search(rf"\| {cpu} \| \d+ \| {ratio} \| {ratio} \|", row), row
    for mix in ("note save, 8 writers", "comment post, 8 writers", "rating, 8 writers"):
        assert ", 0 lost, " in _row(text, "writes", mix)
    assert ", 0 lost, " in _row(text, "writes", "vote, 8 writers")
    assert "| writes | contention: 16 posting on one paper" in text
    assert "| server | gunicorn worker RSS after the run (3 workers) |" in text
    assert "| a test run |" in text.split("<!-- bench:runs:start -->")[1]
    assert Comment.objects.filter(body__startswith="Benchmark comment").count() == 16
    assert output.with_suffix(".json").exists()


def test_the_site_does_not_install_the_bench_app(settings) -> None:
    assert "bench" not in site_settings.INSTALLED_APPS
    assert "bench" not in settings.INSTALLED_APPS


def test_nothing_outside_the_bench_app_imports_it(settings) -> None:
    base = Path(settings.BASE_DIR)
    found = []
    for folder in ("accounts", "notes", "papernotes", "templates"):
        for path in (base / folder).rglob("*.py"):
            if re.search(r"^\s*(from|import)\s+bench\b", path.read_text(), re.MULTILINE):
                found.append(str(path.relative_to(base)))
    assert found == []

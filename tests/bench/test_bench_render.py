"""The render benchmark saves the ordinary note through the edit page and reports its CPU."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from bench.management.commands import bench_render
from notes.models import Note, Paper

pytestmark = pytest.mark.django_db


def test_it_reports_the_cpu_of_each_text_against_the_budget_and_leaves_nothing(
    settings,
) -> None:
    settings.RENDER_CPU_SECONDS = 4.0
    out = StringIO()
    call_command(bench_render.Command(), stdout=out, rounds=1)
    text = out.getvalue()
    assert "render budget 4.00 s of CPU" in text
    for name, target in (("Markdown", "2.00"), ("with raw HTML", "3.00")):
        line = next(line for line in text.splitlines() if line.strip().startswith(name))
        assert re.search(rf"CPU median \d+\.\d\d s, .*target < {target} s: (met|MISSED)", line)
    assert "refused" not in text
    assert not User.objects.filter(username__startswith="bench-render-").exists()
    assert not Note.objects.exists() and not Paper.objects.exists()

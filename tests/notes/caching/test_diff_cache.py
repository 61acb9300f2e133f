"""A comparison of two revisions is computed once and is never stale."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.markup import diffing
from tests.factories import make_note, revise

pytestmark = pytest.mark.django_db


def test_a_diff_is_computed_once_per_pair_of_revisions(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    real = diffing.word_diff

    def counting(old: str, new: str) -> diffing.TextDiff:
        calls.append((old, new))
        return real(old, new)

    monkeypatch.setattr(diffing, "word_diff", counting)
    note = revise(make_note(alice, body="The first words."), "The second words.")
    first = Client().get(f"/n/{note.pk}/diff/0/1/").content.decode()
    again = Client().get(f"/n/{note.pk}/diff/0/1/").content.decode()
    assert first == again
    assert "<del>first</del>" in first and "<ins>second</ins>" in first
    assert len(calls) == 1

    note = revise(note, "The third words.")
    newer = Client().get(f"/n/{note.pk}/diff/0/2/").content.decode()
    assert "<ins>third</ins>" in newer
    assert len(calls) == 2


def test_diffs_of_two_notes_never_share_a_result(alice: User) -> None:
    a = revise(make_note(alice, body="alpha one"), "alpha two")
    b = revise(make_note(alice, body="beta one"), "beta two")
    assert "alpha" in Client().get(f"/n/{a.pk}/diff/0/1/").content.decode()
    assert "beta" in Client().get(f"/n/{b.pk}/diff/0/1/").content.decode()

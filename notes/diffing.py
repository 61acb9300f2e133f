"""Word-level comparison of two revisions' Markdown, as escaped HTML."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Protocol

from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


class HistoricalRevision(Protocol):
    history_id: int
    body: str


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class TextDiff:
    html: SafeString
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def word_diff(old: str, new: str) -> TextDiff:
    """Mark words removed from ``old`` with <del> and words added in ``new`` with <ins>.

    Lines are matched first and words only inside changed blocks, which keeps the
    comparison of two long notes fast (word matching is quadratic at worst).
    """
    parts: list[str] = []
    counts = [0, 0]  # added, removed
    a_lines = old.splitlines(keepends=True)
    b_lines = new.splitlines(keepends=True)
    lines = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for op, i1, i2, j1, j2 in lines.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(a_lines[i1:i2])))
        else:
            _words("".join(a_lines[i1:i2]), "".join(b_lines[j1:j2]), parts, counts)
    return TextDiff(html=mark_safe("".join(parts)), added=counts[0], removed=counts[1])


# Revisions never change, so a comparison of two of them is good for as long as it is kept.
DIFF_CACHE_SECONDS = 7 * 24 * 3600


def revision_diff(old: HistoricalRevision, new: HistoricalRevision) -> TextDiff:
    """``word_diff`` of two revisions' bodies, cached under the two history rows' ids.

    A history row is written once and never changed, and its id is never reused, so the
    cached comparison cannot be stale.
    """
    key = f"notes:diff:{old.history_id}:{new.history_id}"
    found = cache.get(key)
    if found is None:
        # The rows may have been read without their texts: both are read here at once.
        ids = [old.history_id, new.history_id]
        bodies = dict(
            type(old).objects.filter(history_id__in=ids).values_list("history_id", "body")
        )
        found = word_diff(bodies[old.history_id], bodies[new.history_id])
        cache.set(key, found, DIFF_CACHE_SECONDS)
    return found


def _words(old: str, new: str, parts: list[str], counts: list[int]) -> None:
    a = _TOKENS.findall(old)
    b = _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
            counts[1] += sum(1 for t in a[i1:i2] if not t.isspace())
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
            counts[0] += sum(1 for t in b[j1:j2] if not t.isspace())


def tag_changes(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """(added, removed) tags between two revisions."""
    return sorted(set(new) - set(old)), sorted(set(old) - set(new))

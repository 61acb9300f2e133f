"""Word-level comparison of two revisions' Markdown, as escaped HTML (no Django: cached
by ``notes.caching.diffs``).

The matching is difflib's ``SequenceMatcher`` algorithm run by cdifflib's
``CSequenceMatcher``, its longest-match search written in C: the same blocks and opcodes as
difflib's (``tests/notes/markup/test_diffing.py`` compares them), about half the time for
two far-apart revisions of a long note, whose words the search compares over and over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from cdifflib import CSequenceMatcher


class DiffHtml(str):
    """Escaped HTML with ``<del>``/``<ins>`` marks: safe as it is, so templates (which honour
    ``__html__``) print it without escaping it again."""

    def __html__(self) -> str:
        return self


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class TextDiff:
    html: DiffHtml
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
    lines = CSequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for op, i1, i2, j1, j2 in lines.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(a_lines[i1:i2])))
        else:
            _words("".join(a_lines[i1:i2]), "".join(b_lines[j1:j2]), parts, counts)
    return TextDiff(html=DiffHtml("".join(parts)), added=counts[0], removed=counts[1])


def _words(old: str, new: str, parts: list[str], counts: list[int]) -> None:
    a = _TOKENS.findall(old)
    b = _TOKENS.findall(new)
    matcher = CSequenceMatcher(None, a, b, autojunk=False)
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

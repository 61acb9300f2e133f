"""Texts for the rendering tests: an ordinary long note, and shapes that are costly to render.

The shapes are those measured when rendering was found to stall workers (issue 11): each was
seconds of CPU at 2 to 20 KB. ``scaled`` repeats a shape's unit up to a size.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.texts import ordinary_note

__all__ = ["SHAPES", "Shape", "ordinary_note", "scaled"]


def scaled(unit: str, size: int) -> str:
    """``unit`` repeated to exactly ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


@dataclass(frozen=True)
class Shape:
    name: str
    unit: str
    # The size at which it was measured (issue 11), in characters.
    measured: int


SHAPES = (
    Shape("unclosed brackets", "[", 8_000),
    Shape("unclosed link destinations", "[a](", 20_000),
    Shape("dollar signs", "$x", 20_000),
    Shape("setext headings without blank lines", "a\n=\n", 20_000),
    Shape("unclosed code fences", "```\n", 20_000),
    Shape("duplicate headings", "# a\n\n", 20_000),
    Shape("escaped parentheses", "\\(a", 20_000),
    Shape("footnote references", "[^", 20_000),
    Shape("emphasis", "*a* ", 20_000),
    Shape("nested raw HTML", "<sup>", 20_000),
    Shape("link reference definitions", "[a]: /x\na\n", 20_000),
)

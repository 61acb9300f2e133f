"""Texts for the rendering tests: an ordinary long note, and shapes that are costly to render.

The shapes are those measured when rendering was found to stall workers (issue 11): each was
seconds of CPU at 2 to 20 KB. ``scaled`` repeats a shape's unit up to a size.
"""

from __future__ import annotations

from dataclasses import dataclass

_SECTION = (
    "## Section {i}\n\n"
    "The model in {{{ref}}} improves on PMID:31942076; the loss is "
    "$\\mathcal{{L}}(\\theta) = -\\sum_i \\log p_\\theta(y_i \\mid x_i)$ and the gains are "
    "*consistent* across **all** benchmarks (arXiv:1707.03389, doi:10.1000/xyz{i}). "
    "Ordinary prose follows, describing the set-up, data sets and ablations in enough detail "
    "to help a reader who has not read the paper, with a [link](https://example.org/{i}) "
    "and some `inline code`, $x^2$ and $a_{{i}}$.\n\n"
    "$$\n\\hat{{y}} = \\arg\\max_y "
    "\\frac{{e^{{s(x, y)}}}}{{\\sum_{{y'}} e^{{s(x, y')}}}}\n$$\n\n"
    "- first point\n  - a nested detail\n- second point[^n{i}]\n\n"
    "| metric | value |\n|:--|--:|\n| BLEU | 41.{i} |\n\n"
    "```python\ndef score(x: list[float]) -> float:\n    return sum(x) / len(x)\n```\n\n"
    "[^n{i}]: A footnote.\n\n"
)


def ordinary_note(size: int, *, refs: int = 50) -> tuple[str, int]:
    """Ordinary Markdown of at most ``size`` bytes (headings, paragraphs with links, ``{N}``
    references to notes 1..``refs``, identifiers and math, display math, nested lists,
    footnotes, tables and code) and the number of sections in it."""
    parts: list[str] = []
    used = 0
    while True:
        part = _SECTION.format(i=len(parts), ref=len(parts) % refs + 1)
        if used + len(part.encode()) > size:
            return "".join(parts), len(parts)
        parts.append(part)
        used += len(part.encode())


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

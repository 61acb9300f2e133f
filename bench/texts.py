"""An ordinary long note: the text the render benchmark and the rendering tests save.

Every section has what real notes have (headings, paragraphs with links, ``{N}`` references,
identifiers, inline and display math, nested lists, footnotes, tables and code).
"""

from __future__ import annotations

import os
from pathlib import Path

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


def cpu_seconds() -> float:
    """CPU used so far by this process, its reaped children and its running children (the
    render worker)."""
    times = os.times()
    used = times.user + times.system + times.children_user + times.children_system
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if fields[1] == me:
            used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used

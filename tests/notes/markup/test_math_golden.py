"""The MathML of 30 representative formulas, pinned (tests/golden/math_mathml.json): what a
new Temml, a change of the site's macros or of the output policy does to stored notes shows
here first. After checking a difference by eye, write the file again with
``UPDATE_GOLDEN=1 pytest tests/notes/markup/test_math_golden.py``."""

from __future__ import annotations

import json
import os

import pytest
from django.conf import settings

from notes.markup.rendering import render_markdown
from tests.paths import TESTS

GOLDEN = TESTS / "golden" / "math_mathml.json"

FORMULAS = [
    r"\begin{aligned} a &= b \\ c &= d \end{aligned}",
    r"\begin{align*} (a+b)^2 &= a^2 + 2ab + b^2 \\ &= (b+a)^2 \end{align*}",
    r"\begin{gather} x + y = 1 \\ x - y = 0 \end{gather}",
    r"\begin{equation} \begin{split} a &= b + c \\ &= d \end{split} \end{equation}",
    r"|x| = \begin{cases} x & \text{if } x \geq 0 \\ -x & \text{otherwise} \end{cases}",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
    r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix} \begin{vmatrix} a & b \\ c & d \end{vmatrix}",
    r"\left(\begin{smallmatrix} a & b \\ c & d \end{smallmatrix}\right)",
    r"\begin{array}{c|cc} & 0 & 1 \\ \hline 0 & 1 & 0 \end{array}",
    r"\operatorname{rank}(A) + \operatorname*{arg\,max}_x f(x)",
    r"\text{for all } x \in \R",
    r"\boldsymbol{\theta} + \mathbf{x} + \mathcal{L} + \mathfrak{g} + \mathbb{E}",
    r"\overset{\text{def}}{=} \underset{x \to 0}{\lim}",
    r"A \xrightarrow{f} B \xleftarrow[\text{inv}]{g} C",
    r"x = a \tag{2.1}",
    r"a \not\equiv b \not\in C",
    r"\hat{a} \tilde{b} \bar{c} \vec{d} \dot{e} \widehat{xyz}",
    r"\bigl( \Bigl[ \biggl\{ \Biggl\langle x \Biggr\rangle \biggr\} \Bigr] \bigr)",
    r"\left\lfloor \frac{n}{2} \right\rfloor",
    r"\frac{\partial^2 u}{\partial t^2} = c^2 \nabla^2 u",
    r"\sum_{i=1}^{n} \prod_{j} \int_0^\infty \oint_C",
    r"\sqrt[3]{x} + \sqrt{\frac{a}{b}}",
    r"\binom{n}{k} \dbinom{a}{b}",
    r"\Beta(\alpha, \beta) \setminus \emptyset",
    r"E = mc^2 \label{eq:energy}",
    r"\color{red} x + \textcolor{blue}{y} + \boxed{z}",
    r"a\!b\,c\;d\quad e",
    r"\underbrace{a + b}_{n} \overbrace{c + d}^{m}",
    r"\ce{2H2 + O2 -> 2H2O}",
    r"\newcommand{\vx}{\mathbf{x}} \vx^\top A \vx",
]


def mathml_of(tex: str) -> str:
    result = render_markdown(f"$${tex}$$", macros=settings.SITE_MACROS)
    assert result.math_errors == (), result.math_errors
    return result.html


def test_there_are_thirty_distinct_formulas() -> None:
    assert len(set(FORMULAS)) == len(FORMULAS) == 30


@pytest.mark.skipif(not os.environ.get("UPDATE_GOLDEN"), reason="writes the golden file")
def test_write_the_golden_file() -> None:
    pinned = {tex: mathml_of(tex) for tex in FORMULAS}
    GOLDEN.write_text(json.dumps(pinned, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.mark.parametrize("tex", FORMULAS)
def test_the_mathml_is_as_pinned(tex: str) -> None:
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert set(pinned) == set(FORMULAS)
    assert mathml_of(tex) == pinned[tex]

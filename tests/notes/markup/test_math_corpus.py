"""Every formula of the math corpus (tests/corpora/math_formulas.txt, formulas from papers in
several fields) renders without an error mark, and its output passes the final pass intact."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from notes.markup.rendering import render_markdown
from tests.notes.markup.test_rendering import problems_in
from tests.paths import TESTS

CORPUS = TESTS / "corpora" / "math_formulas.txt"


def corpus() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_the_corpus_is_large_and_has_no_duplicates() -> None:
    formulas = corpus()
    assert len(formulas) >= 300
    assert len(set(formulas)) == len(formulas)


@pytest.mark.parametrize("tex", corpus())
def test_each_formula_renders_without_an_error_mark(tex: str) -> None:
    result = render_markdown(f"$${tex}$$", macros=settings.SITE_MACROS)
    assert result.math_errors == (), result.math_errors
    assert "math-error" not in result.html
    assert result.html.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
    assert not problems_in(result.html)
    # The plain text (search snippets, excerpts) shows the formula as its characters, never
    # its TeX.
    assert result.text.strip()
    assert not re.search(r"\\[A-Za-z]", result.text), result.text


def test_the_corpus_as_one_note_renders_without_an_error_mark() -> None:
    # The same formulas in one text: one call into V8 for all of them.
    body = "\n\n".join(f"Formula {n}:\n\n$$\n{tex}\n$$" for n, tex in enumerate(corpus()))
    result = render_markdown(body, macros=settings.SITE_MACROS)
    assert result.math_errors == ()
    assert result.html.count("<math") == len(corpus())

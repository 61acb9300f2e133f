"""Math: the defects that Temml fixed, site and note macros, error marks and their list, the
CSP-safe output, and formulas that would cost too much."""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from notes.markup import mathml, render_worker
from notes.markup.rendering import MathProblem, Rendered, render_markdown
from tests.factories import make_paper
from tests.notes.markup.test_rendering import problems_in

pytestmark = pytest.mark.django_db

PREVIEW = "/n/preview/"


def rendered(source: str) -> Rendered:
    return render_markdown(source, macros=settings.SITE_MACROS)


def math_part(output: str) -> str:
    """The MathML of the output without its annotations (which hold the TeX as written)."""
    return re.sub(r"<annotation[^>]*>.*?</annotation>", "", output, flags=re.DOTALL)


# ---------------------------------------------------------------------------- the defects


def test_aligned_is_a_table_of_rows_and_columns() -> None:
    output = rendered(r"$$\begin{aligned} a &= b \\ c &= d \end{aligned}$$").html
    assert not problems_in(output)
    mathml_only = math_part(output)
    assert mathml_only.count("<mtr>") == 2
    assert mathml_only.count("<mtd") == 4
    assert "&amp;" not in mathml_only and "\\\\" not in mathml_only
    assert '<mtd class="tml-right tml-pl0 tml-pr0"><mi>a</mi></mtd>' in output


def test_beta_is_the_greek_capital() -> None:
    output = math_part(rendered(r"$\Beta(a, b)$").html)
    assert "Β" in output  # U+0392
    assert "\\Beta" not in output


def test_setminus_is_its_symbol_and_the_site_serves_a_font_that_has_it() -> None:
    output = math_part(rendered(r"$A \setminus B$").html)
    assert "<mo>∖</mo>" in output
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    assert 'url("../fonts/latinmodern-math.woff2") format("woff2")' in css
    font = settings.BASE_DIR / "static" / "fonts" / "latinmodern-math.woff2"
    assert font.read_bytes()[:4] == b"wOF2"
    assert (font.parent / "GUST-FONT-LICENSE.txt").exists()


def test_label_leaves_no_raw_tex() -> None:
    output = rendered(r"$$E = mc^2 \label{eq:1}$$")
    assert not output.math_errors
    assert "\\label" not in math_part(output.html)
    assert "eq:1" not in math_part(output.html)


@pytest.mark.parametrize(
    ("tex", "wanted"),
    [
        (r"\operatorname{rank}(A)", "<mi>rank</mi>"),
        (r"\text{for all } x", "<mtext>for\xa0all\xa0</mtext>"),
        (r"\boldsymbol{\theta}", "<mi>𝜽</mi>"),
        (r"\mathcal{L}", "ℒ"),
        (r"\mathfrak{g}", "𝔤"),
        (r"\mathbb{R}", "ℝ"),
        (r"\overset{\text{def}}{=}", "<mover>"),
        (r"\underset{x}{\lim}", "<munder>"),
        (r"x \xrightarrow{f} y", "→"),
        (r"\not\in", "∈\u0338"),  # ∈ with a combining long solidus overlay
        (r"\hat{x}", "<mover><mi>x</mi><mo"),
        (r"\Bigl( x \Bigr)", 'minsize="1.8em"'),
        (r"\begin{cases} 1 & x > 0 \\ 0 & \text{else} \end{cases}", "<mtable>"),
        (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", "<mtable>"),
        (r"\begin{array}{c|c} a & b \end{array}", 'class="tml-br"'),
        (r"\ce{H2O}", "<mn>2</mn>"),
    ],
)
def test_katex_class_commands_render(tex: str, wanted: str) -> None:
    result = rendered(f"$${tex}$$")
    assert result.math_errors == ()
    assert wanted in math_part(result.html)


def test_tag_numbers_the_equation() -> None:
    output = math_part(rendered(r"$$x = a \tag{2.1}$$").html)
    assert '<mtext class="tml-tag">(2.1)</mtext>' in output


# ---------------------------------------------------------------------------- macros


def test_site_macros_are_defined_for_every_formula() -> None:
    output = rendered(r"$x \in \R^n$, $\E[X]$ and $\argmin_x f(x)$").html
    assert "math-error" not in output
    assert output.count("ℝ") == 1
    assert output.count("𝔼") == 1


def test_a_site_macro_can_be_changed_in_the_settings() -> None:
    result = render_markdown(r"$\Sp$", macros={"\\Sp": "\\operatorname{Sp}"})
    assert "<mi>Sp</mi>" in result.html
    assert render_markdown(r"$\Sp$").math_errors  # not defined without it


def test_a_definition_holds_for_the_formulas_after_it_in_text_order() -> None:
    source = (
        "Let $\\newcommand{\\vx}{\\mathbf{x}} \\vx \\in \\R^n$ be the input.\n\n"
        "$$\n\\vx^\\top \\vx\n$$\n\n"
        "and $\\def\\grad{\\nabla}\\grad f(\\vx)$ then $\\grad g$."
    )
    result = rendered(source)
    assert result.math_errors == ()
    assert result.html.count("<mi>𝐱</mi>") == 4
    assert result.html.count("∇") == 2


def test_a_formula_before_the_definition_does_not_see_it() -> None:
    result = rendered("$$\n\\vy\n$$\n\nthen $\\newcommand{\\vy}{\\mathbf{y}}\\vy$.")
    assert [problem.source for problem in result.math_errors] == ["$$\n\\vy\n$$"]


def test_a_note_may_define_a_site_macro_as_its_own() -> None:
    result = rendered(r"$\newcommand{\R}{\mathcal{R}} \R$ and $\R$")
    assert result.math_errors == ()
    assert result.html.count("ℛ") == 2
    assert "ℝ" not in result.html
    # The next text starts again from the site's macros.
    assert "ℝ" in rendered(r"$\R$").html


def test_definitions_do_not_leak_between_texts() -> None:
    rendered(r"$\newcommand{\leak}{x}\leak$")
    assert rendered(r"$\leak$").math_errors


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (r"$\foo x$", r"Unsupported function name: \foo"),
        (r"$\frac{a}{$", "Unexpected end of input"),
        (r"$\begin{aligned} a &= b$", "Expected"),
        (r"$x^2^3$", "Double superscript"),
    ],
)
def test_a_bad_formula_is_its_source_marked_with_the_reason(source: str, reason: str) -> None:
    result = rendered(f"Before {source} after $y$.")
    assert not problems_in(result.html)
    (problem,) = result.math_errors
    assert problem.source == source
    assert reason in problem.reason
    mark = re.search(r'<code class="math-error" title="([^"]*)">([^<]*)</code>', result.html)
    assert mark is not None
    # The reason alone: the stored HTML is the same in every language.
    assert unescape(mark.group(1)) == problem.reason
    assert mark.group(2).replace("&amp;", "&") == source
    assert result.html.count("<math") == 1  # $y$ still renders


def test_errors_are_listed_in_the_order_of_the_text() -> None:
    result = rendered("$$\\bad$$\n\nthen $\\worse$ and $x$ and $$\\worst{$$")
    assert [p.source for p in result.math_errors] == ["$$\\bad$$", "$\\worse$", "$$\\worst{$$"]


def test_the_preview_lists_the_formulas_that_could_not_be_rendered(alice_client: Client) -> None:
    response = alice_client.post(
        PREVIEW, {"body": "Fine $x$, broken $\\Foo$ and $\\frac{$.", "visibility": "public"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    listing = re.search(r'<div class="math-errors" role="status">(.*?)</div>', page, re.DOTALL)
    assert listing is not None
    assert "2 formulas could not be rendered" in listing.group(1)
    assert '<code dir="ltr">$\\Foo$</code>: Unsupported function name: \\Foo' in listing.group(1)
    assert '<code dir="ltr">$\\frac{$</code>' in listing.group(1)
    assert page.count('class="math-error"') == 2


def test_the_editors_preview_button_lists_them_too(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice)
    response = alice_client.post(
        f"/papers/{paper.pk}/write/",
        {"body": "Broken $\\Foo$.", "visibility": "public", "tags": "", "preview": "1"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 formula could not be rendered" in page
    assert '<code dir="ltr">$\\Foo$</code>: Unsupported function name: \\Foo' in page


def test_a_preview_without_bad_formulas_lists_nothing(alice_client: Client) -> None:
    page = alice_client.post(PREVIEW, {"body": "$x$", "visibility": "public"}).content.decode()
    assert "math-errors" not in page
    assert "<math" in page


# ---------------------------------------------------------------------------- output policy


def test_temml_styles_become_classes_and_colours_never_style_attributes() -> None:
    output = rendered(
        r"$$\color{red} x \colorbox{yellow}{y} \begin{array}{c|c} a & b \\ \hline c & d"
        r"\end{array} \tag{1}$$"
    ).html
    assert " style=" not in output
    assert 'mathcolor="red"' in output or 'mathcolor="#ff0000"' in output
    assert "tml-br" in output and "tml-bb" in output and "tml-wide" in output


@pytest.mark.parametrize("value", ["red;background:url(javascript:alert(1))", "expression(1)"])
def test_a_colour_that_is_not_one_is_dropped(value: str) -> None:
    output = rendered(f"$\\color{{{value}}} x$").html
    assert not problems_in(output)
    assert "mathcolor" not in output
    assert " style=" not in output


# ---------------------------------------------------------------------------- bounded


def test_a_formula_that_expands_forever_stops_with_an_error_mark() -> None:
    start = time.process_time()
    result = rendered(r"$\def\a{\a\a}\a$ and $\def\b{\b x}\b$")
    assert time.process_time() - start < 2
    assert [p.reason for p in result.math_errors] == [
        "Too many expansions: infinite loop or need to increase maxExpand setting"
    ] * 2


def test_a_formula_nested_thousands_deep_is_an_error_mark() -> None:
    start = time.process_time()
    result = rendered("$$" + "\\sqrt{" * 5000 + "x" + "}" * 5000 + "$$")
    assert time.process_time() - start < 2
    assert len(result.math_errors) == 1


def test_a_formula_past_the_length_limit_is_not_converted() -> None:
    result = rendered("$$" + "x+" * (mathml.MAX_FORMULA_CHARS // 2 + 1) + "x$$")
    assert [p.reason for p in result.math_errors] == ["The formula is too long."]


def test_a_formula_that_runs_past_its_time_is_an_error_mark_and_the_others_render(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Limits so small that a large matrix passes them: the text's call into V8 times out,
    # each formula is tried alone, and only the slow one loses its MathML.
    # The matrix (near the longest formula allowed) takes some 40 ms on a quiet machine, a
    # lone small formula one or two.
    # The limits are wall-clock time: on a busy machine a lone small formula can be held
    # up past 10 ms by the scheduler, so the text is tried up to three times, each time
    # with formulas not converted before (a conversion's result is kept).
    monkeypatch.setattr(mathml, "_BATCH_SECONDS", 0.005)
    monkeypatch.setattr(mathml, "FORMULA_SECONDS", 0.01)
    expected = ["The formula took longer than 0.01 s to convert."]
    for attempt in range(3):
        cell = f"x^{attempt + 2}_{{ij}}"
        big = r"\begin{pmatrix}" + r" \\ ".join(" & ".join([cell] * 25) for _ in range(69))
        result = rendered(f"$a_{attempt}$ then $${big} \\end{{pmatrix}}$$ then $b+{attempt}$")
        if [p.reason for p in result.math_errors] == expected:
            break
    assert [p.reason for p in result.math_errors] == expected
    assert result.html.count("<math") == 2
    # The engine is still usable afterwards.
    monkeypatch.undo()
    assert rendered("$c$").math_errors == ()


def test_the_render_child_sends_the_errors_back_and_uses_the_macros_it_is_given() -> None:
    result = render_worker.render(
        "$\\Sp(V)$ and $\\nope$",
        linkable=frozenset(),
        id_prefix="u-",
        cpu_seconds=5,
        wall_seconds=30,
        macros={"\\Sp": "\\operatorname{Sp}"},
    )
    assert "<mi>Sp</mi>" in result.html
    assert result.math_errors == (
        MathProblem(source="$\\nope$", reason="Unsupported function name: \\nope"),
    )

"""In Chromium: a note's formulas are MathML drawn in the math font the site serves, under the
strict Content-Security-Policy, and the editor's preview lists a formula it cannot render."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import PolicyWatch, log_in
from tests.conftest import make_user
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.browser

BODY = """The difference $A \\setminus B$ of the sets, and the steps:

$$
\\begin{aligned} \\E[X] &= \\sum_i x_i p_i \\\\ \\operatorname{Var}(X) &= \\E[X^2] - \\E[X]^2
\\end{aligned}
$$

with $\\color{red} r \\ne \\Beta$ and $\\begin{array}{c|c} a & b \\\\ \\hline c & d \\end{array}$.
"""


def test_a_note_shows_mathml_in_the_served_font_without_a_policy_violation(
    transactional_db: None, live_server, browser: Browser
) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    note = make_note(alice, make_paper(alice, title="Sets"), body=BODY)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = PolicyWatch(context.new_page())
    page = watch.page
    page.set_default_timeout(10_000)
    watch.visit(f"{live_server.url}/n/{note.pk}/")

    body = page.locator(f"#n{note.pk}-body")
    expect(body.locator("math")).to_have_count(4)
    expect(body.locator(".math-error")).to_have_count(0)
    expect(body.locator("math[display=block] mtable mtr")).to_have_count(2)
    expect(body.locator("mo", has_text="∖")).to_have_count(1)
    # Drawn: the aligned block has the height of two rows, not of one line.
    rows = body.locator("math[display=block] mtr")
    first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
    assert first and second and second["y"] >= first["y"] + first["height"] - 1

    fonts = page.evaluate(
        """async () => {
            await document.fonts.ready;
            const math = document.querySelector("math");
            return {
                family: getComputedStyle(math).fontFamily,
                faces: [...document.fonts]
                    .filter((face) => face.family.replaceAll('"', "") === "PaperNotes Math")
                    .map((face) => face.status),
                hasSetminus: document.fonts.check('16px "PaperNotes Math"', "∖"),
            };
        }"""
    )
    assert fonts["family"].startswith('"PaperNotes Math"'), fonts
    assert fonts["faces"] == ["loaded"], fonts
    assert fonts["hasSetminus"], fonts
    # The colour came through as a class of the style sheet, not an inline style.
    red = body.locator("mi").filter(has_text=re.compile(r"^r$"))
    colour = red.evaluate("(e) => getComputedStyle(e).color")
    assert colour == "rgb(255, 0, 0)"
    watch.settle()
    assert watch.problems == []
    context.close()


def test_the_editor_preview_lists_a_formula_it_cannot_render(
    transactional_db: None, live_server, browser: Browser
) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    note = make_note(alice, body="First words.")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = PolicyWatch(context.new_page())
    page = watch.page
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, alice)
    watch.visit(f"{live_server.url}/n/{note.pk}/edit/")
    page.get_by_label("Summary").fill("Fine $x^2$ but $\\Frobnicate(x)$ is not TeX.")
    page.get_by_role("button", name="Preview").click()
    listing = page.locator(".math-errors")
    expect(listing).to_contain_text("1 formula could not be rendered")
    expect(listing).to_contain_text("Unsupported function name: \\Frobnicate")
    mark = page.locator("#preview-body .math-error")
    expect(mark).to_have_text("$\\Frobnicate(x)$")
    expect(mark).to_have_attribute("title", "Unsupported function name: \\Frobnicate")
    expect(page.locator("#preview-body math")).to_have_count(1)
    watch.settle()
    assert watch.problems == []
    context.close()

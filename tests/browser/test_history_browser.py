"""In Chromium: a person pages through a long history, newest first, and opens an old
revision from it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import make_user
from tests.factories import revise, with_revisions

pytestmark = pytest.mark.browser


def test_page_through_a_long_history_and_open_an_old_revision(
    transactional_db: None, live_server, page: Page
) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    note = with_revisions(alice, 120)
    base = live_server.url

    page.goto(f"{base}/n/{note.pk}/")
    expect(page.locator(".revbar__current")).to_have_text("119")
    page.get_by_role("link", name="full history").click()
    expect(page.get_by_role("heading", name=f"History of {note.ref}")).to_be_visible()
    expect(page.get_by_text("Page 1 of 3")).to_be_visible()
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("119 (head)")

    page.get_by_role("link", name="Older →").click()
    expect(page.get_by_text("Page 2 of 3")).to_be_visible()
    expect(rows.first).to_contain_text("69")
    page.get_by_role("link", name="Older →").click()
    expect(page.get_by_text("Page 3 of 3")).to_be_visible()
    expect(rows).to_have_count(20)
    expect(page.get_by_role("link", name="Older →")).to_have_count(0)

    rows.get_by_role("link", name="7", exact=True).click()
    expect(page.get_by_text("You are reading revision")).to_be_visible()
    expect(page.locator(".entry__body")).to_have_text("revision 7")

    page.go_back()
    page.get_by_role("link", name="← Newer").click()
    expect(page.get_by_text("Page 2 of 3")).to_be_visible()
    expect(rows.last).to_contain_text("20")


# How much wider than it is each element scrolls (0 when its content fits), and how much
# narrower each menu is than its longest choice needs (0 when none is cut).
_OVERFLOWS = """(selector) => [...document.querySelectorAll(selector)].map(
  (element) => element.scrollWidth - element.clientWidth)"""
_MENUS_SHORT_BY = """() => {
  const context = document.createElement("canvas").getContext("2d");
  return [...document.querySelectorAll(".toolbar select")].map((menu) => {
    const style = getComputedStyle(menu);
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const widest = Math.max(...[...menu.options].map((o) => context.measureText(o.text).width));
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    // Chromium's drop-down arrow takes about 20px of the menu's inner width.
    return Math.max(0, Math.ceil(widest + padding + 20 - menu.clientWidth));
  });
}"""


def test_on_a_360px_phone_the_history_and_the_sort_menus_fit(
    transactional_db: None, live_server, browser: Browser
) -> None:
    alice = make_user("alice", display_name="Alice Pleasance Liddell-Hargreaves")
    note = with_revisions(alice, 60)
    note = revise(
        note,
        "A longer body for the last revision.",
        tags=["machine-learning", "reinforcement-learning", "optimisation", "transformers"],
        message="Rewrote the whole related-work section after reading the follow-up papers",
    )
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = live_server.url

    page.goto(f"{base}/n/{note.pk}/history/")
    expect(page.locator("table.history tbody tr")).to_have_count(50)
    assert page.evaluate(_OVERFLOWS, "html") == [0]
    assert page.evaluate(_OVERFLOWS, ".table-wrap") == [0]
    assert set(page.evaluate(_OVERFLOWS, "table.history td")) == {0}
    expect(page.get_by_text("Rewrote the whole related-work section")).to_be_visible()
    expect(page.get_by_role("link", name="Older →")).to_be_visible()
    page.get_by_label("Compare from revision 55").check()
    page.get_by_role("button", name="Compare selected revisions").click()
    expect(page.get_by_role("heading", name=f"Changes to {note.ref}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/diff/55/60/$"))

    for path in ("/", "/?sort=title&order=asc", "/tags/machine-learning/", "/u/alice/"):
        page.goto(base + path)
        expect(page.get_by_label("Sort by")).to_be_visible()
        assert page.evaluate(_OVERFLOWS, "html") == [0], path
        assert page.evaluate(_MENUS_SHORT_BY) == [0, 0], path
        assert set(page.evaluate(_OVERFLOWS, ".toolbar, .toolbar__group")) == {0}, path
    context.close()

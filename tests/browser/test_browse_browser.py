"""In Chromium: filter by a tag, search, open a note, hide it, reload, print it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in
from tests.conftest import make_user
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.browser


def test_filter_search_hide_and_print(transactional_db: None, live_server, page: Page) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    target = make_note(
        bob,
        make_paper(title="Holographic Entanglement Entropy", year=2006),
        body="Area law: $S = \\frac{A}{4G_N}$ for the minimal surface.",
        tags=["holography", "entropy"],
    )
    make_note(bob, make_paper(title="Unrelated Botany"), body="Leaves.", tags=["botany"])
    base = live_server.url
    log_in(page, base, alice)

    page.goto(f"{base}/")
    page.get_by_label("Tag").fill("holography")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".entry")).to_have_count(1)
    expect(page.locator(".entry__title")).to_have_text("Holographic Entanglement Entropy")

    page.get_by_label("Search notes").fill("minimal surface")
    page.get_by_label("Search notes").press("Enter")
    expect(page.get_by_text("1 note found")).to_be_visible()
    expect(page.locator(".snippet mark").first).to_be_visible()

    page.locator(".search-result .entry__num").click()
    expect(page).to_have_url(f"{base}/n/{target.pk}/")
    body = page.locator(f"#n{target.pk}-body")
    expect(body.locator("math")).to_be_visible()

    page.get_by_role("button", name="hide").click()
    expect(body).to_be_hidden()
    page.reload()
    expect(body).to_be_hidden()
    expect(page.get_by_role("button", name="show")).to_be_visible()
    page.get_by_role("button", name="show").click()
    expect(body).to_be_visible()

    page.get_by_role("link", name="print").click()
    expect(page).to_have_url(f"{base}/n/{target.pk}/print/")
    expect(page.locator(".site-header")).to_have_count(0)
    expect(page.locator("math")).to_be_visible()

"""In Chromium: add a paper, write a summary with math, revise it, read an old revision,
compare and revert — the way a person does, by labels, buttons and links."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def test_write_revise_compare_and_revert_a_summary(
    transactional_db: None, live_server, page: Page
) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    base = live_server.url
    log_in(page, base, alice)

    page.goto(f"{base}/")
    page.get_by_role("link", name="Add a paper").first.click()
    page.get_by_label("Title").fill("Attention Is All You Need")
    page.get_by_label("Year").fill("2017")
    page.get_by_label("arXiv id").fill("arXiv:1706.03762v7")
    page.get_by_role("button", name="Add paper").click()
    expect(page.get_by_role("heading", name="Attention Is All You Need")).to_be_visible()

    page.get_by_role("link", name="Write your summary").click()
    page.get_by_label("Summary").fill(
        "Scaled attention: $$\\mathrm{softmax}\\left(\\frac{QK^T}{\\sqrt{d_k}}\\right)V$$"
    )
    page.get_by_label("Tags").fill("transformers, attention")
    page.get_by_role("button", name="Save").click()

    body = page.locator(".entry__body")
    expect(body.locator("math").first).to_be_visible()
    expect(body.locator("mfrac")).to_have_count(1)
    expect(page.get_by_role("link", name="transformers")).to_be_visible()
    expect(page.locator(".entry__meta")).to_contain_text("ref: -2017")

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Summary").fill("Attention without recurrence; $O(n^2)$ in length.")
    page.get_by_label("Edit message").fill("Rewrite")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved as revision 1")).to_be_visible()
    expect(page.locator(".entry__body")).to_contain_text("without recurrence")

    page.get_by_role("link", name="[0]").click()
    expect(page.get_by_text("You are reading revision")).to_be_visible()
    expect(page.locator(".entry__body mfrac")).to_have_count(1)

    page.get_by_role("link", name="full history").click()
    page.get_by_role("button", name="Compare selected revisions").click()
    expect(page.locator("pre.diff del").first).to_be_visible()
    expect(page.locator("pre.diff")).to_contain_text("without recurrence")
    expect(page.locator("pre.diff ins", has_text="recurrence")).to_have_count(1)

    page.get_by_role("link", name="revision 0").first.click()
    page.get_by_role("link", name="revert to this revision").click()
    page.get_by_role("button", name="Revert to revision 0").click()
    expect(page.get_by_text("is a copy of revision 0")).to_be_visible()
    expect(page.locator(".entry__body mfrac")).to_have_count(1)
    expect(page.locator(".revbar__current")).to_have_text("2")

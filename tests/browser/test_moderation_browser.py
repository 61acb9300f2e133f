"""In Chromium: bob flags alice's comment; a staff member hides it from the moderation
queue; bob no longer sees it; alice sees it marked hidden — by labels, buttons and links."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import log_in
from tests.conftest import make_user
from tests.factories import make_comment, make_note

pytestmark = pytest.mark.browser


def test_a_flagged_comment_is_hidden_by_staff(
    transactional_db: None, live_server, page: Page, browser: Browser
) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    editor = make_user("editor", display_name="The Editor", is_staff=True)
    carol = make_user("carol", display_name="Carol Shaw")
    note = make_note(carol, body="Carol's summary of residual networks.")
    make_comment(note, alice, "Buy my course at example.com, the best one!")
    base = live_server.url
    note_url = f"{base}/n/{note.pk}/"

    # bob flags alice's comment
    log_in(page, base, bob)
    page.goto(note_url)
    comment = page.locator(".comment", has_text="Buy my course")
    comment.get_by_role("link", name="flag").click()
    page.get_by_label("Spam").check()
    page.get_by_role("button", name="Send to moderators").click()
    expect(page.get_by_text("Thank you: moderators will look at it.")).to_be_visible()

    # the editor sees who flagged what and why, and hides it
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff_page = staff_context.new_page()
    staff_page.set_default_timeout(10_000)
    log_in(staff_page, base, editor)
    staff_page.get_by_role("link", name="Moderation").click()
    item = staff_page.locator(".moderation-item", has_text="Buy my course")
    expect(item).to_contain_text("Bob Builder — Spam")
    item.get_by_label("Note for the log (optional)").fill("advertising")
    item.get_by_role("button", name="Hide").click()
    expect(staff_page.get_by_text("Nothing is waiting: no open flags.")).to_be_visible()
    log = staff_page.locator(".audit-log")
    expect(log).to_contain_text("The Editor")
    expect(log).to_contain_text("hid comment")
    expect(log).to_contain_text("advertising")
    staff_context.close()

    # bob no longer sees it
    page.goto(note_url)
    expect(page.locator(".entry__body")).to_contain_text("Carol's summary")
    expect(page.get_by_text("Buy my course")).to_have_count(0)
    expect(page.locator("#comment-count")).to_have_text("0 comments")

    # alice sees it, marked hidden
    alice_context = browser.new_context(viewport={"width": 1280, "height": 900})
    alice_page = alice_context.new_page()
    alice_page.set_default_timeout(10_000)
    log_in(alice_page, base, alice)
    alice_page.goto(note_url)
    own = alice_page.locator(".comment", has_text="Buy my course")
    expect(own).to_be_visible()
    expect(own.get_by_text("hidden by moderators")).to_be_visible()
    alice_context.close()

"""In Chromium: alice publishes a summary, bob comments on it without a page reload, alice
sees her unread count, opens the notification and replies; bob sees the reply and his own
count — by labels, buttons and links."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import log_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def test_a_conversation_under_a_summary(
    transactional_db: None, live_server, page: Page, browser: Browser
) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    base = live_server.url

    # alice publishes a summary
    log_in(page, base, alice)
    page.goto(f"{base}/papers/new/")
    page.get_by_label("Title").fill("Deep Residual Learning")
    page.get_by_role("button", name="Add paper").click()
    page.get_by_role("link", name="Write your summary").click()
    page.get_by_label("Summary").fill("Residuals: $y = F(x) + x$.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".entry__body math")).to_have_count(1)
    note_url = page.url

    # bob comments, in place: the page is not reloaded
    bob_context = browser.new_context(viewport={"width": 1280, "height": 900})
    bob_page = bob_context.new_page()
    bob_page.set_default_timeout(10_000)
    log_in(bob_page, base, bob)
    bob_page.goto(note_url)
    bob_page.evaluate("window.notReloaded = true")
    bob_page.get_by_label("Your comment").fill("Why does the identity help, $\\nabla$-wise?")
    bob_page.get_by_role("button", name="Post comment").click()
    comment = bob_page.locator(".comment").first
    expect(comment).to_contain_text("Why does the identity help")
    expect(comment.locator("math")).to_have_count(1)
    expect(bob_page.locator("#comment-count")).to_have_text("1 comment")
    expect(bob_page.get_by_label("Your comment")).to_have_value("")
    assert bob_page.evaluate("window.notReloaded") is True

    # alice sees the unread count, opens the notification and replies
    page.goto(f"{base}/")
    inbox_link = page.get_by_role("link", name="Notifications 1 unread")
    expect(inbox_link).to_be_visible()
    expect(page.get_by_role("link", name="1 comment")).to_be_visible()
    inbox_link.click()
    page.get_by_role("link", name="Bob Builder commented on your note").click()
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    assert "#c" in page.url
    page.evaluate("window.notReloaded = true")
    thread = page.locator(".comment", has_text="Why does the identity help")
    thread.get_by_text("Reply", exact=True).click()
    thread.get_by_label("Your reply").fill("Gradients flow through the shortcut unchanged.")
    thread.get_by_role("button", name="Post reply").click()
    reply = thread.locator(".comment__replies .comment")
    expect(reply).to_contain_text("Gradients flow through the shortcut")
    expect(page.locator("#comment-count")).to_have_text("2 comments")
    assert page.evaluate("window.notReloaded") is True

    # bob sees the reply and his own count
    bob_page.goto(f"{base}/")
    bob_inbox = bob_page.get_by_role("link", name="Notifications 1 unread")
    expect(bob_inbox).to_be_visible()
    bob_inbox.click()
    bob_page.get_by_role("link", name="Alice Liddell replied to your comment").click()
    expect(bob_page.locator(".comment__replies .comment")).to_contain_text(
        "Gradients flow through the shortcut"
    )
    expect(bob_page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    bob_context.close()

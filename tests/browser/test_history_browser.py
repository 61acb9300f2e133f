"""In Chromium: a person pages through a long history, newest first, and opens an old
revision from it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import make_user
from tests.factories import with_revisions

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

"""In Chromium: make an API token on the settings page, use it, revoke it; the API's
documentation page runs under the site's Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.helpers import PolicyWatch, log_in
from tests.conftest import make_user
from tests.factories import make_note

pytestmark = pytest.mark.browser


def test_make_use_and_revoke_a_token(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    base = live_server.url
    alice = make_user("alice")
    note = make_note(alice, body="Through the API")
    log_in(page, base, alice)

    page.goto(f"{base}/accounts/profile/")
    page.get_by_role("link", name="Manage your API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_text("You have no tokens.")).to_be_visible()
    page.get_by_label("Name").fill("Zotero on my laptop")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Make token").click()

    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("pn_")
    row = page.get_by_role("row", name="Zotero on my laptop")
    expect(row).to_contain_text("Read only")
    expect(row).to_contain_text("never")

    api = page.context.request
    auth = {"Authorization": f"Bearer {secret}"}
    fetched = api.get(f"{base}/api/v1/notes/{note.pk}/", headers=auth)
    assert fetched.status == 200
    assert fetched.json()["body"] == "Through the API"
    refused = api.patch(
        f"{base}/api/v1/notes/{note.pk}/",
        headers=auth,
        data={"body": "changed", "base_revision": 0},
    )
    assert refused.status == 403

    page.reload()
    expect(page.get_by_label("Token")).to_have_count(0)
    expect(row).not_to_contain_text("never")

    page.get_by_role("button", name="Revoke Zotero on my laptop").click()
    expect(page.get_by_text("Token revoked")).to_be_visible()
    expect(page.get_by_text("You have no tokens.")).to_be_visible()
    assert api.get(f"{base}/api/v1/notes/{note.pk}/", headers=auth).status == 401


def test_the_documentation_page_runs_under_the_policy(
    transactional_db: None, live_server: LiveServer, browser: Browser
) -> None:
    context = browser.new_context()
    page = context.new_page()
    watch = PolicyWatch(page)
    watch.visit(f"{live_server.url}/api/v1/docs/")
    expect(page.get_by_text("PaperNotes API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/notes/").first).to_be_visible()
    watch.settle()
    assert watch.problems == []
    context.close()

"""Steps the browser tests share."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from accounts.models import User
from tests.conftest import PASSWORD


def log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

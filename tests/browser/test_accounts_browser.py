"""In Chromium: sign up (following the e-mailed link), log out, log in, edit the profile,
log out — by labels and buttons."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User

pytestmark = pytest.mark.browser

PASSWORD = "ink, paper and patience"
SCREENSHOTS = Path(tempfile.gettempdir())


def _header(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Account")


def _log_out(page: Page) -> None:
    _header(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    expect(_header(page).get_by_role("link", name="Log in")).to_be_visible()


def test_sign_up_log_out_log_in_and_edit_the_profile(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    base = live_server.url

    page.goto(f"{base}/")
    _header(page).get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "papernotes-signup.png", full_page=True)
    page.get_by_label("Username").fill("dora")
    page.get_by_label("Email address").fill("dora@example.org")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", name="Check your e-mail to confirm")).to_be_visible()
    assert not User.objects.filter(username="dora").exists()
    # The live server runs in this process: its e-mails are in the test outbox.
    (message,) = mail.outbox
    assert message.to == ["dora@example.org"]
    link = re.search(r"https?://\S+/accounts/signup/confirm/\S+/", message.body)
    assert link, message.body
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Confirm your account")).to_be_visible()
    page.get_by_role("button", name="Confirm and log in").click()

    expect(page.get_by_text("Welcome to PaperNotes, dora!")).to_be_visible()
    expect(_header(page).locator(".site-nav__user")).to_have_text("dora")
    assert User.objects.filter(username="dora").exists()

    _log_out(page)

    _header(page).get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "papernotes-login.png", full_page=True)
    page.get_by_label("Username").fill("Dora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("Welcome back, dora.")).to_be_visible()
    expect(_header(page).locator(".site-nav__user")).to_have_text("dora")

    _header(page).get_by_role("link", name="dora").click()
    page.get_by_role("link", name="Edit your profile").click()
    page.get_by_label("Display name").fill("Dora Explorer")
    page.get_by_label("Affiliation").fill("Map Society")
    page.get_by_label("About you").fill("Reads maps.\nAnd papers about maps.")
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("heading", name="Dora Explorer")).to_be_visible()
    expect(_header(page).locator(".site-nav__user")).to_have_text("Dora Explorer")
    expect(page.locator(".profile__bio br")).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "papernotes-profile.png", full_page=True)

    _log_out(page)
    expect(_header(page).locator(".site-nav__user")).to_have_count(0)


def test_a_wrong_password_is_told_and_the_form_kept(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    User.objects.create_user("dora", "dora@example.org", PASSWORD, display_name="Dora Explorer")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("dora")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.get_by_label("Username")).to_have_value("dora")
    page.screenshot(path=SCREENSHOTS / "papernotes-login-error.png", full_page=True)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(_header(page).locator(".site-nav__user")).to_have_text("Dora Explorer")

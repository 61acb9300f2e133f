"""Chromium through Playwright, for the tests in this folder.

The machine's own Chromium at /usr/bin/chromium is used; Playwright's downloaded browsers
are not. Without it the browser tests are skipped on a workstation and fail in CI, where
a missing browser must not pass unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls
# from a thread with a running loop; the tests' own ORM calls are ordinary sync code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
MISSING_CHROMIUM = f"Chromium not found at {CHROMIUM}; install it with apt-get install -y chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING_CHROMIUM, pytrace=False)
        pytest.skip(MISSING_CHROMIUM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _close_windows(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every browser context a test opened is closed when it ends: pages left open keep
    their renderer processes busy for the rest of the run."""
    yield
    if "browser" in request.fixturenames:
        browser = request.getfixturevalue("browser")
        for context in browser.contexts:
            context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()

"""In Chromium, with axe-core: every kind of page, filled with content, has no violation of
the WCAG 2.1 A and AA rules, in English and in Arabic (the browser asking for it), in the
light and the dark colour scheme, on a wide screen (in English) and a phone (in Arabic).

The dark scheme changes colours only, and how highlighted code is marked (a test in
tests/papernotes/test_look.py holds the stylesheets to that), so in it axe runs the rules
that measure colours; every rule runs in the light scheme.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page

from tests.browser.helpers import log_in, people, site_content
from tests.pages import AUTHOR, STAFF, VISITOR, page_types, paths

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text()
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The rules among those that read colours (text against its background, links told from
# the text around them): all that a change of colours alone can break.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def _violations(page: Page, *, colours_only: bool = False) -> list[str]:
    """axe's violations on the page as it is now, one line per rule and element."""
    # Evaluated through the browser's debugging protocol, so the site's strict
    # Content-Security-Policy (no inline or foreign script) need not make room for it.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    run_only = (
        {"type": "rule", "values": COLOUR_RULES}
        if colours_only
        else {"type": "tag", "values": RULES}
    )
    found = page.evaluate(
        "async (only) => (await axe.run(document, {runOnly: only}))"
        ".violations.map((v) => ({id: v.id, help: v.help,"
        " targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}))",
        run_only,
    )
    return [f"{v['id']}: {v['help']} at {json.dumps(v['targets'])}" for v in found]


def _measure(page: Page, label: str, problems: list[str]) -> None:
    """The page as it is now, in the light scheme with every rule, then switched to the dark
    scheme with the colour rules; the page is left in the light scheme."""
    problems.extend(f"{label} [light] {line}" for line in _violations(page))
    # Switched with motion reduced, the colours change at once rather than through the
    # buttons' transitions, which axe would otherwise measure half-way.
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    _settle(page)
    found = _violations(page, colours_only=True)
    problems.extend(f"{label} [dark] {line}" for line in found)
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")


def _settle(page: Page) -> None:
    # Any transition a change of scheme still starts is waited for: getAnimations() brings
    # the styles up to date first, so it holds the ones the change has just started.
    page.evaluate("() => Promise.allSettled(document.getAnimations().map((a) => a.finished))")


def _check(page: Page, base: str, paths: list[str], problems: list[str], language: str) -> None:
    """Each page in the language its browser asks for, in the light and the dark scheme."""
    for path in paths:
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == language, path
        _measure(page, path, problems)


# Each language and each width once: English (left to right) on a wide screen, Arabic
# (right to left) on a phone. The other two pairings would cost a quarter of a minute
# each; the screenshot test walks all four for fit.
@pytest.mark.parametrize(("width", "language"), [(1280, "en"), (360, "ar")])
def test_every_page_type_meets_wcag_21_aa(
    transactional_db: None, live_server, browser: Browser, width: int, language: str
) -> None:
    alice, bob, editor = people()
    note, comment = site_content(alice, bob)
    base = live_server.url
    problems: list[str] = []

    def fresh() -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale=language, color_scheme="light"
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    visitor = fresh()
    pages = page_types(note, comment, tag="attention", query="attention")
    # Not in this walk (yet), though the others read them: the bare search form, the reset
    # link, and the paper's page as its note's author sees it.
    left_out = {"search form", "password reset link"}
    _check(visitor, base, paths(pages, VISITOR, leaving_out=left_out), problems, language)

    author = fresh()
    log_in(author, base, alice, language=language)
    _check(author, base, paths(pages, AUTHOR, leaving_out={"paper"}), problems, language)
    # A form sent with mistakes: the errors and the fields they belong to.
    author.goto(f"{base}/accounts/password/")
    with translation.override(language):
        change_password = gettext("Change password")
    author.get_by_role("button", name=change_password).click()
    _measure(author, "password errors", problems)

    staff = fresh()
    log_in(staff, base, editor, language=language)
    # The staff's own page; the admin's are Django's.
    moderation = [page.path for page in pages if page.reader == STAFF and page.name == "moderation"]
    _check(staff, base, moderation, problems, language)

    assert problems == []

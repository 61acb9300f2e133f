"""In Chromium, with the keyboard alone: the skip link, the hide and print toggles, votes,
ratings, comments and the editor are reached with Tab and used with Enter, Space or the
arrow keys, and whatever has the focus shows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from notes.models import Comment, Note
from notes.models.reactions import NoteVote, PaperRating
from tests.browser.helpers import log_in
from tests.conftest import make_user
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.browser

MAX_TABS = 120


def _focus_ring(page: Page) -> str:
    """How the focused element shows its focus: its outline, or '' when it shows none."""
    return page.evaluate(
        """() => {
          const style = getComputedStyle(document.activeElement);
          const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
          return outline ? `${style.outlineStyle} ${style.outlineWidth}` : '';
        }"""
    )


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would, and check that
    every element the focus passes shows it."""
    handle = target.element_handle()
    assert handle is not None
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("() => document.activeElement")
        label = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
        assert _focus_ring(page), f"no visible focus on {label}"
        if page.evaluate("([a, b]) => a === b", [focused, handle]):
            return
    pytest.fail(f"{target} is not reached with Tab")


def test_the_keyboard_alone_reaches_and_uses_every_control(
    transactional_db: None, live_server, browser: Browser
) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    paper = make_paper(alice, title="Attention Is All You Need", year=2017)
    note = make_note(alice, paper, body="Scaled dot-product attention.", tags=["attention"])
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, bob)

    # The skip link is the first stop and moves the focus to the content.
    page.goto(f"{base}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"

    # Hide a note on the index with Enter, show it again with Space.
    toggle = page.locator(f'.js-hide-toggle[data-note="{note.pk}"]')
    tab_to(page, toggle)
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    tab_to(page, page.get_by_role("link", name="print").first)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/n/{note.pk}/print/")

    # Vote for the note, then comment on it.
    page.goto(f"{base}/n/{note.pk}/")
    tab_to(page, page.get_by_role("button", name=f"Vote for {{{note.pk}}}"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=f"Remove vote for {{{note.pk}}}")).to_be_visible()
    assert NoteVote.objects.filter(note=note, user=bob).exists()
    tab_to(page, page.get_by_role("textbox", name="Your comment"))
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Post comment")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#comments-list").get_by_text("Typed without a mouse.")).to_be_visible()
    assert Comment.objects.filter(note=note, author=bob).count() == 1

    # Rate the paper: Tab into the stars, arrows to choose, Tab to the button.
    page.goto(f"{base}/papers/{paper.pk}/")
    tab_to(page, page.get_by_label("1 star", exact=True))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_label("4 stars")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Rate"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your rating: 4 stars")).to_be_visible()
    assert PaperRating.objects.get(paper=paper, user=bob).stars == 4

    # The author edits and saves with the keyboard.
    author = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    author.set_default_timeout(10_000)
    log_in(author, base, alice)
    author.goto(f"{base}/n/{note.pk}/edit/")
    summary = author.get_by_label("Summary")
    tab_to(author, summary)
    author.keyboard.press("Control+End")
    author.keyboard.type(" Revised by keyboard.")
    tab_to(author, author.get_by_role("button", name="Save"))
    author.keyboard.press("Enter")
    expect(author.get_by_text("Saved as revision 1.")).to_be_visible()
    assert Note.objects.get(pk=note.pk).body.endswith("Revised by keyboard.")

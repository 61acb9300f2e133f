"""In Chromium: a reader votes for someone's summary and rates the paper with the buttons
and labels a person uses, sees the counts change in place, and finds them after a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in
from tests.conftest import make_user
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.browser


def test_vote_for_a_summary_and_rate_the_paper(
    transactional_db: None, live_server, page: Page
) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    paper = make_paper(alice, title="Attention Is All You Need")
    note = make_note(alice, paper, body="Attention replaces recurrence.")
    base = live_server.url
    log_in(page, base, bob)

    page.goto(f"{base}/papers/{paper.pk}/")
    entry = page.locator(f"#n{note.pk}")
    expect(entry.locator(".entry__meta")).to_contain_text("0 votes")
    page.get_by_role("button", name=f"Vote for {{{note.pk}}}").click()
    remove = page.get_by_role("button", name=f"Remove vote for {{{note.pk}}}")
    expect(remove).to_be_visible()
    expect(remove).to_have_attribute("aria-pressed", "true")
    expect(entry.locator(".entry__meta")).to_contain_text("1 vote")
    expect(page.locator(".message")).to_have_count(0)  # no reload happened

    expect(page.get_by_text("not rated yet")).to_be_visible()
    page.get_by_label("4 stars").check()
    page.get_by_role("button", name="Rate").click()
    expect(page.get_by_text("4.0 from 1 rating")).to_be_visible()
    expect(page.get_by_text("You rated this paper 4 stars.")).to_be_visible()

    page.reload()
    expect(page.locator(f"#n{note.pk} .entry__meta")).to_contain_text("1 vote")
    expect(page.get_by_role("button", name=f"Remove vote for {{{note.pk}}}")).to_be_visible()
    expect(page.get_by_text("4.0 from 1 rating")).to_be_visible()
    expect(page.get_by_label("4 stars")).to_be_checked()

    # Changing the rating replaces it; taking the vote back on the note page works too.
    page.get_by_label("2 stars").check()
    page.get_by_role("button", name="Rate").click()
    expect(page.get_by_text("2.0 from 1 rating")).to_be_visible()
    page.get_by_role("link", name=note.ref).first.click()
    page.get_by_role("button", name=f"Remove vote for {{{note.pk}}}").click()
    expect(page.get_by_role("button", name=f"Vote for {{{note.pk}}}")).to_be_visible()
    expect(page.locator(".entry__meta")).to_contain_text("0 votes")
    page.reload()
    expect(page.locator(".entry__meta")).to_contain_text("0 votes")


def test_voting_and_rating_work_without_javascript(
    transactional_db: None, live_server, browser
) -> None:
    alice = make_user("alice")
    bob = make_user("bob")
    paper = make_paper(alice, title="Deep Residual Learning")
    note = make_note(alice, paper)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        base = live_server.url
        log_in(page, base, bob)
        page.goto(f"{base}/papers/{paper.pk}/")
        page.get_by_role("button", name=f"Vote for {{{note.pk}}}").click()
        expect(page.get_by_text(f"Your vote for {{{note.pk}}} is counted.")).to_be_visible()
        expect(page.locator(f"#n{note.pk} .entry__meta")).to_contain_text("1 vote")
        page.get_by_label("5 stars").check()
        page.get_by_role("button", name="Rate").click()
        expect(page.get_by_text("You rated this paper 5 stars.")).to_be_visible()
        expect(page.get_by_text("5.0 from 1 rating")).to_be_visible()
    finally:
        context.close()

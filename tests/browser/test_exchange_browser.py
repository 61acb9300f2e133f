"""In Chromium: a paper from an arXiv id (against the local stand-in for arXiv), a Zotero
library imported, a tag's papers exported as BibTeX, all notes downloaded as a zip, and
that zip imported by another user — by labels, buttons and links."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from notes.models import Note
from tests.browser.helpers import log_in
from tests.conftest import make_user
from tests.jobs import empty_queue, run_worker
from tests.sources import Sources

pytestmark = pytest.mark.browser

ZOTERO = Path(__file__).resolve().parent.parent / "data" / "bibtex" / "zotero.bib"


def test_papers_in_and_notes_out(
    transactional_db: None,
    live_server,
    page: Page,
    browser: Browser,
    sources: Sources,
    tmp_path: Path,
) -> None:
    empty_queue()
    sources.serve("id_list=2106.01345", "arxiv_2106.01345.xml")
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    base = live_server.url
    log_in(page, base, alice)

    # I have an arXiv id.
    page.goto(f"{base}/")
    page.get_by_role("link", name="Add a paper").first.click()
    page.get_by_label("Identifier").fill("arXiv:2106.01345v2")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_text("Found on arXiv")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(
        "Decision Transformer: Reinforcement Learning via Sequence Modeling"
    )
    expect(page.get_by_label("Year")).to_have_value("2021")
    page.get_by_role("button", name="Add paper").click()
    expect(
        page.get_by_role(
            "heading", name="Decision Transformer: Reinforcement Learning via Sequence Modeling"
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name="arXiv:2106.01345")).to_be_visible()

    # I have my Zotero library.
    page.goto(f"{base}/papers/")
    page.get_by_role("link", name="Import BibTeX").click()
    page.get_by_label("BibTeX file").set_input_files(str(ZOTERO))
    page.get_by_role("button", name="Import").click()
    # The file is checked and queued; the page shows the progress and reloads itself.
    expect(page.get_by_role("heading", name="Importing a BibTeX library")).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "0")
    run_worker()
    expect(
        page.get_by_role("heading", name="Done: 6 created, 0 matched, 2 skipped")
    ).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "7")
    expect(page.get_by_text("It has no title.")).to_be_visible()

    # The papers of a tag, as BibTeX.
    page.goto(f"{base}/tags/transformers/")
    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX", exact=True).click()
    bib = Path(download.value.path()).read_text(encoding="utf-8")
    assert "@article{vaswani2017attention," in bib
    assert "Über" not in bib

    # All my notes, as a zip.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Alice Liddell").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my notes").click()
    archive = tmp_path / "notes.zip"
    download.value.save_as(archive)
    names = zipfile.ZipFile(io.BytesIO(archive.read_bytes())).namelist()
    assert "notes.json" in names and "papers.bib" in names

    # Bob imports it into his account.
    context = browser.new_context()
    bobs = context.new_page()
    bobs.set_default_timeout(10_000)
    log_in(bobs, base, bob)
    bobs.get_by_role("navigation", name="Account").get_by_role("link", name="Bob Builder").click()
    bobs.get_by_role("link", name="Import notes").click()
    bobs.get_by_label("Notes archive").set_input_files(str(archive))
    bobs.get_by_role("button", name="Import notes").click()
    expect(bobs.get_by_role("heading", name="Importing a notes archive")).to_be_visible()
    run_worker()
    expect(
        bobs.get_by_role("heading", name="Done: 2 created, 0 already here, 0 skipped")
    ).to_be_visible()
    imported = Note.objects.get(author=bob, paper__arxiv_id="1706.03762")
    bobs.get_by_role("link", name=f"{{{imported.pk}}}").click()
    expect(bobs.locator(".entry__body math").first).to_be_visible()
    context.close()
    empty_queue()

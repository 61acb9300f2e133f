"""Importing a BibTeX library: papers created or matched, notes and tags, a report of
every entry, nothing new the second time, and refusals of what is not a .bib file."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Note, Paper
from tests.exchange_helpers import upload
from tests.factories import make_note, make_paper
from tests.paths import TESTS

URL = "/import/bibtex/"
ZOTERO = (TESTS / "data" / "bibtex" / "zotero.bib").read_bytes()


def test_it_imports_a_zotero_library(alice: User, alice_client: Client) -> None:
    response, html = upload(alice_client, URL, "library.bib", ZOTERO)
    assert response.status_code == 200
    assert '<progress max="7" value="7">' in html
    assert "Done: 6 created, 0 matched, 2 skipped" in html
    assert "It has no title." in html
    assert "Line 50: not valid BibTeX" in html
    assert "Unexpected block start" in html
    vaswani = Paper.objects.get(arxiv_id="1706.03762")
    assert vaswani.authors == "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit"
    assert vaswani.venue == "Advances in Neural Information Processing Systems"
    assert vaswani.created_by == alice
    muller = Paper.objects.get(doi="10.1000/cafe.2019")
    assert muller.title == "Über die Cafés von München & Zürich"
    assert muller.authors == "Jürgen Müller, María González"
    lecun = Paper.objects.get(pmid="26017442")
    assert (lecun.year, lecun.venue) == (2015, "Proceedings of Something Great")
    after = Paper.objects.get(title="The entry after the broken one", year=2023)
    assert after.authors == ""
    note = Note.objects.get(paper=vaswani, author=alice)
    assert note.visibility == "private"
    assert note.tag_names == ["attention", "deep-learning", "transformers"]
    assert "<math" in note.body_html
    arabic = Note.objects.get(author=alice, paper__title="تعلم الآلة للغة العربية")
    assert (arabic.body, arabic.tag_names) == ("ملاحظة قصيرة", ["nlp"])
    assert Note.objects.filter(author=alice).count() == 2
    assert vaswani.history.count() == 1, "a paper's first revision is recorded"


def test_the_same_file_twice_creates_nothing(alice: User, alice_client: Client) -> None:
    upload(alice_client, URL, "library.bib", ZOTERO, notes="always")
    papers, notes = Paper.objects.count(), Note.objects.count()
    bodies = dict(Note.objects.values_list("pk", "body"))
    _, html = upload(alice_client, URL, "library.bib", ZOTERO, notes="always")
    assert "Done: 0 created, 6 matched, 2 skipped" in html
    assert "You already have a note on this paper" in html
    assert (Paper.objects.count(), Note.objects.count()) == (papers, notes)
    assert dict(Note.objects.values_list("pk", "body")) == bodies


def test_entries_match_papers_by_identifier_or_by_title_and_year(
    alice: User, bob: User, bob_client: Client
) -> None:
    by_doi = make_paper(alice, title="Another title", doi="10.1000/cafe.2019")
    by_title = make_paper(alice, title="ATTENTION IS ALL YOU NEED", year=2017)
    other_year = make_paper(alice, title="Deep learning", year=1999)
    _, html = upload(bob_client, URL, "library.bib", ZOTERO, notes="none")
    assert "Done: 4 created, 2 matched, 2 skipped" in html
    assert Paper.objects.filter(doi="10.1000/cafe.2019").get() == by_doi
    assert Paper.objects.filter(title__iexact="attention is all you need").get() == by_title
    assert Paper.objects.filter(title="Deep learning").count() == 2
    other_year.refresh_from_db()
    assert other_year.pmid is None, "a matched paper's details are not changed"
    assert not Note.objects.filter(author=bob).exists()


def test_every_paper_can_get_an_empty_private_note_and_existing_notes_stay(
    alice: User, alice_client: Client
) -> None:
    paper = make_paper(alice, title="Deep learning", year=2015, pmid="26017442")
    mine = make_note(alice, paper, body="My own words.", tags=["mine"])
    _, html = upload(alice_client, URL, "library.bib", ZOTERO, notes="always")
    assert "Done: 5 created, 1 matched, 2 skipped" in html
    mine.refresh_from_db()
    assert (mine.body, mine.revision, mine.tag_names) == ("My own words.", 0, ["mine"])
    assert Note.objects.filter(author=alice).count() == 6
    empty = Note.objects.get(author=alice, paper__doi="10.1000/cafe.2019")
    assert (empty.body, empty.visibility) == ("", "private")


def test_duplicates_within_a_file_become_one_paper(alice_client: Client) -> None:
    bib = b"""@article{a, title={Same}, year={2001}, doi={10.1/x}}
@article{b, title={Same again}, year={2001}, doi={10.1/X}}
@article{c, title={No id}, year={2002}}
@article{d, title={no id.}, year={2002}}
"""
    _, html = upload(alice_client, URL, "dups.bib", bib)
    assert "Done: 2 created, 2 matched, 0 skipped" in html
    assert "Same paper as an earlier entry of the file." in html
    assert Paper.objects.count() == 2


def test_what_cannot_be_kept_is_said(alice_client: Client) -> None:
    bib = b"""@article{a, title={Kept}, year={2001}, doi={not a doi}, url={javascript:alert(1)},
  keywords={good, <script>, fine}}
"""
    _, html = upload(alice_client, URL, "x.bib", bib, notes="always")
    assert "DOI “not a doi” left out (not a valid DOI)" in html
    assert "URL left out" in html
    assert "Keywords not usable as tags left out: &lt;script&gt;" in html
    assert Note.objects.get().tag_names == ["fine", "good"]
    paper = Paper.objects.get()
    assert (paper.doi, paper.url) == (None, "")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", b"Just some notes, no entries.", "No BibTeX entries were found"),
        ("image.bib", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a text file"),
        ("latin1.bib", "@article{a, title={Caf\xe9}}".encode("latin-1"), "not UTF-8"),
        ("empty.bib", b"", "The file is empty."),
    ],
)
def test_what_is_not_a_bib_file_is_refused(
    alice_client: Client, name: str, data: bytes, message: str
) -> None:
    response, html = upload(alice_client, URL, name, data)
    assert response.status_code == 400
    assert message in html
    assert not Paper.objects.exists()


def test_a_file_too_large_is_refused(alice_client: Client, settings) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    data = b"@misc{a, title={x}}\n" * 100
    response, html = upload(alice_client, URL, "big.bib", data)
    assert response.status_code == 400
    assert "larger than" in html
    assert not Paper.objects.exists()


def test_too_many_entries_are_refused(alice_client: Client, settings) -> None:
    settings.IMPORT_MAX_ENTRIES = 3
    data = "".join(f"@misc{{k{n}, title={{T {n}}}}}\n" for n in range(4)).encode()
    response, html = upload(alice_client, URL, "many.bib", data)
    assert response.status_code == 400
    assert "an import takes at most 3" in html
    assert not Paper.objects.exists()


def test_no_file_is_a_clear_message(alice_client: Client) -> None:
    response = alice_client.post(URL, {})
    assert response.status_code == 400
    assert "Choose a file to upload." in response.content.decode()


def test_it_checks_access(client: Client, alice_client: Client) -> None:
    response = client.post(URL, {})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get(URL).status_code == 302
    html = alice_client.get(URL).content.decode()
    assert '<label for="id_file">BibTeX file</label>' in html


def test_the_form_page_query_count(alice_client: Client, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(6):
        assert alice_client.get(URL).status_code == 200


def test_hostile_strings_go_through_every_imported_field(alice: User, alice_client: Client) -> None:
    from notes.exchange.citations import escape
    from tests.corpora import naughty_strings, xss_payloads

    strings = [" ".join(s.split()) for s in naughty_strings() + xss_payloads("XSS_Polyglots.txt")]
    strings = [s for s in strings if s][:300]
    expected = [" ".join(f"entry {n} x {text[:400]}".split()) for n, text in enumerate(strings)]
    bib = "\n".join(
        f"@article{{k{n}, title = {{{escape(title)}}}, author = {{{escape(text[:200])}}},"
        f" journal = {{{escape(text[:250])}}}, year = {{2001}}, keywords = {{{escape(text[:40])}}},"
        f" annote = {{{escape(text)}}}, abstract = {{{escape(text)}}}}}"
        for n, (title, text) in enumerate(zip(expected, strings, strict=True))
    )
    response, html = upload(alice_client, URL, "hostile.bib", bib.encode())
    assert response.status_code == 200
    assert "<script>alert" not in html.lower()
    assert f"Done: {len(strings)} created, 0 matched, 0 skipped" in html
    assert set(Paper.objects.values_list("title", flat=True)) == set(expected)
    page = alice_client.get("/papers/").content.decode()
    assert "<script>alert" not in page.lower()

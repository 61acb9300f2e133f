"""An entry cites its paper as paper-notes wikis do, "ref: Vaswani-2017", with the first
author's family name; "ref: -2017" only when no authors are known."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Paper
from notes.models.papers import first_author_surname
from tests.corpora import naughty_strings, xss_payloads
from tests.factories import make_note, make_paper
from tests.hostile import executable_markup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("authors", "surname"),
    [
        ("Ashish Vaswani, Noam Shazeer, Niki Parmar", "Vaswani"),
        ("Vaswani, A., Shazeer, N.", "Vaswani"),
        ("A. Vaswani and N. Shazeer", "Vaswani"),
        ("Vaswani A; Shazeer N", "A"),
        ("Kaiming He et al.", "He"),
        ("Geoffrey E. Hinton & Ruslan Salakhutdinov", "Hinton"),
        ("  Yann LeCun  ", "LeCun"),
        ("Laurens van der Maaten", "Maaten"),
        ("张钹", "张钹"),
        ("", ""),
        (" , ", ""),
    ],
)
def test_the_first_authors_family_name(authors: str, surname: str) -> None:
    assert Paper(authors=authors).first_author_surname == surname


def _surname_of_the_list(authors: str) -> str:
    """The rule as written first: the first name of the whole list of names."""
    names = Paper(authors=authors).author_list
    if not names:
        return ""
    first = re.split(r"\s+and\s+|\s*;\s*|\s*&\s*", names[0])[0]
    first = re.sub(r"\s+et\s+al\.?$", "", first.strip())
    words = first.split()
    return words[-1].strip(".") if words else ""


def test_the_first_name_is_found_without_splitting_the_whole_list() -> None:
    odd = [",", " ,, \t, Ada Lovelace", "\u2003,\u00a0Ada", "\n\nAda\n, Bo", ",x", "x,", "\u3000"]
    for authors in [*naughty_strings(), *odd, ", ".join(f"Author {i}" for i in range(500))]:
        assert first_author_surname(authors) == _surname_of_the_list(authors), repr(authors)


def _ref(html: str) -> list[str]:
    return re.findall(r'<span class="entry__ref"[^>]*>([^<]*)</span>', html)


@pytest.mark.parametrize("url", ["/", "/n/{pk}/", "/search/?q=attention", "/u/alice/"])
def test_entries_cite_their_paper_by_first_author_and_year(alice: User, url: str) -> None:
    paper = make_paper(alice, title="Attention", authors="Ashish Vaswani, Noam Shazeer", year=2017)
    note = make_note(alice, paper, body="About attention.")
    bare = make_paper(alice, title="Attention without authors", authors="", year=2016)
    make_note(alice, bare, body="More attention.")
    html = Client().get(url.format(pk=note.pk)).content.decode()
    refs = _ref(html)
    assert "ref: Vaswani-2017" in refs
    if url != "/n/{pk}/":
        assert "ref: -2016" in refs


def test_an_entry_follows_an_edit_of_the_papers_authors(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice, title="Attention", authors="Ashish Vaswani", year=2017)
    make_note(alice, paper)
    assert "ref: Vaswani-2017" in _ref(Client().get("/").content.decode())
    paper.authors = "Noam Shazeer, Ashish Vaswani"
    paper.save()
    assert _ref(Client().get("/").content.decode()) == ["ref: Shazeer-2017"]


def test_hostile_first_authors_are_shown_as_text(alice: User) -> None:
    payloads = [
        line
        for name in ("XSS_Polyglots.txt", "xss_payloads_quick.txt")
        for line in xss_payloads(name)[:20]
        if line.strip()
    ]
    for payload in payloads:
        make_note(alice, make_paper(alice, authors=f"Ada {payload}", year=2001))
    shown = 0
    for number in range(1, -(-len(payloads) // 20) + 1):
        html = Client().get(f"/?page={number}").content.decode()
        assert not executable_markup(html)
        shown += len(_ref(html))
    assert shown == len(payloads)

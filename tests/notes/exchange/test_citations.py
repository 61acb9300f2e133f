"""BibTeX and CSL-JSON out: one paper, and every list the site shows, with stable keys,
valid syntax that reads back through the import, UTF-8 kept, and visibility respected."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import User
from notes.exchange import bibtex_import, citations
from notes.models import Paper
from tests.factories import make_note, make_paper


def test_keys_are_stable_and_disambiguated(alice: User) -> None:
    attention = make_paper(
        alice, title="Attention Is All You Need", authors="Ashish Vaswani, Noam Shazeer", year=2017
    )
    one = make_paper(alice, title="The deep thing", authors="Jürgen Müller", year=2020)
    two = make_paper(alice, title="Deep, again", authors="Jurgen Muller", year=2020)
    nobody = make_paper(alice, title="On", authors="", year=None)
    keys = citations.citation_keys([two, nobody, attention, one])
    assert keys == {
        attention.pk: "vaswani2017attention",
        one.pk: "muller2020deepa",
        two.pk: "muller2020deepb",
        nobody.pk: "anon",
    }
    assert citations.citation_keys([one, two, attention, nobody]) == keys


def test_one_paper_as_bibtex_and_csl_json(client: Client, alice: User) -> None:
    paper = make_paper(
        alice,
        title="Über 50% of $x_i$ & {braces}",
        authors="Jürgen Müller, Barnes and Noble Inc",
        year=2019,
        venue="Zeitschrift für Kaffee",
        doi="10.1000/cafe",
        arxiv_id="1706.03762",
        pmid="123",
        abstract="Ein Café—naïve.",
    )
    response = client.get(f"/papers/{paper.pk}/cite.bibtex")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert 'filename="muller2019uber.bib"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("@article{muller2019uber,")
    assert r"title = {Über 50\% of \$x\_i\$ \& \{braces\}}" in text
    assert "author = {Jürgen Müller and {Barnes and Noble Inc}}" in text
    entries, broken = bibtex_import.parse_library(text)
    assert not broken
    fields = entries[0].fields
    for name in ("title", "authors", "year", "venue", "doi", "arxiv_id", "pmid", "abstract"):
        assert fields[name] == getattr(paper, name), name
    response = client.get(f"/papers/{paper.pk}/cite.csl-json")
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    [item] = json.loads(response.content)
    assert item == {
        "id": "muller2019uber",
        "type": "article-journal",
        "title": "Über 50% of $x_i$ & {braces}",
        "author": [
            {"family": "Müller", "given": "Jürgen"},
            {"family": "Inc", "given": "Barnes and Noble"},
        ],
        "issued": {"date-parts": [[2019]]},
        "container-title": "Zeitschrift für Kaffee",
        "DOI": "10.1000/cafe",
        "PMID": "123",
        "archive": "arXiv",
        "archive_location": "1706.03762",
        "URL": "https://doi.org/10.1000/cafe",
        "abstract": "Ein Café—naïve.",
    }


def test_an_unknown_format_is_a_404(client: Client, alice: User) -> None:
    paper = make_paper(alice)
    assert client.get(f"/papers/{paper.pk}/cite.ris").status_code == 404
    assert client.get("/export/notes.ris").status_code == 404
    assert client.get("/papers/999999/cite.bibtex").status_code == 404


def _titles(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {item["title"] for item in json.loads(response.content)}


@pytest.mark.parametrize(
    ("role", "sees_private"),
    [("anonymous", False), ("owner", True), ("other", False), ("staff", False)],
)
def test_list_exports_show_what_the_list_shows(
    people: dict[str, Client], alice: User, bob: User, role: str, sees_private: bool
) -> None:
    make_note(alice, make_paper(alice, title="Public one"), tags=["ml"], body="about graphs")
    make_note(
        alice,
        make_paper(alice, title="Private one"),
        tags=["ml"],
        body="about graphs",
        visibility="private",
    )
    make_note(bob, make_paper(bob, title="Bob's"), tags=["bio"], body="about cells")
    client = people[role]
    expected = {"Public one", "Private one"} if sees_private else {"Public one"}
    assert _titles(client, "/export/notes.csl-json?tag=ml") == expected
    assert _titles(client, "/export/notes.csl-json?user=alice") == expected
    assert _titles(client, "/export/notes.csl-json?q=graphs") == expected
    assert _titles(client, "/export/notes.csl-json?user=bob") == {"Bob's"}
    papers = _titles(client, "/export/papers.csl-json")
    assert ("Private one" in papers) == sees_private
    assert {"Public one", "Bob's"} <= papers


def test_list_pages_link_to_their_exports(alice: User, alice_client: Client) -> None:
    make_note(alice, tags=["c#"])
    assert '/export/notes.bibtex?tag=c%23"' in alice_client.get("/tags/c%23/").content.decode()
    assert '/export/notes.bibtex?user=alice"' in alice_client.get("/u/alice/").content.decode()
    assert "/export/papers.csl-json" in alice_client.get("/papers/").content.decode()
    assert (
        "/export/notes.bibtex?q=summary" in alice_client.get("/search/?q=summary").content.decode()
    )


def test_list_exports_take_a_fixed_number_of_queries(
    alice: User, client: Client, django_assert_max_num_queries
) -> None:
    for n in range(30):
        make_note(alice, make_paper(alice, title=f"Paper {n}"), tags=["ml"])
    with django_assert_max_num_queries(4):
        assert client.get("/export/notes.bibtex?tag=ml").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/export/papers.bibtex").status_code == 200
    paper = Paper.objects.first()
    with django_assert_max_num_queries(4):
        assert client.get(f"/papers/{paper.pk}/cite.bibtex").status_code == 200


def test_an_export_reads_back_through_the_import(alice: User, alice_client: Client) -> None:
    from tests.corpora import naughty_strings

    for n, text in enumerate(naughty_strings()[:200]):
        if " ".join(text.split()):
            make_note(
                alice,
                make_paper(
                    alice, title=" ".join(text.split())[:500], authors="A B", year=2000 + n % 20
                ),
            )
    exported = alice_client.get("/export/notes.bibtex?user=alice").content.decode()
    entries, broken = bibtex_import.parse_library(exported)
    assert not broken
    assert sorted(e.fields["title"] for e in entries) == sorted(
        Paper.objects.values_list("title", flat=True)
    )

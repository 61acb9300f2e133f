"""Adding a paper from an identifier: the real HTTP client against a local server that
answers as arXiv, Crossref, DataCite and NCBI do (tests/sources.py), well and badly."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.lookup import identifiers
from notes.models import Paper
from tests.factories import make_paper
from tests.sources import Sources

LOOKUP = "/papers/lookup/"


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("2106.01345", identifiers.ARXIV, "2106.01345"),
        ("arXiv:1706.03762v5", identifiers.ARXIV, "1706.03762"),
        ("https://arxiv.org/abs/1706.03762v7", identifiers.ARXIV, "1706.03762"),
        ("hep-th/9901001", identifiers.ARXIV, "hep-th/9901001"),
        ("10.1038/nature14539", identifiers.DOI, "10.1038/nature14539"),
        ("https://doi.org/10.1038/NATURE14539", identifiers.DOI, "10.1038/nature14539"),
        ("doi:10.1038/nature14539", identifiers.DOI, "10.1038/nature14539"),
        ("31942076", identifiers.PMID, "31942076"),
        ("PMID-31942076", identifiers.PMID, "31942076"),
        ("https://pubmed.ncbi.nlm.nih.gov/31942076/", identifiers.PMID, "31942076"),
        ("PMC7096066", identifiers.PMCID, "PMC7096066"),
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC7096066/", identifiers.PMCID, "PMC7096066"),
    ],
)
def test_it_recognises_every_kind_of_identifier(typed: str, kind: str, value: str) -> None:
    assert identifiers.parse(typed) == identifiers.Identifier(kind, value)


@pytest.mark.parametrize("typed", ["", "hello world", "10.", "PMC", "٣١٩٤٢٠٧٦", "x" * 400])
def test_it_refuses_what_is_no_identifier(typed: str) -> None:
    with pytest.raises(ValueError):
        identifiers.parse(typed)


def _form_value(html: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


def test_an_arxiv_id_fills_the_form_to_confirm(alice_client: Client, sources: Sources) -> None:
    sources.serve("id_list=2106.01345", "arxiv_2106.01345.xml")
    response = alice_client.post(LOOKUP, {"identifier": "arXiv:2106.01345v2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Found on arXiv" in html
    assert _form_value(html, "title") == (
        "Decision Transformer: Reinforcement Learning via Sequence Modeling"
    )
    assert _form_value(html, "authors") == "Lili Chen, Kevin Lu, Aravind Rajeswaran, Kimin Lee"
    assert _form_value(html, "year") == "2021"
    assert _form_value(html, "arxiv_id") == "2106.01345"
    assert _form_value(html, "doi") == "10.48550/arxiv.2106.01345"
    assert "Advances in Neural Information Processing Systems 34" in html
    assert "scalability of the Transformer architecture" in html
    assert not Paper.objects.exists(), "nothing is saved before the user confirms"
    path, headers = sources.requests[0]
    assert path.startswith("/arxiv/api/query?id_list=2106.01345")
    assert "mailto:papers@example.org" in headers["User-Agent"]


def test_a_doi_is_looked_up_at_crossref(alice_client: Client, sources: Sources) -> None:
    sources.serve("/crossref/works/10.1038/nature14539", "crossref_10.1038_nature14539.json")
    html = alice_client.post(LOOKUP, {"identifier": "https://doi.org/10.1038/nature14539"})
    html = html.content.decode()
    assert "Found on Crossref" in html
    assert _form_value(html, "title") == "Deep learning"
    assert _form_value(html, "authors") == "Yann LeCun, Yoshua Bengio, Geoffrey Hinton"
    assert _form_value(html, "year") == "2015"
    assert _form_value(html, "venue") == "Nature"
    assert "multiple levels of abstraction." in html
    assert "jats" not in html


def test_a_doi_crossref_does_not_know_is_looked_up_at_datacite(
    alice_client: Client, sources: Sources
) -> None:
    sources.serve("/crossref/", "crossref_not_found.txt", status=404)
    sources.serve("/datacite/dois/10.5281/zenodo.1234567", "datacite_10.5281_zenodo.1234567.json")
    html = alice_client.post(LOOKUP, {"identifier": "10.5281/zenodo.1234567"}).content.decode()
    assert "Found on DataCite" in html
    assert _form_value(html, "title") == "A survey dataset of café menus"
    assert _form_value(html, "authors") == "Jürgen Müller, The Astropy Collaboration"
    assert _form_value(html, "year") == "2018"


def test_a_pmid_and_a_pmcid_are_looked_up_at_pubmed(alice_client: Client, sources: Sources) -> None:
    sources.serve("/eutils/efetch.fcgi", "pubmed_31942076.xml")
    sources.serve("/eutils/esearch.fcgi", "esearch_PMC7096066.json")
    for typed in ("https://pubmed.ncbi.nlm.nih.gov/31942076/", "PMC7096066"):
        html = alice_client.post(LOOKUP, {"identifier": typed}).content.decode()
        assert "Found on PubMed" in html
        assert _form_value(html, "title") == (
            "Improved protein structure prediction using potentials from deep learning."
        )
        assert _form_value(html, "authors") == "Andrew W Senior, Richard Evans, DeepMind Team"
        assert _form_value(html, "pmid") == "31942076"
        assert _form_value(html, "doi") == "10.1038/s41586-019-1923-7"
        assert "accurate predictions of the distances" in html
    assert any("tool=" in path and "email=papers" in path for path, _ in sources.requests)


def test_the_confirmed_form_adds_the_paper(alice_client: Client, sources: Sources) -> None:
    sources.serve("/crossref/works/", "crossref_10.1038_nature14539.json")
    html = alice_client.post(LOOKUP, {"identifier": "10.1038/nature14539"}).content.decode()
    fields = {
        name: _form_value(html, name)
        for name in ("title", "authors", "year", "venue", "url", "doi", "arxiv_id", "pmid")
    }
    response = alice_client.post("/papers/new/", {**fields, "abstract": "Corrected."})
    paper = Paper.objects.get()
    assert response.url == f"/papers/{paper.pk}/"
    assert (paper.title, paper.doi, paper.year, paper.abstract) == (
        "Deep learning",
        "10.1038/nature14539",
        2015,
        "Corrected.",
    )


def test_an_identifier_already_here_opens_its_paper_without_asking(
    alice_client: Client, sources: Sources
) -> None:
    paper = make_paper(arxiv_id="2106.01345")
    response = alice_client.post(LOOKUP, {"identifier": "https://arxiv.org/abs/2106.01345v1"})
    assert response.url == f"/papers/{paper.pk}/"
    assert sources.requests == []


def test_a_paper_found_under_another_of_its_identifiers_opens(
    alice_client: Client, sources: Sources
) -> None:
    paper = make_paper(doi="10.48550/arxiv.2106.01345")
    sources.serve("id_list=2106.01345", "arxiv_2106.01345.xml")
    response = alice_client.post(LOOKUP, {"identifier": "2106.01345"})
    assert response.url == f"/papers/{paper.pk}/"
    assert Paper.objects.count() == 1


FAILURES = {
    "server error page": {"body": "html_error.html", "status": 503},
    "HTML instead of XML": {"body": "html_error.html"},
    "truncated XML": {
        "body": b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><ent"
    },
    "empty body": {"body": b""},
    "no such paper": {"body": "arxiv_empty.xml"},
    "an error entry": {"body": "arxiv_error.xml"},
    "entity expansion": {"body": "billion_laughs.xml"},
    "too slow": {"body": "arxiv_2106.01345.xml", "delay": 3.0},
    "rate limited upstream": {"body": b"Too many requests", "status": 429},
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failing_source_gives_a_message_and_the_manual_form_with_the_input_kept(
    alice_client: Client, sources: Sources, settings, failure: str
) -> None:
    settings.LOOKUP_TIMEOUT_SECONDS = 0.5
    sources.serve("/arxiv/", **FAILURES[failure])
    response = alice_client.post(LOOKUP, {"identifier": "arXiv:2106.01345v2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "enter the details by hand" in html.lower() or "does not know" in html
    assert 'role="alert"' in html
    assert 'value="arXiv:2106.01345v2"' in html, "what was typed is kept"
    assert _form_value(html, "arxiv_id") == "2106.01345", "the manual form has the id"
    assert not Paper.objects.exists()


def test_a_source_that_cannot_be_reached_is_a_message(
    alice_client: Client, settings, sources: Sources
) -> None:
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.LOOKUP_CROSSREF_URL = f"http://127.0.0.1:{port}/works/"
    response = alice_client.post(LOOKUP, {"identifier": "10.1038/nature14539"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Crossref could not be reached" in html
    assert _form_value(html, "doi") == "10.1038/nature14539"


def test_a_doi_nobody_knows_says_so(alice_client: Client, sources: Sources) -> None:
    sources.serve("/crossref/", "crossref_not_found.txt", status=404)
    sources.serve(
        "/datacite/",
        b'{"errors":[{"status":"404","title":"The resource you are looking for doesn\'t exist."}]}',
        status=404,
    )
    html = alice_client.post(LOOKUP, {"identifier": "10.9999/nothing"}).content.decode()
    assert "Neither Crossref nor DataCite knows this DOI." in html
    assert _form_value(html, "doi") == "10.9999/nothing"


def test_answers_of_another_shape_are_refused(alice_client: Client, sources: Sources) -> None:
    sources.serve("/crossref/", b'{"status":"ok","message":["not","a","work"]}')
    html = alice_client.post(LOOKUP, {"identifier": "10.1038/nature14539"}).content.decode()
    assert "Crossref sent an answer that could not be read" in html
    sources.serve("/eutils/esearch", b'["x"]', content_type="application/json")
    html = alice_client.post(LOOKUP, {"identifier": "PMC1"}).content.decode()
    assert "PubMed sent an answer that could not be read" in html
    sources.serve("/eutils/esearch", "esearch_empty.json")
    html = alice_client.post(LOOKUP, {"identifier": "PMC2"}).content.decode()
    assert "PubMed does not know this PMCID." in html


def test_answers_are_cached(alice_client: Client, bob_client: Client, sources: Sources) -> None:
    sources.serve("id_list=2106.01345", "arxiv_2106.01345.xml")
    alice_client.post(LOOKUP, {"identifier": "2106.01345"})
    html = bob_client.post(LOOKUP, {"identifier": "arXiv:2106.01345v1"}).content.decode()
    assert "Found on arXiv" in html
    assert len(sources.requests) == 1


def test_lookups_per_user_are_limited(
    alice_client: Client, bob_client: Client, sources: Sources, settings
) -> None:
    settings.LOOKUP_RATE_LIMIT = 2
    sources.serve("/crossref/", "crossref_10.1038_nature14539.json")
    for n in (1, 2):
        assert (
            "Found on Crossref"
            in alice_client.post(LOOKUP, {"identifier": f"10.1000/{n}"}).content.decode()
        )
    html = alice_client.post(LOOKUP, {"identifier": "10.1000/3"}).content.decode()
    assert "You looked up more than 2 identifiers" in html
    assert _form_value(html, "doi") == "10.1000/3"
    assert len(sources.requests) == 2
    assert (
        "Found on Crossref" in bob_client.post(LOOKUP, {"identifier": "10.1000/4"}).content.decode()
    ), "another user has a limit of their own"


def test_it_checks_access(client: Client, alice_client: Client) -> None:
    response = client.post(LOOKUP, {"identifier": "10.1000/1"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert alice_client.get(LOOKUP).status_code == 405


def test_a_bad_identifier_is_a_400_with_the_text_kept(alice_client: Client) -> None:
    response = alice_client.post(LOOKUP, {"identifier": "<script>alert(1)</script>"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter an arXiv id or link" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_add_page_offers_the_lookup_first(alice_client: Client) -> None:
    html = alice_client.get("/papers/new/").content.decode()
    assert html.index('name="identifier"') < html.index('name="title"')
    assert '<label for="id_identifier">Identifier</label>' in html


# ---------------------------------------------------------------- refresh from source


def _refresh(client: Client, paper: Paper):
    return client.post(f"/papers/{paper.pk}/refresh/")


def test_refresh_from_source_makes_a_new_revision_of_the_details(
    alice: User, alice_client: Client, sources: Sources
) -> None:
    sources.serve("/crossref/works/10.1038/nature14539", "crossref_10.1038_nature14539.json")
    paper = make_paper(alice, title="deep learnin", doi="10.1038/nature14539", year=None)
    before = paper.history.count()
    response = _refresh(alice_client, paper)
    assert response.url == f"/papers/{paper.pk}/"
    paper.refresh_from_db()
    assert (paper.title, paper.year, paper.venue) == ("Deep learning", 2015, "Nature")
    assert paper.authors == "Yann LeCun, Yoshua Bengio, Geoffrey Hinton"
    assert paper.history.count() == before + 1
    assert paper.history.first().history_change_reason == "Refreshed from source"
    page = alice_client.get(f"/papers/{paper.pk}/").content.decode()
    assert "Details refreshed from Crossref." in page


def test_refresh_that_fails_changes_nothing(
    alice: User, alice_client: Client, sources: Sources
) -> None:
    sources.serve("/crossref/", "html_error.html", status=502)
    sources.serve("/arxiv/", "html_error.html", status=502)
    paper = make_paper(alice, title="Mine", doi="10.1038/nature14539", arxiv_id="2106.01345")
    response = _refresh(alice_client, paper)
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.title == "Mine"
    page = alice_client.get(f"/papers/{paper.pk}/").content.decode()
    assert "Nothing was changed." in page


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 302), ("owner", 302), ("other", 403), ("staff", 302)]
)
def test_refresh_checks_access(
    people: dict[str, Client], alice: User, sources: Sources, role: str, status: int
) -> None:
    sources.serve("/crossref/", "crossref_10.1038_nature14539.json")
    paper = make_paper(alice, title="Mine", doi="10.1038/nature14539")
    response = _refresh(people[role], paper)
    assert response.status_code == status
    paper.refresh_from_db()
    assert (paper.title == "Deep learning") == (role in ("owner", "staff"))
    if role == "anonymous":
        assert "/accounts/login/" in response.url


def test_the_paper_page_offers_refresh_to_who_may_edit(
    alice: User, alice_client: Client, bob_client: Client
) -> None:
    paper = make_paper(alice, doi="10.1038/nature14539")
    assert "Refresh from source" in alice_client.get(f"/papers/{paper.pk}/").content.decode()
    assert "Refresh from source" not in bob_client.get(f"/papers/{paper.pk}/").content.decode()


def test_hostile_details_from_a_source_are_shown_as_text(
    alice_client: Client, sources: Sources
) -> None:
    import json

    from tests.corpora import xss_payloads

    payloads = xss_payloads("XSS_Polyglots.txt")[:20]
    for n, payload in enumerate(payloads):
        work = {
            "title": [payload],
            "author": [{"given": payload[:50], "family": "X"}],
            "container-title": [payload],
            "abstract": f"<jats:p>{payload}</jats:p>",
            "issued": {"date-parts": [[2020]]},
        }
        sources.serve(f"/crossref/works/10.1000/x{n}", json.dumps({"message": work}).encode())
        response = alice_client.post(LOOKUP, {"identifier": f"10.1000/x{n}"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "<script" not in html.lower().replace('<script src="/static/', "")
        assert "onerror=" not in html.lower().replace("onerror=&quot;", "")

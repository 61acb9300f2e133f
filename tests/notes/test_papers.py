"""Adding, finding again, showing and editing papers."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Paper
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db


def test_a_logged_in_user_adds_a_paper_with_normalised_identifiers(alice_client: Client) -> None:
    response = alice_client.post(
        "/papers/new/",
        {
            "title": "  Deep   learning ",
            "authors": "Y. LeCun, Y. Bengio, G. Hinton",
            "year": "2015",
            "doi": "https://doi.org/10.1038/NATURE14539",
            "arxiv_id": "arXiv:1707.03389v3",
            "pmid": "PMID-26017442",
        },
    )
    paper = Paper.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/papers/{paper.pk}/"
    assert paper.title == "Deep learning"
    assert (paper.doi, paper.arxiv_id, paper.pmid) == (
        "10.1038/nature14539",
        "1707.03389",
        "26017442",
    )
    assert paper.created_by.username == "alice"
    assert paper.history.count() == 1


def test_adding_a_known_identifier_opens_the_existing_paper(
    alice: User, bob_client: Client
) -> None:
    existing = make_paper(alice, doi="10.1/abc")
    response = bob_client.post("/papers/new/", {"title": "Other title", "doi": "doi:10.1/ABC"})
    assert response.status_code == 302
    assert response["Location"] == f"/papers/{existing.pk}/"
    assert Paper.objects.count() == 1
    page = bob_client.get(response["Location"])
    assert "already here" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "   ", "This field is required"),
        ("title", "x" * 501, "at most 500 characters"),
        ("doi", "not-a-doi", "Enter a DOI"),
        ("arxiv_id", "1234", "Enter an arXiv id"),
        ("pmid", "PMID-abc", "PubMed id"),
        ("year", "99999", "less than or equal to 2100"),
        ("url", "javascript:alert(1)", "Enter a valid URL"),
    ],
)
def test_bad_paper_input_gets_a_clear_message(
    alice_client: Client, field: str, value: str, message: str
) -> None:
    data = {"title": "A title", field: value}
    response = alice_client.post("/papers/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Paper.objects.exists()


def test_anonymous_cannot_add_a_paper() -> None:
    response = Client().post("/papers/new/", {"title": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Paper.objects.exists()


def test_paper_page_shows_metadata_links_and_visible_summaries(
    alice: User, bob: User, carol_client: Client
) -> None:
    paper = make_paper(
        alice, title="Quantum things", doi="10.5/q", arxiv_id="2101.00001", pmid="42"
    )
    make_note(alice, paper, body="Alice's **public** summary")
    make_note(bob, paper, body="Bob's secret summary", visibility="private")
    html = carol_client.get(f"/papers/{paper.pk}/").content.decode()
    assert "Quantum things" in html
    assert "https://doi.org/10.5/q" in html
    assert "https://arxiv.org/abs/2101.00001" in html
    assert "https://pubmed.ncbi.nlm.nih.gov/42/" in html
    assert "<strong>public</strong>" in html
    assert "secret" not in html
    assert "Write your summary" in html


def test_the_creator_and_staff_edit_a_paper_and_edits_are_kept(
    alice: User, alice_client: Client, staff_client: Client
) -> None:
    paper = make_paper(alice, title="Old title")
    assert alice_client.post(f"/papers/{paper.pk}/edit/", {"title": "New title"}).status_code == 302
    assert (
        staff_client.post(f"/papers/{paper.pk}/edit/", {"title": "Newer title"}).status_code == 302
    )
    paper.refresh_from_db()
    assert paper.title == "Newer title"
    titles = [r.title for r in paper.history.order_by("history_date")]
    assert titles == ["Old title", "New title", "Newer title"]
    history = alice_client.get(f"/papers/{paper.pk}/history/").content.decode()
    assert "Old title" in history and "Newer title" in history


def test_another_user_cannot_edit_a_paper(alice: User, bob_client: Client) -> None:
    paper = make_paper(alice, title="Mine")
    assert bob_client.get(f"/papers/{paper.pk}/edit/").status_code == 403
    assert bob_client.post(f"/papers/{paper.pk}/edit/", {"title": "Theirs"}).status_code == 403
    paper.refresh_from_db()
    assert paper.title == "Mine"


def test_editing_to_another_papers_identifier_is_refused(alice: User, alice_client: Client) -> None:
    make_paper(alice, title="First", doi="10.1/first")
    second = make_paper(alice, title="Second")
    response = alice_client.post(
        f"/papers/{second.pk}/edit/", {"title": "Second", "doi": "10.1/FIRST"}
    )
    assert response.status_code == 200
    assert "Another paper already has this" in response.content.decode()
    second.refresh_from_db()
    assert second.doi is None


def test_unknown_paper_is_404(alice_client: Client) -> None:
    assert alice_client.get("/papers/999999/").status_code == 404


def test_paper_list_counts_only_public_summaries(alice: User, bob: User) -> None:
    paper = make_paper(alice, title="Listed paper")
    make_note(alice, paper)
    make_note(bob, paper, visibility="private")
    html = Client().get("/papers/").content.decode()
    assert "Listed paper" in html
    assert "1 public summary" in html

"""Who may vote and rate: anonymous, the owner, another user and staff, on public and
private notes, for every endpoint of votes and ratings.

Voting needs a login (anonymous is sent to log in), is refused on your own note (403),
and another user's private note does not exist for anyone else (404), staff included.
Rating a paper needs a login; everyone logged in may rate, the person who added it too.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.models import NoteVote, PaperRating
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "other", "staff"]


VOTE_EXPECTED = {
    "public": {"anonymous": 302, "owner": 403, "other": 302, "staff": 302},
    "private": {"anonymous": 302, "owner": 403, "other": 404, "staff": 404},
}
VOTES_LEFT = {"anonymous": 0, "owner": 0, "other": 1, "staff": 1}


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("role", ROLES)
def test_voting(people: dict[str, Client], alice: User, visibility: str, role: str) -> None:
    note = make_note(alice, visibility=visibility)
    response = people[role].post(f"/n/{note.pk}/vote/", {"vote": "1"})
    assert response.status_code == VOTE_EXPECTED[visibility][role]
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    expected = VOTES_LEFT[role] if visibility == "public" else 0
    note.refresh_from_db()
    assert note.vote_count == expected == NoteVote.objects.filter(note=note).count()
    if role != "anonymous":
        assert people[role].get(f"/n/{note.pk}/vote/").status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_voting_on_a_note_that_does_not_exist(people: dict[str, Client], role: str) -> None:
    response = people[role].post("/n/999999/vote/", {"vote": "1"})
    assert response.status_code == (302 if role == "anonymous" else 404)


RATE_EXPECTED = {"anonymous": 302, "owner": 302, "other": 302, "staff": 302}


@pytest.mark.parametrize("role", ROLES)
def test_rating(people: dict[str, Client], alice: User, role: str) -> None:
    paper = make_paper(alice)  # alice added it: she is its "owner"
    response = people[role].post(f"/papers/{paper.pk}/rate/", {"stars": "4"})
    assert response.status_code == RATE_EXPECTED[role]
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
        assert not PaperRating.objects.exists()
    else:
        assert response["Location"] == f"/papers/{paper.pk}/"
        assert PaperRating.objects.get(paper=paper).stars == 4
        assert people[role].get(f"/papers/{paper.pk}/rate/").status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_rating_a_paper_that_does_not_exist(people: dict[str, Client], role: str) -> None:
    response = people[role].post("/papers/999999/rate/", {"stars": "4"})
    assert response.status_code == (302 if role == "anonymous" else 404)

"""Star ratings of papers: 1 to 5, one per person, changeable and removable, with an
average and a count that always match the ratings, even for requests at the same moment."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from notes.models import Paper, PaperRating
from notes.services.reactions import paper_rate
from tests.conftest import client_for, make_user
from tests.corpora import naughty_strings
from tests.factories import make_paper
from tests.threads import at_once

pytestmark = pytest.mark.django_db


def _rate(client: Client, paper: Paper, stars: str | None = None, **data: str):
    if stars is not None:
        data["stars"] = stars
    return client.post(f"/papers/{paper.pk}/rate/", data)


def _totals(paper: Paper) -> tuple[int, int]:
    paper.refresh_from_db(fields=["rating_count", "rating_sum"])
    return paper.rating_count, paper.rating_sum


def test_it_records_a_rating_and_shows_the_average(alice: User, bob_client: Client) -> None:
    paper = make_paper(alice)
    response = _rate(bob_client, paper, "4")
    assert response.status_code == 302
    assert response["Location"] == f"/papers/{paper.pk}/"
    assert _totals(paper) == (1, 4)
    page = bob_client.get(f"/papers/{paper.pk}/").content.decode()
    assert "4.0 from 1 rating" in page
    assert "You rated this paper 4 stars." in page
    assert "Your rating: 4 stars" in page
    assert 'value="4" required checked' in page


def test_a_person_changes_their_rating_instead_of_adding_one(
    alice: User, bob: User, bob_client: Client
) -> None:
    paper = make_paper(alice)
    _rate(bob_client, paper, "5")
    _rate(bob_client, paper, "2")
    assert _totals(paper) == (1, 2)
    assert PaperRating.objects.get(paper=paper, user=bob).stars == 2
    _rate(bob_client, paper, "2")
    assert _totals(paper) == (1, 2)


def test_ratings_of_several_people_average(
    alice: User, alice_client: Client, bob_client: Client, carol_client: Client
) -> None:
    paper = make_paper(alice)
    _rate(alice_client, paper, "5")  # adding a paper is not writing it: its adder may rate
    _rate(bob_client, paper, "4")
    _rate(carol_client, paper, "1")
    assert _totals(paper) == (3, 10)
    assert paper.rating_average == pytest.approx(10 / 3)
    assert "3.3 from 3 ratings" in Client().get(f"/papers/{paper.pk}/").content.decode()
    # Listed for alice, who added it (a paper without notes is listed for nobody else).
    listing = alice_client.get("/papers/").content.decode()
    assert "3.3 from 3 ratings" in listing


def test_a_rating_can_be_removed(alice: User, bob: User, bob_client: Client) -> None:
    paper = make_paper(alice)
    _rate(bob_client, paper, "3")
    response = _rate(bob_client, paper, remove="1")
    assert response.status_code == 302
    assert _totals(paper) == (0, 0)
    assert not PaperRating.objects.exists()
    assert _rate(bob_client, paper, remove="1").status_code == 302  # nothing to remove
    assert _totals(paper) == (0, 0)
    assert "not rated yet" in bob_client.get(f"/papers/{paper.pk}/").content.decode()


@pytest.mark.parametrize("stars", ["0", "6", "-1", "", "3.5", "abc", "1e1", "\x00", "9" * 5000])
def test_a_rating_out_of_range_is_refused_with_a_message(
    alice: User, bob_client: Client, stars: str
) -> None:
    paper = make_paper(alice)
    response = _rate(bob_client, paper, stars)
    assert response.status_code == 302
    assert _totals(paper) == (0, 0)
    assert not PaperRating.objects.exists()
    page = bob_client.get(response["Location"]).content.decode()
    assert "Choose from 1 to 5 stars." in page


def test_hostile_strings_never_break_rating(alice: User, bob_client: Client) -> None:
    paper = make_paper(alice)
    for text in naughty_strings():
        response = _rate(bob_client, paper, text, next=text)
        assert response.status_code == 302, repr(text)
        assert not response["Location"].lower().startswith(("javascript:", "//", "http"))
    count, total = _totals(paper)
    assert count == PaperRating.objects.count() <= 1
    assert total == sum(PaperRating.objects.values_list("stars", flat=True))


def test_the_database_refuses_stars_outside_1_to_5(alice: User, bob: User) -> None:
    paper = make_paper(alice)
    for stars in (0, 6):
        with pytest.raises(IntegrityError), transaction.atomic():
            PaperRating.objects.create(paper=paper, user=bob, stars=stars)
    with pytest.raises(ValueError):
        paper_rate(paper=paper, user=bob, stars=6)


def test_an_in_place_rating_answers_with_the_rating_box(alice: User, bob_client: Client) -> None:
    paper = make_paper(alice)
    headers = {"HX-Request": "true"}
    response = bob_client.post(f"/papers/{paper.pk}/rate/", {"stars": "5"}, headers=headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "5.0 from 1 rating" in html
    assert "Remove my rating" in html
    bad = bob_client.post(f"/papers/{paper.pk}/rate/", {"stars": "7"}, headers=headers)
    assert bad.status_code == 400
    assert "Choose from 1 to 5 stars." in bad.content.decode()
    assert "5.0 from 1 rating" in bad.content.decode()


def test_editing_a_paper_keeps_its_ratings_and_views(
    alice: User, alice_client: Client, bob: User
) -> None:
    paper = make_paper(alice, title="Before")
    stale = Paper.objects.get(pk=paper.pk)
    paper_rate(paper=paper, user=bob, stars=5)
    stale.title = "After"
    stale.save()  # an ordinary save never writes the old counters back
    response = alice_client.post(
        f"/papers/{paper.pk}/edit/", {"title": "After again", "year": "2017"}
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert (paper.title, paper.rating_count, paper.rating_sum) == ("After again", 1, 5)
    assert "rating_sum" not in {f.name for f in paper.history.model._meta.fields}


def test_rating_is_only_for_logged_in_people(alice: User) -> None:
    paper = make_paper(alice)
    page = Client().get(f"/papers/{paper.pk}/").content.decode()
    assert "Log in to rate this paper" in page
    assert "Your rating" not in page


# --------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_two_first_ratings_at_the_same_moment_by_one_person_leave_one() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    paper = make_paper(alice)
    for _ in range(3):
        clients = [client_for(bob), client_for(bob)]
        errors = at_once(2, lambda i, clients=clients: _rate(clients[i], paper, str(i + 2)))
        assert not errors
        stars = PaperRating.objects.get(paper=paper, user=bob).stars
        assert stars in (2, 3)
        assert _totals(paper) == (1, stars)
        errors = at_once(2, lambda i, clients=clients: _rate(clients[i], paper, remove="1"))
        assert not errors
        assert _totals(paper) == (0, 0) and not PaperRating.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_ratings_of_many_people_at_the_same_moment_add_up() -> None:
    alice = make_user("alice")
    raters = [make_user(f"rater{i}") for i in range(6)]
    paper = make_paper(alice)
    errors = at_once(6, lambda i: paper_rate(paper=paper, user=raters[i], stars=i % 5 + 1))
    assert not errors
    assert _totals(paper) == (6, 1 + 2 + 3 + 4 + 5 + 1)
    errors = at_once(6, lambda i: paper_rate(paper=paper, user=raters[i], stars=5))
    assert not errors
    assert _totals(paper) == (6, 30)
    stars = list(PaperRating.objects.values_list("stars", flat=True))
    assert (len(stars), sum(stars)) == (6, 30)

"""What someone reads stays private: a paper is listed only for readers who can read a
note on it or who added it, and its details history names who changed it only to readers
who can read a note by that person on it (and to that person)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Paper, Visibility
from notes.services import moderation, note_trash, paper_save
from tests.conftest import client_for, make_user
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "other", "staff"]
TITLE = "Hepatoprotective effects of silymarin"


def _added_by_alice(alice: User) -> Paper:
    """Added through the site, so that its history says who added it."""
    response = client_for(alice).post("/papers/new/", {"title": TITLE, "doi": "10.1000/silymarin"})
    assert response.status_code == 302
    paper = Paper.objects.get(doi="10.1000/silymarin")
    assert paper.history.get().history_user == alice
    return paper


def _hidden(note, staff: User) -> None:
    moderation.flag(flagger=make_user("dave"), item=note, reason="spam")
    moderation.moderate(actor=staff, item=note, verb="hide")


Setup = Callable[[User, User, User, User], Paper]
# name: (the paper and its notes, from alice, bob, carol, staff; the roles it is listed for)
PAPERS: dict[str, tuple[Setup, set[str]]] = {
    "added by alice, no notes": (lambda a, b, c, s: _added_by_alice(a), {"owner"}),
    "added by alice, her private note": (
        lambda a, b, c, s: make_note(a, _added_by_alice(a), visibility="private").paper,
        {"owner"},
    ),
    "added by carol, alice's private note": (
        lambda a, b, c, s: make_note(a, make_paper(c, title=TITLE), visibility="private").paper,
        {"owner"},
    ),
    "added by carol, alice's trashed note": (
        lambda a, b, c, s: note_trash(note=make_note(a, make_paper(c, title=TITLE))).paper,
        set(),
    ),
    "added by carol, alice's hidden note": (
        lambda a, b, c, s: _with_hidden_note(a, c, s),
        {"owner"},
    ),
    "added by alice, her public note": (
        lambda a, b, c, s: make_note(a, _added_by_alice(a)).paper,
        {"anonymous", "owner", "other", "staff"},
    ),
    "added by carol, bob's public note": (
        lambda a, b, c, s: make_note(b, make_paper(c, title=TITLE)).paper,
        {"anonymous", "owner", "other", "staff"},
    ),
    "added by staff, no notes": (lambda a, b, c, s: make_paper(s, title=TITLE), {"staff"}),
}


def _with_hidden_note(alice: User, carol: User, staff: User) -> Paper:
    note = make_note(alice, make_paper(carol, title=TITLE))
    _hidden(note, staff)
    return note.paper


@pytest.mark.parametrize("setup", PAPERS)
@pytest.mark.parametrize("role", ROLES)
def test_a_paper_is_listed_only_for_who_reads_a_note_on_it_or_added_it(
    people: dict[str, Client], alice: User, bob: User, carol: User, staff: User, role, setup
) -> None:
    make, listed_for = PAPERS[setup]
    paper = make(alice, bob, carol, staff)
    listing = people[role].get("/papers/").content.decode()
    assert (f'href="/papers/{paper.pk}/"' in listing) is (role in listed_for)
    assert (TITLE in listing) is (role in listed_for)
    # "Did you mean" suggests only listed papers.
    search = people[role].get("/search/", {"q": "hepatoprotectve efects of silymarn"})
    assert (f'href="/papers/{paper.pk}/"' in search.content.decode()) is (role in listed_for)
    # The paper's own page stays reachable by its address.
    assert people[role].get(f"/papers/{paper.pk}/").status_code == 200


def test_adding_a_paper_by_a_known_identifier_still_opens_it(
    alice: User, bob_client: Client
) -> None:
    paper = make_note(alice, _added_by_alice(alice), visibility="private").paper
    assert TITLE not in bob_client.get("/papers/").content.decode()
    response = bob_client.post("/papers/new/", {"title": "Anything", "doi": "10.1000/silymarin"})
    assert response.status_code == 302 and response["Location"] == f"/papers/{paper.pk}/"
    assert bob_client.get(response["Location"]).status_code == 200
    assert Paper.objects.count() == 1


def _edited(paper: Paper, user: User, title: str) -> Paper:
    paper = Paper.objects.get(pk=paper.pk)
    paper.title = title
    return paper_save(paper=paper, user=user)


NAMES = {"alice": "Alice Liddell", "bob": "Bob Builder", "staff": "staff"}
# Who sees each person named in the history of a paper alice added (with her private
# note), that bob edited (with his public note) and staff edited (with no note).
NAMED_FOR = {
    "alice": {"owner"},
    "bob": {"anonymous", "owner", "other", "staff"},
    "staff": {"staff"},
}


@pytest.mark.parametrize("role", ROLES)
def test_the_details_history_names_only_people_whose_notes_on_it_the_reader_can_read(
    people: dict[str, Client], alice: User, bob: User, staff: User, role: str
) -> None:
    paper = _added_by_alice(alice)
    make_note(alice, paper, visibility=Visibility.PRIVATE)
    make_note(bob, paper)
    _edited(paper, bob, "Edited by bob")
    _edited(paper, staff, "Edited by staff")
    page = people[role].get(f"/papers/{paper.pk}/history/").content.decode()
    rows = page.count("<tr><td>")
    assert rows == 3
    for person, roles in NAMED_FOR.items():
        assert (f'<td dir="auto">{NAMES[person]}</td>' in page) is (role in roles), person
    assert page.count('<td dir="auto">someone</td>') == 3 - sum(
        role in roles for roles in NAMED_FOR.values()
    )


@pytest.mark.parametrize(
    ("visibility", "named"), [(Visibility.PUBLIC, True), (Visibility.PRIVATE, False)]
)
def test_the_adder_is_named_while_their_note_on_it_is_readable(
    alice: User, bob_client: Client, visibility: str, named: bool
) -> None:
    paper = _added_by_alice(alice)
    note = make_note(alice, paper, visibility=visibility)
    page = bob_client.get(f"/papers/{paper.pk}/history/").content.decode()
    assert ("Alice Liddell" in page) is named
    note_trash(note=note)
    assert "Alice Liddell" not in bob_client.get(f"/papers/{paper.pk}/history/").content.decode()

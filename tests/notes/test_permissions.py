"""Who may read and change what: anonymous, the owner, another user and staff, for every
note and paper URL, public and private.

Another user's private note is a 404 (its existence is not revealed), another user's public
note is read-only (writing is a 403), and staff have no special access to private notes.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Note
from tests.factories import make_note, make_paper, revise

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "other", "staff"]

READ = ["/n/{pk}/", "/n/{pk}/history/", "/n/{pk}/r/0/", "/n/{pk}/diff/0/1/", "/n/{pk}/print/"]
WRITE_GET = ["/n/{pk}/edit/", "/n/{pk}/revert/0/", "/n/{pk}/delete/"]
WRITE_POST = ["/n/{pk}/revert/0/", "/n/{pk}/delete/", "/n/{pk}/restore/"]


def _note(alice: User, visibility: str) -> Note:
    note = make_note(alice, body="first version", visibility=visibility)
    return revise(note, "second version")


READ_EXPECTED = {
    "public": {"anonymous": 200, "owner": 200, "other": 200, "staff": 200},
    "private": {"anonymous": 404, "owner": 200, "other": 404, "staff": 404},
}
WRITE_EXPECTED = {
    "public": {"anonymous": 302, "owner": 200, "other": 403, "staff": 403},
    "private": {"anonymous": 302, "owner": 200, "other": 404, "staff": 404},
}


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", READ)
def test_reading_a_note(
    people: dict[str, Client], alice: User, visibility: str, role: str, url: str
) -> None:
    note = _note(alice, visibility)
    response = people[role].get(url.format(pk=note.pk))
    assert response.status_code == READ_EXPECTED[visibility][role]
    if response.status_code == 404:
        assert "second version" not in response.content.decode()


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", WRITE_GET)
def test_opening_a_note_for_writing(
    people: dict[str, Client], alice: User, visibility: str, role: str, url: str
) -> None:
    note = _note(alice, visibility)
    response = people[role].get(url.format(pk=note.pk))
    assert response.status_code == WRITE_EXPECTED[visibility][role]
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", WRITE_POST)
def test_posting_a_change_to_a_note(
    people: dict[str, Client], alice: User, visibility: str, role: str, url: str
) -> None:
    note = _note(alice, visibility)
    response = people[role].post(url.format(pk=note.pk))
    expected = WRITE_EXPECTED[visibility][role]
    assert response.status_code == (302 if expected == 200 else expected)
    after = Note.objects.get(pk=note.pk)
    if role != "owner":
        assert (after.revision, after.deleted_at) == (note.revision, None)


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("role", ROLES)
def test_saving_an_edit(people: dict[str, Client], alice: User, visibility: str, role: str) -> None:
    note = _note(alice, visibility)
    response = people[role].post(
        f"/n/{note.pk}/edit/",
        {"body": "hijacked", "visibility": "public", "base_revision": str(note.revision)},
    )
    expected = WRITE_EXPECTED[visibility][role]
    assert response.status_code == (302 if expected == 200 else expected)
    body = Note.objects.get(pk=note.pk).body
    assert body == ("hijacked" if role == "owner" else "second version")


def test_a_note_in_the_trash_is_invisible_to_everyone_but_its_owner(
    people: dict[str, Client], alice: User
) -> None:
    note = _note(alice, "public")
    people["owner"].post(f"/n/{note.pk}/delete/")
    statuses = {role: people[role].get(f"/n/{note.pk}/").status_code for role in ROLES}
    assert statuses == {"anonymous": 404, "owner": 200, "other": 404, "staff": 404}
    assert people["other"].get(f"/n/{note.pk}/history/").status_code == 404


PAPER_EXPECTED = {
    # url: (anonymous, owner = creator, other, staff)
    "/papers/{pk}/": (200, 200, 200, 200),
    "/papers/{pk}/history/": (200, 200, 200, 200),
    "/papers/{pk}/edit/": (302, 200, 403, 200),
    "/papers/{pk}/write/": (302, 200, 200, 200),
    "/papers/new/": (302, 200, 200, 200),
    "/trash/": (302, 200, 200, 200),
}


@pytest.mark.parametrize("url", PAPER_EXPECTED)
@pytest.mark.parametrize("role", ROLES)
def test_paper_pages(people: dict[str, Client], alice: User, url: str, role: str) -> None:
    paper = make_paper(alice)
    response = people[role].get(url.format(pk=paper.pk))
    assert response.status_code == PAPER_EXPECTED[url][ROLES.index(role)]


def test_the_trash_lists_only_your_own_notes(people: dict[str, Client], alice: User) -> None:
    note = _note(alice, "public")
    people["owner"].post(f"/n/{note.pk}/delete/")
    assert f"/n/{note.pk}/" in people["owner"].get("/trash/").content.decode()
    assert f"/n/{note.pk}/" not in people["other"].get("/trash/").content.decode()
    assert f"/n/{note.pk}/" not in people["staff"].get("/trash/").content.decode()

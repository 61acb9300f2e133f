"""The admin is no second way to change a note: an edit there is a revision like any other."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.caching import public_counts
from notes.models import Note, Visibility
from tests.conftest import client_for, make_user
from tests.factories import make_note, revise

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    return client_for(make_user("root", is_staff=True, is_superuser=True))


def _change_url(note: Note) -> str:
    return f"/admin/notes/note/{note.pk}/change/"


def _post(client: Client, note: Note, **fields: object) -> object:
    data = {
        "body": note.body,
        "tags": " ".join(note.tag_names),
        "visibility": note.visibility,
        "edit_message": "",
        "base_revision": note.revision,
        **fields,
    }
    return client.post(_change_url(note), data)


def test_an_admin_edit_is_a_new_revision_rendered_searched_and_counted(
    alice: User, admin_client: Client
) -> None:
    note = make_note(alice, body="Lasers in *optics*.", tags=["optics"])
    page = admin_client.get(_change_url(note)).content.decode()
    assert 'name="tags" value="optics"' in page and 'name="base_revision"' in page
    response = _post(
        admin_client,
        note,
        body="Zymurgy of $x^2$ crystals.",
        tags="Brewing, chemistry",
        edit_message="Fixed the subject",
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.revision == 1
    assert note.tag_names == ["brewing", "chemistry"]
    assert sorted(note.tags.names()) == ["brewing", "chemistry"]
    assert "<math" in note.body_html and "Zymurgy" in note.body_html
    latest = note.history.first()
    assert (latest.revision, latest.body, latest.history_user.username) == (
        1,
        "Zymurgy of $x^2$ crystals.",
        "root",
    )
    assert latest.edit_message == "Fixed the subject"
    assert note.history.count() == 2
    found = Client().get("/search/", {"q": "zymurgy"}).content.decode()
    assert f'id="n{note.pk}"' in found
    gone = Client().get("/search/", {"q": "lasers"}).content.decode()
    assert f'id="n{note.pk}"' not in gone
    assert public_counts.public_counts_starting("") == {
        public_counts.ALL: 1,
        public_counts.tag_key("brewing"): 1,
        public_counts.tag_key("chemistry"): 1,
    }


def test_an_admin_edit_making_a_note_private_takes_it_out_of_the_counts(
    alice: User, admin_client: Client
) -> None:
    note = make_note(alice, tags=["optics"])
    assert _post(admin_client, note, visibility=Visibility.PRIVATE).status_code == 302
    assert public_counts.public_counts_starting("") == {}
    assert Note.objects.get(pk=note.pk).revision == 1
    assert f'id="n{note.pk}"' not in Client().get("/").content.decode()


def test_an_admin_edit_from_an_old_revision_is_refused_and_keeps_the_text(
    alice: User, admin_client: Client
) -> None:
    note = make_note(alice, body="First text.")
    stale_revision = note.revision
    revise(note, "The author's newer text.")
    response = _post(
        admin_client, note, body="Staff text written meanwhile.", base_revision=stale_revision
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "was saved (revision 1) since this page was opened" in html
    assert "Staff text written meanwhile." in html
    assert Note.objects.get(pk=note.pk).body == "The author's newer text."


def test_the_admin_checks_tags_and_text_as_the_site_does(alice: User, admin_client: Client) -> None:
    note = make_note(alice)
    response = _post(admin_client, note, body="   ", tags="ok a/b")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write something: a summary cannot be empty." in html
    assert "these are not: a/b" in html
    assert Note.objects.get(pk=note.pk).revision == 0


def test_notes_cannot_be_added_in_the_admin_nor_moved_between_papers(
    alice: User, bob: User, admin_client: Client
) -> None:
    note = make_note(alice)
    assert admin_client.get("/admin/notes/note/add/").status_code == 403
    other = make_note(bob)
    _post(admin_client, note, paper=other.paper_id, author=bob.pk)
    note.refresh_from_db()
    assert (note.paper_id, note.author_id) != (other.paper_id, bob.pk)
    assert note.author_id == alice.pk


def test_staff_without_admin_rights_cannot_edit_notes(alice: User, staff: User) -> None:
    note = make_note(alice)
    response = _post(client_for(staff), note, body="Changed by staff.")
    assert response.status_code == 403
    assert Note.objects.get(pk=note.pk).revision == 0


def test_notes_cannot_be_deleted_in_the_admin(alice: User, admin_client: Client) -> None:
    # Not one by one, nor with the list's bulk action: a note leaves by its author's trash
    # or by moderation, both of which keep it and its history.
    note = make_note(alice)
    assert admin_client.get(f"/admin/notes/note/{note.pk}/delete/").status_code == 403
    assert (
        admin_client.post(f"/admin/notes/note/{note.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    listing = admin_client.get("/admin/notes/note/").content.decode()
    assert 'value="delete_selected"' not in listing
    response = admin_client.post(
        "/admin/notes/note/",
        {"action": "delete_selected", "_selected_action": [note.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Note.objects.filter(pk=note.pk).exists()

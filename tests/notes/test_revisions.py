"""Every save is a revision; revisions are viewed, compared and reverted; conflicts lose nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from notes.models import Note
from notes.services import EditConflict, NoteContent, note_save
from tests.factories import make_comment, make_note, revise

pytestmark = pytest.mark.django_db


def _edit(client: Client, note: Note, body: str, base: int, **extra: str):
    data = {"body": body, "tags": "physics", "visibility": "public", "base_revision": str(base)}
    data.update(extra)
    return client.post(f"/n/{note.pk}/edit/", data)


def test_each_save_is_one_revision_with_its_message_and_tags(
    alice: User, alice_client: Client
) -> None:
    note = make_note(alice, body="first", tags=["a"])
    _edit(alice_client, note, "second", 0, tags="a b", edit_message="add b")
    _edit(alice_client, note, "third", 1, tags="c")
    note.refresh_from_db()
    assert note.revision == 2
    rows = list(note.history.order_by("revision").values_list("revision", "body", "tag_names"))
    assert rows == [(0, "first", ["a"]), (1, "second", ["a", "b"]), (2, "third", ["c"])]
    assert note.history.get(revision=1).edit_message == "add b"
    assert note.history.get(revision=1).history_user == alice


def test_revisions_are_the_history_rows_of_that_note_comment_and_paper(alice: User) -> None:
    note = make_note(alice, body="first", tags=["a"])
    revise(note, "second", tags=["b"])
    other = make_note(alice, body="another paper's note")
    comment = make_comment(note, alice, "a comment")
    for instance in (note, other, note.paper, comment):
        assert sorted(instance.revisions().values_list("history_id", flat=True)) == sorted(
            instance.history.values_list("history_id", flat=True)
        )
    assert list(note.revisions().order_by("revision").values_list("body", flat=True)) == [
        "first",
        "second",
    ]


def test_history_page_lists_every_revision(alice: User, bob_client: Client) -> None:
    note = make_note(alice, body="short", tags=["t0"])
    note = revise(note, "a much longer body", tags=["t1"], message="grow it")
    html = bob_client.get(f"/n/{note.pk}/history/").content.decode()
    assert "grow it" in html
    assert "+13</span> B" in html  # size change (the number kept left to right)
    assert "t0" in html and "t1" in html
    assert "Alice Liddell" in html
    assert f'href="/n/{note.pk}/r/0/"' in html


def test_a_revision_is_shown_exactly_as_it_was(alice: User, bob_client: Client) -> None:
    note = make_note(alice, body="old **text** $x_1$", tags=["old"])
    revise(note, "new text", tags=["new"])
    html = bob_client.get(f"/n/{note.pk}/r/0/").content.decode()
    assert "<strong>text</strong>" in html
    assert "<math" in html
    assert "old" in html and "new text" not in html
    assert "revision <strong>0</strong>" in html


def test_an_unknown_revision_is_404(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    assert bob_client.get(f"/n/{note.pk}/r/7/").status_code == 404
    assert bob_client.get(f"/n/{note.pk}/diff/0/7/").status_code == 404


def test_diff_highlights_words_and_tag_changes(alice: User, bob_client: Client) -> None:
    note = make_note(alice, body="the quick brown fox", tags=["animals"])
    revise(note, "the slow brown fox <script>", tags=["animals", "speed"])
    html = bob_client.get(f"/n/{note.pk}/diff/0/1/").content.decode()
    assert "<del>quick</del>" in html
    assert "<ins>slow</ins>" in html
    assert "+speed" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_compare_form_redirects_to_the_canonical_diff(alice: User, bob_client: Client) -> None:
    note = revise(make_note(alice), "two")
    response = bob_client.get(f"/n/{note.pk}/compare/", {"a": "1", "b": "0"})
    assert response["Location"] == f"/n/{note.pk}/diff/0/1/"
    response = bob_client.get(f"/n/{note.pk}/compare/", {"a": "x"})
    assert response["Location"] == f"/n/{note.pk}/history/"


def test_revert_asks_then_makes_a_new_revision_equal_to_the_old(
    alice: User, alice_client: Client
) -> None:
    note = make_note(alice, body="original", tags=["one"])
    revise(note, "changed", tags=["two"])
    confirm = alice_client.get(f"/n/{note.pk}/revert/0/")
    assert "Revert to revision 0" in confirm.content.decode()
    note.refresh_from_db()
    assert note.revision == 1

    response = alice_client.post(f"/n/{note.pk}/revert/0/", follow=True)
    note.refresh_from_db()
    assert (note.revision, note.body, note.tag_names) == (2, "original", ["one"])
    assert "is a copy of revision 0" in response.content.decode()
    assert note.history.count() == 3
    assert note.history.get(revision=2).edit_message == "Reverted to revision 0"


def test_a_stale_base_gets_the_conflict_page_with_the_users_text(
    alice: User, alice_client: Client
) -> None:
    note = make_note(alice, body="line one\n")
    first = _edit(alice_client, note, "line one\nfrom tab A\n", 0)
    assert first.status_code == 302
    second = _edit(alice_client, note, "line one\nfrom tab B\n", 0)
    assert second.status_code == 409
    page = second.content.decode()
    assert "from tab B" in page  # the user's text is intact
    assert "<del>A</del>" in page and "<ins>B</ins>" in page
    assert 'name="base_revision" value="1"' in page
    note.refresh_from_db()
    assert note.body == "line one\nfrom tab A\n"

    # merging and saving again from the conflict page works
    merged = _edit(alice_client, note, "line one\nfrom tab A\nfrom tab B\n", 1)
    assert merged.status_code == 302
    note.refresh_from_db()
    assert (note.revision, note.body) == (2, "line one\nfrom tab A\nfrom tab B\n")


def test_a_missing_base_revision_is_refused_not_guessed(alice: User, alice_client: Client) -> None:
    note = make_note(alice, body="keep")
    response = alice_client.post(f"/n/{note.pk}/edit/", {"body": "new", "visibility": "public"})
    assert response.status_code == 200
    assert "lost track of the revision" in response.content.decode()
    note.refresh_from_db()
    assert note.body == "keep"


@pytest.mark.django_db(transaction=True)
def test_two_saves_from_the_same_base_at_once_one_wins_one_conflicts(alice: User) -> None:
    note = make_note(alice, body="base")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(body: str) -> None:
        try:
            barrier.wait()
            note_save(
                note=note,
                user=alice,
                content=NoteContent(body=body, tags=["t"], visibility="public"),
                base_revision=0,
            )
            outcomes.append("saved:" + body)
        except EditConflict:
            outcomes.append("conflict:" + body)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(b,)) for b in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "saved"]
    note.refresh_from_db()
    winner = next(o.split(":")[1] for o in outcomes if o.startswith("saved"))
    assert (note.revision, note.body) == (1, winner)
    assert note.history.count() == 2

"""Votes on notes: one per person, taken back by the same button, never on your own note,
and a count that always equals the votes, even for requests at the same moment."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Note, NoteVote
from notes.services.reactions import OwnNoteVote, note_vote
from tests.conftest import client_for, make_user
from tests.factories import make_note, make_paper, revise
from tests.threads import at_once

pytestmark = pytest.mark.django_db


def _vote(client: Client, note: Note, value: str = "1", *, in_place: bool = False, **data: str):
    headers = {"HX-Request": "true"} if in_place else {}
    return client.post(f"/n/{note.pk}/vote/", {"vote": value, **data}, headers=headers)


def _count(note: Note) -> int:
    note.refresh_from_db(fields=["vote_count"])
    return note.vote_count


def test_it_counts_a_vote_and_shows_it(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    response = _vote(bob_client, note)
    assert response.status_code == 302
    assert response["Location"] == f"/n/{note.pk}/"
    assert _count(note) == 1
    page = bob_client.get(f"/n/{note.pk}/").content.decode()
    assert "1 vote" in page
    assert "Remove vote" in page
    assert f"Your vote for {{{note.pk}}} is counted." in page


@pytest.mark.parametrize("in_place", [False, True])
def test_a_vote_is_two_statements_and_reads_no_text_of_the_note(
    alice: User, bob_client: Client, in_place: bool
) -> None:
    note = make_note(alice, body="A long text, which a vote has no use for.")
    _vote(bob_client, note)  # the session's first request
    other = make_note(alice, make_paper(title="Another"))
    with CaptureQueriesContext(connection) as queries:
        response = _vote(bob_client, other, in_place=in_place)
    assert response.status_code == (200 if in_place else 302)
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if re.search(r'"notes_note"\."body', sql)], statements
    # The row and the count in one statement; the note read before it, with who may vote.
    changes = [sql for sql in statements if "notes_notevote" in sql]
    assert len(changes) == 1 and "INSERT" in changes[0] and "UPDATE" in changes[0]
    assert _count(other) == 1


def test_a_second_vote_by_the_same_person_changes_nothing(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    _vote(bob_client, note)
    _vote(bob_client, note)
    assert _count(note) == 1
    assert NoteVote.objects.filter(note=note).count() == 1


def test_the_button_takes_the_vote_back(alice: User, bob: User, bob_client: Client) -> None:
    note = make_note(alice)
    _vote(bob_client, note)
    _vote(bob_client, note, "0")
    assert _count(note) == 0
    assert not NoteVote.objects.filter(note=note, user=bob).exists()
    _vote(bob_client, note, "0")  # taking back a vote that is not there
    assert _count(note) == 0
    page = bob_client.get(f"/n/{note.pk}/").content.decode()
    assert "0 votes" in page
    assert ">Vote<" in page


def test_votes_of_several_people_add_up(alice: User, bob_client: Client, carol_client) -> None:
    note = make_note(alice)
    _vote(bob_client, note)
    _vote(carol_client, note)
    assert _count(note) == 2
    _vote(carol_client, note, "0")
    assert _count(note) == 1


def test_nobody_votes_for_their_own_note(alice: User, alice_client: Client) -> None:
    note = make_note(alice)
    response = _vote(alice_client, note)
    assert response.status_code == 403
    assert OwnNoteVote.message in response.content.decode()
    assert _count(note) == 0
    assert not NoteVote.objects.exists()
    with pytest.raises(OwnNoteVote):
        note_vote(note=note, user=alice, vote=True)
    assert "Vote<" not in alice_client.get(f"/n/{note.pk}/").content.decode()


def test_an_in_place_vote_answers_with_the_button(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    response = _vote(bob_client, note, in_place=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Remove vote" in html
    assert f'data-sync="votes-{note.pk}">1 vote' in html.replace("\n", "")
    refused = _vote(client_for(alice), note, in_place=True)
    assert refused.status_code == 403
    assert refused.content.decode() == OwnNoteVote.message


@pytest.mark.parametrize("value", ["", "2", "yes", "-1", "\x00", "1" * 5000])
def test_a_malformed_vote_is_a_400(alice: User, bob_client: Client, value: str) -> None:
    note = make_note(alice)
    assert _vote(bob_client, note, value).status_code == 400
    assert _count(note) == 0


def test_it_rejects_get(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    assert bob_client.get(f"/n/{note.pk}/vote/").status_code == 405


def test_it_goes_back_to_the_page_it_came_from_but_only_on_this_site(
    alice: User, bob_client: Client
) -> None:
    note = make_note(alice)
    back = _vote(bob_client, note, "1", next=f"/papers/{note.paper_id}/?order=votes")
    assert back["Location"] == f"/papers/{note.paper_id}/?order=votes"
    for hostile in ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]:
        away = _vote(bob_client, note, "0", next=hostile)
        assert away["Location"] == f"/n/{note.pk}/"


def test_a_note_in_the_trash_cannot_be_voted_on(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    Note.objects.filter(pk=note.pk).update(deleted_at="2026-01-01T00:00:00Z")
    assert _vote(bob_client, note).status_code == 404


def test_saving_a_revision_keeps_the_votes_and_history_leaves_them_out(
    alice: User, bob_client: Client
) -> None:
    note = make_note(alice)
    stale = Note.objects.get(pk=note.pk)  # read before the vote
    _vote(bob_client, note)
    stale.edit_message = "read before the vote"
    stale.save()  # an ordinary save never writes an old count back
    assert _count(note) == 1
    revised = revise(Note.objects.get(pk=note.pk), "second version")
    assert _count(revised) == 1
    assert revised.history.count() == 3
    assert "vote_count" not in {f.name for f in revised.history.model._meta.fields}


def test_the_paper_page_orders_summaries_by_votes_on_request(
    alice: User, bob: User, carol: User
) -> None:
    paper = make_paper(alice)
    quiet = make_note(alice, paper, body="quiet summary")
    liked = make_note(bob, paper, body="liked summary")
    newest = make_note(carol, paper, body="newest summary")
    dave = make_user("dave")
    for voter in (alice, carol, dave):
        note_vote(note=liked, user=voter, vote=True)
    note_vote(note=quiet, user=dave, vote=True)
    reader = Client()
    by_date = reader.get(f"/papers/{paper.pk}/").content.decode()
    by_votes = reader.get(f"/papers/{paper.pk}/?order=votes").content.decode()

    def order(html: str) -> list[int]:
        return sorted((newest.pk, liked.pk, quiet.pk), key=lambda pk: html.index(f'id="n{pk}"'))

    assert order(by_date) == [newest.pk, liked.pk, quiet.pk]
    assert order(by_votes) == [liked.pk, quiet.pk, newest.pk]
    assert "most votes first" in by_date
    assert 'href="?order=votes"' in by_date
    assert "3 votes" in by_votes


def test_the_paper_page_shows_which_summaries_the_reader_voted_for(
    alice: User, bob: User, carol: User, carol_client: Client
) -> None:
    paper = make_paper(alice)
    voted = make_note(alice, paper)
    other = make_note(bob, paper)
    note_vote(note=voted, user=carol, vote=True)
    html = carol_client.get(f"/papers/{paper.pk}/").content.decode()
    assert f'Remove vote<span class="visually-hidden"> for {{{voted.pk}}}' in html
    assert f'Vote<span class="visually-hidden"> for {{{other.pk}}}' in html
    assert "Log in to vote" in Client().get(f"/papers/{paper.pk}/").content.decode()


def test_the_index_shows_vote_counts(alice: User, bob: User) -> None:
    note = make_note(alice)
    note_vote(note=note, user=bob, vote=True)
    assert "1 vote" in Client().get("/").content.decode()


# --------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_two_votes_at_the_same_moment_by_one_person_count_once() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    note = make_note(alice)
    for _ in range(3):
        clients = [client_for(bob), client_for(bob)]
        errors = at_once(2, lambda i, clients=clients: _vote(clients[i], note))
        assert not errors
        assert _count(note) == 1 == NoteVote.objects.filter(note=note).count()
        errors = at_once(2, lambda i, clients=clients: _vote(clients[i], note, "0"))
        assert not errors
        assert _count(note) == 0 == NoteVote.objects.filter(note=note).count()


@pytest.mark.django_db(transaction=True)
def test_votes_of_many_people_at_the_same_moment_all_count() -> None:
    alice = make_user("alice")
    voters = [make_user(f"voter{i}") for i in range(6)]
    note = make_note(alice)
    errors = at_once(6, lambda i: note_vote(note=note, user=voters[i], vote=True))
    assert not errors
    assert _count(note) == 6 == NoteVote.objects.filter(note=note).count()
    errors = at_once(6, lambda i: note_vote(note=note, user=voters[i], vote=i % 2 == 0))
    assert not errors
    assert _count(note) == 3 == NoteVote.objects.filter(note=note).count()

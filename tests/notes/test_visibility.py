"""The one visibility rule (``notes.visibility``) in every form the code uses agrees with
itself and with what the pages show: readers (anonymous, the author, another user, staff)
× note states (public, private, trashed, hidden)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client

from accounts.models import User
from notes import visibility
from notes.caching import public_counts
from notes.models import Comment, Note, Visibility
from notes.selectors import browse
from notes.selectors.browse import Listing
from notes.selectors.related import read_also
from notes.services import moderation, note_trash
from tests.conftest import client_for
from tests.factories import make_comment, make_note, make_paper

pytestmark = pytest.mark.django_db

STATES = ["public", "private", "trashed", "hidden"]
READERS = ["anonymous", "author", "other", "staff"]

# The rule, written out once more by hand: what every form must give.
READABLE = {
    "public": {"anonymous", "author", "other", "staff"},
    "private": {"author"},
    "trashed": set(),
    "hidden": {"author"},
}
# The note's own page also opens for its author in their trash (to restore it).
REACHABLE = {**READABLE, "trashed": {"author"}}
WORD = "zygomorphic"
TAG = "solitary-tag"


def _note_in_state(alice: User, bob: User, staff: User, state: str) -> tuple[Note, Comment]:
    paper = make_paper(alice, title="The paper of the note")
    note = make_note(
        alice,
        paper,
        body=f"A {WORD} summary.",
        tags=[TAG, "shared"],
        visibility=Visibility.PRIVATE if state == "private" else Visibility.PUBLIC,
    )
    comment = make_comment(note, alice, "The author writes a comment.")
    if state == "trashed":
        note_trash(note=note)
    if state == "hidden":
        moderation.flag(flagger=bob, item=note, reason="spam")
        moderation.moderate(actor=staff, item=note, verb="hide")
    return Note.objects.get(pk=note.pk), Comment.objects.get(pk=comment.pk)


def _reader(role: str, alice: User, bob: User, staff: User) -> User | AnonymousUser:
    return {"anonymous": AnonymousUser(), "author": alice, "other": bob, "staff": staff}[role]


def _by_sql(note: Note, reader: User | AnonymousUser) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT FROM notes_note WHERE id = %s AND {visibility.notes_sql()})",  # noqa: S608
            [note.pk, visibility.reader_id(reader)],
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", READERS)
def test_every_form_of_the_note_rule_agrees(
    alice: User, bob: User, carol: User, staff: User, state: str, role: str
) -> None:
    note, comment = _note_in_state(alice, bob, staff, state)
    reader = _reader(role, alice, bob, staff)
    expected = role in READABLE[state]

    assert Note.objects.filter(visibility.notes_q(reader), pk=note.pk).exists() is expected
    assert Note.objects.visible_to(reader).filter(pk=note.pk).exists() is expected
    assert _by_sql(note, reader) is expected
    assert visibility.note_readable(note, reader) is expected
    assert note.is_visible_to(reader) is expected
    assert visibility.note_reachable(note, reader) is (role in REACHABLE[state])
    # Comments follow their note's page (which its author opens in their trash too).
    reachable = role in REACHABLE[state]
    assert visibility.comment_readable(comment, reader) is reachable
    assert Comment.objects.filter(visibility.comments_q(reader), pk=comment.pk).exists() is (
        reachable
    )
    # "Read also" (hand-written SQL) offers the note's paper from another paper's page.
    other_paper = make_note(carol, make_paper(carol), tags=["shared"]).paper
    offered = read_also(paper=other_paper, viewer=reader, tags=["shared"])
    assert (note.paper_id in [p.pk for p in offered]) is expected
    # Tag counts and the stored count of a tag's list (public counts + the reader's own).
    assert (TAG in browse.tag_counts(reader)) is expected
    listing = browse.listing_page(reader, Listing(tags=(TAG,)), 1)
    assert listing.paginator.count == int(expected)
    # The public state, which the stored counts are made of, is the anonymous reader's.
    anonymous = "anonymous" in READABLE[state]
    assert visibility.is_public_now(note) is anonymous
    assert bool(public_counts.keys_of(note)) is anonymous
    assert Note.objects.filter(visibility.public_q(), pk=note.pk).exists() is anonymous


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", READERS)
def test_the_pages_show_what_the_rule_says(
    alice: User, bob: User, staff: User, state: str, role: str
) -> None:
    note, comment = _note_in_state(alice, bob, staff, state)
    reader = _reader(role, alice, bob, staff)
    client = Client() if role == "anonymous" else client_for(reader)
    expected = role in READABLE[state]
    link = f'id="n{note.pk}"'  # the note's entry in a list

    page = client.get(f"/n/{note.pk}/")
    assert page.status_code == (200 if role in REACHABLE[state] else 404)
    if page.status_code == 200:
        assert ("The author writes a comment." in page.content.decode()) is (
            visibility.comment_readable(comment, reader, note=note)
        )
    paper_page = client.get(f"/papers/{note.paper_id}/").content.decode()
    assert (link in paper_page) is expected
    assert (link in client.get("/u/alice/").content.decode()) is expected
    assert (link in client.get(f"/search/?q={WORD}").content.decode()) is expected
    assert (link in client.get(f"/tags/{TAG}/").content.decode()) is expected
    assert (f"/tags/{TAG}/" in client.get("/tags/").content.decode()) is expected
    # Feeds are built for anonymous readers, whoever asks.
    feed = client.get("/feeds/notes/").content.decode()
    assert (f"/n/{note.pk}/" in feed) is (state == "public")

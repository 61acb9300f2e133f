"""A past revision keeps the privacy it was saved with: revisions written while a note was
private stay the author's after it is published, on every page that shows revisions."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Note, Visibility
from notes.services import NoteContent, note_save
from tests.factories import make_note

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "other", "staff"]
SECRETS = ["secret draft zero", "secret draft one", "hushtag", "private message"]


def _save(note: Note, body: str, visibility: str, tags: list[str], message: str = "") -> Note:
    return note_save(
        note=note,
        user=note.author,
        content=NoteContent(body=body, tags=tags, visibility=visibility, edit_message=message),
        base_revision=note.revision,
    )


def _published_after_two_private_drafts(alice: User) -> Note:
    """Revisions 0 and 1 private, 2 and 3 public."""
    note = make_note(alice, body="secret draft zero", tags=["hushtag"], visibility="private")
    note = _save(note, "secret draft one", Visibility.PRIVATE, ["hushtag"], "private message")
    note = _save(note, "Now for everyone.", Visibility.PUBLIC, ["open"], "published")
    return _save(note, "Now for everyone, improved.", Visibility.PUBLIC, ["open"], "better")


def _status(client: Client, url: str) -> int:
    return client.get(url).status_code


REVISION_EXPECTED = {
    # revision: the roles that may read it
    0: {"owner"},
    1: {"owner"},
    2: {"anonymous", "owner", "other", "staff"},
    3: {"anonymous", "owner", "other", "staff"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("number", [0, 1, 2, 3])
def test_a_revision_is_readable_by_its_own_visibility(
    people: dict[str, Client], alice: User, role: str, number: int
) -> None:
    note = _published_after_two_private_drafts(alice)
    response = people[role].get(f"/n/{note.pk}/r/{number}/")
    assert response.status_code == (200 if role in REVISION_EXPECTED[number] else 404)
    if response.status_code == 404:
        page = response.content.decode()
        assert not any(secret in page for secret in SECRETS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("a", "b"), [(0, 2), (1, 2), (0, 1), (1, 3), (2, 3)])
def test_a_diff_involving_a_private_revision_is_the_authors_alone(
    people: dict[str, Client], alice: User, role: str, a: int, b: int
) -> None:
    note = _published_after_two_private_drafts(alice)
    readable = role in REVISION_EXPECTED[a] and role in REVISION_EXPECTED[b]
    response = people[role].get(f"/n/{note.pk}/diff/{a}/{b}/")
    assert response.status_code == (200 if readable else 404)
    if not readable:
        assert not any(secret in response.content.decode() for secret in SECRETS)
    # The compare form leads to the same answer.
    compared = people[role].get(f"/n/{note.pk}/compare/", {"a": a, "b": b}, follow=True)
    assert compared.status_code == response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_the_history_lists_only_the_revisions_the_reader_may_read(
    people: dict[str, Client], alice: User, role: str
) -> None:
    note = _published_after_two_private_drafts(alice)
    page = people[role].get(f"/n/{note.pk}/history/").content.decode()
    shown = sorted(int(n) for n in re.findall(r'name="a" value="(\d+)"', page))
    compare_to = sorted(int(n) for n in re.findall(r'name="b" value="(\d+)"', page))
    linked = sorted(int(n) for n in re.findall(rf'href="/n/{note.pk}/r/(\d+)/"', page))
    diffs = re.findall(rf'href="/n/{note.pk}/diff/(\d+)/(\d+)/"', page)
    assert "published" in page and "better" in page
    if role == "owner":
        assert shown == compare_to == [0, 1, 2, 3]
        assert linked == [0, 1, 2]  # the head links to the note itself
        assert sorted(diffs) == [("0", "1"), ("1", "2"), ("2", "3")]
        assert "private message" in page and "hushtag" in page
    else:
        assert shown == compare_to == [2, 3]
        assert linked == [2]
        assert diffs == [("2", "3")]
        assert not any(secret in page for secret in SECRETS)
        assert "Only the revisions saved while the note was public are shown" in page


@pytest.mark.parametrize("role", ROLES)
def test_the_revision_bar_links_only_readable_revisions(
    people: dict[str, Client], alice: User, role: str
) -> None:
    note = _published_after_two_private_drafts(alice)
    page = people[role].get(f"/n/{note.pk}/").content.decode()
    bar = re.search(r'<p class="revbar">.*?</p>', page, re.S).group(0)
    linked = [int(n) for n in re.findall(rf'href="/n/{note.pk}/r/(\d+)/"', bar)]
    assert linked == ([2, 1, 0] if role == "owner" else [2])


def test_a_long_history_bar_ends_at_the_oldest_readable_revision(
    alice: User, bob_client: Client, alice_client: Client
) -> None:
    note = make_note(alice, body="draft 0", visibility="private")
    note = _save(note, "draft 1", Visibility.PRIVATE, ["physics"])
    for n in range(2, 12):
        note = _save(note, f"public {n}", Visibility.PUBLIC, ["physics"])

    def bar(client: Client) -> list[str]:
        page = client.get(f"/n/{note.pk}/").content.decode()
        html = re.search(r'<p class="revbar">.*?</p>', page, re.S).group(0)
        return re.findall(r"\[(\d+)\]|(…)", html)

    assert [a or b for a, b in bar(bob_client)] == ["10", "9", "8", "7", "6", "…", "2"]
    assert [a or b for a, b in bar(alice_client)] == ["10", "9", "8", "7", "6", "…", "0"]


def test_neighbouring_links_skip_the_revisions_the_reader_may_not_read(
    alice: User, bob_client: Client
) -> None:
    """Public 0, private 1, public 2 and 3: another reader steps from 0 to 2."""
    note = make_note(alice, body="open start", tags=["t"])
    note = _save(note, "secret draft one", Visibility.PRIVATE, ["t"])
    note = _save(note, "open start, then more", Visibility.PUBLIC, ["t"])
    note = _save(note, "open start, then more and more", Visibility.PUBLIC, ["t"])
    diff = bob_client.get(f"/n/{note.pk}/diff/2/3/").content.decode()
    assert f'href="/n/{note.pk}/diff/0/2/">← previous change' in diff
    first = bob_client.get(f"/n/{note.pk}/diff/0/2/").content.decode()
    assert "secret" not in first
    assert f'href="/n/{note.pk}/diff/2/3/">next change →' in first
    revision = bob_client.get(f"/n/{note.pk}/r/2/").content.decode()
    assert f'href="/n/{note.pk}/diff/0/2/">changes since revision 0' in revision
    history = bob_client.get(f"/n/{note.pk}/history/").content.decode()
    assert f'href="/n/{note.pk}/diff/0/2/">prev' in history
    # Sizes change against the previous revision shown (10 bytes to 21), not the one left
    # out (16 bytes), whose size would show through.
    assert "+11</span> B" in history and "+5</span> B" not in history


def test_search_and_feeds_show_only_the_current_public_state(alice: User) -> None:
    note = _published_after_two_private_drafts(alice)
    reader = Client()
    assert f"/n/{note.pk}/" not in reader.get("/search/", {"q": "secret draft"}).content.decode()
    assert f"/n/{note.pk}/" not in reader.get("/search/", {"q": "tag:hushtag"}).content.decode()
    assert f"/n/{note.pk}/" in reader.get("/search/", {"q": "improved"}).content.decode()
    feed = reader.get("/feeds/notes/").content.decode()
    assert f"/n/{note.pk}/" in feed
    assert not any(secret in feed for secret in SECRETS)
    assert not any(secret in reader.get("/tags/").content.decode() for secret in SECRETS)

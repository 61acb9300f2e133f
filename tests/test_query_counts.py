"""Pages keep a fixed number of queries whatever the number of revisions or notes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Note
from tests.factories import make_note, make_paper, revise

pytestmark = pytest.mark.django_db


def _with_revisions(author: User, count: int) -> Note:
    """A note with ``count`` revisions: the last few saved for real, the rest bulk-made."""
    note = make_note(author, body="revision 0", tags=["t"])
    first = note.history.get()
    bulk = count - 3
    Historical = note.history.model
    rows = []
    for n in range(1, bulk):
        row = Historical.objects.get(pk=first.pk)
        row.pk = None
        row.history_id = None
        row.revision = n
        row.body = f"revision {n}"
        row.tag_names = ["t", f"t{n % 3}"]
        rows.append(row)
    Historical.objects.bulk_create(rows)
    Note.objects.filter(pk=note.pk).update(revision=max(bulk, 1) - 1)
    note.refresh_from_db()
    for n in range(max(bulk, 1), count):
        note = revise(note, f"revision {n}", tags=["t", f"t{n % 3}"])
    assert note.history.count() == count
    return note


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url", ["/n/{pk}/", "/n/{pk}/history/", "/n/{pk}/diff/0/299/"])
def test_note_pages_with_300_revisions_stay_within_a_fixed_query_count(
    alice: User, bob_client: Client, url: str
) -> None:
    few = _with_revisions(alice, 3)
    many = _with_revisions(alice, 300)
    target = url.replace("299", "2")
    small = _queries(bob_client, target.format(pk=few.pk))
    large = _queries(bob_client, url.format(pk=many.pk))
    assert large == small
    assert large <= 8


def test_index_query_count_does_not_grow_with_the_page(alice: User, bob: User) -> None:
    client = Client()
    make_note(alice)
    small = _queries(client, "/")
    for _ in range(25):
        make_note(bob if _ % 2 else alice)
    assert _queries(client, "/") == small <= 4


def test_paper_page_query_count_does_not_grow_with_its_summaries(
    alice: User, bob_client: Client
) -> None:
    paper = make_paper(alice)
    make_note(alice, paper)
    small = _queries(bob_client, f"/papers/{paper.pk}/")
    for i in range(20):
        user = User.objects.create_user(f"reader{i}", f"r{i}@example.org", "pw-long-enough-1")
        make_note(user, paper)
    assert _queries(bob_client, f"/papers/{paper.pk}/") == small <= 6


LIST_PAGES = [
    "/",
    "/?page=2",
    "/?sort=created",
    "/?sort=year&order=asc",
    "/?sort=title",
    "/tags/common/",
    "/tags/common/?tag=other",
    "/tags/",
    "/tags/?sort=count",
    "/tags/autocomplete/?q=co",
    "/u/alice/",
    "/search/?q=summary",
    "/search/?q=things",
    "/?tag=common&tag=other&page=2",
    "/?sort=year&page=2",
    "/search/?q=summary&sort=date",
    "/search/?q=tag:common",
    "/papers/",
]


@pytest.mark.parametrize("who", ["anonymous", "alice"])
def test_list_pages_keep_a_fixed_query_count(
    alice: User, bob: User, alice_client: Client, who: str
) -> None:
    client = alice_client if who == "alice" else Client()
    for i in range(3):
        make_note(alice if i % 2 else bob, tags=["common", "other", f"t{i}"])
    small = {url: _queries(client, url) for url in LIST_PAGES}
    for i in range(24):
        author = alice if i % 2 else bob
        make_note(author, tags=["common", "other", f"t{i}"], visibility="public")
        make_note(author, tags=["common"], visibility="private")
    large = {url: _queries(client, url) for url in LIST_PAGES}
    assert large == small
    assert max(large.values()) <= 12


def test_search_pages_keep_a_fixed_query_count_across_the_head_and_body_matches(
    alice: User, bob: User
) -> None:
    client = Client()
    urls = [f"/search/?q=entropy&page={n}" for n in (1, 2, 3)]

    def add(heads: int, bodies: int) -> None:
        for i in range(heads):
            make_note(alice if i % 2 else bob, make_paper(alice, title=f"Entropy {i}"))
        for i in range(bodies):
            make_note(alice if i % 2 else bob, body=f"On entropy, {i}.")

    add(5, 40)
    small = {url: _queries(client, url) for url in urls}
    add(25, 40)
    large = {url: _queries(client, url) for url in urls}
    assert large == small
    assert max(large.values()) <= 12

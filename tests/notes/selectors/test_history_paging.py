"""A note's history is paged, newest first, 50 revisions a page: every revision is reached
through the pages, and a page of a 1,000-revision note costs what a page of a short one does."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Note
from tests.conftest import BROWSER_AGENT
from tests.factories import make_note, revise, with_revisions

pytestmark = pytest.mark.django_db

ROW_REVISION = re.compile(
    r'<tr>\s*<td data-label="Revision"><a href="/n/\d+/(?:r/(\d+)/)?">(\d+)(?: \(head\))?</a>'
)


def _revisions_listed(html: str) -> list[int]:
    return [int(match.group(2)) for match in ROW_REVISION.finditer(html)]


def _get(client: Client, url: str) -> tuple[str, int, float]:
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(url, HTTP_USER_AGENT=BROWSER_AGENT)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return response.content.decode(), len(ctx), elapsed


@pytest.fixture
def long_note(alice: User) -> Note:
    return with_revisions(alice, 1000)


def test_the_first_page_shows_the_newest_50_revisions_newest_first(
    long_note: Note, bob_client: Client
) -> None:
    html = bob_client.get(f"/n/{long_note.pk}/history/").content.decode()
    assert _revisions_listed(html) == list(range(999, 949, -1))
    assert "1000 revisions, every one kept" in html
    assert "this page shows revisions 999 down to 950" in html
    assert "Page 1 of 20" in html
    assert 'rel="next" href="?page=2"' in html and 'rel="prev"' not in html
    assert f'<a href="/n/{long_note.pk}/">999 (head)</a>' in html


def test_the_oldest_row_of_a_page_compares_with_the_revision_on_the_next_page(
    long_note: Note, bob_client: Client
) -> None:
    html = bob_client.get(f"/n/{long_note.pk}/history/?page=2").content.decode()
    assert _revisions_listed(html) == list(range(949, 899, -1))
    assert f'href="/n/{long_note.pk}/diff/899/900/"' in html
    assert "(head)" not in html
    last = bob_client.get(f"/n/{long_note.pk}/history/?page=20").content.decode()
    assert _revisions_listed(last) == list(range(49, -1, -1))
    assert 'rel="next"' not in last and 'rel="prev" href="?page=19"' in last


def test_paging_through_the_history_reaches_every_revision_once(
    long_note: Note, alice_client: Client
) -> None:
    seen: list[int] = []
    url = f"/n/{long_note.pk}/history/"
    while True:
        html = alice_client.get(url).content.decode()
        seen += _revisions_listed(html)
        following = re.search(r'rel="next" href="\?page=(\d+)"', html)
        if following is None:
            break
        url = f"/n/{long_note.pk}/history/?page={following.group(1)}"
    assert seen == list(range(999, -1, -1))


@pytest.mark.parametrize(
    ("page", "shown"),
    [("0", 1), ("-3", 1), ("two", 1), ("%E2%91%A1", 1), ("3.5", 1), ("99999999999999999999", 20)],
)
def test_an_odd_page_number_shows_the_first_or_the_last_page(
    long_note: Note, bob_client: Client, page: str, shown: int
) -> None:
    response = bob_client.get(f"/n/{long_note.pk}/history/?page={page}")
    assert response.status_code == 200
    assert f"Page {shown} of 20" in response.content.decode()


def test_a_reader_pages_through_the_public_revisions_only(alice: User, people) -> None:
    private = set(range(1, 200, 2))  # odd revisions below 200 were saved private
    note = with_revisions(alice, 300, private=private)
    for role in ("anonymous", "other", "staff"):
        seen: list[int] = []
        for number in (1, 2, 3, 4):
            seen += _revisions_listed(
                people[role].get(f"/n/{note.pk}/history/?page={number}").content.decode()
            )
        assert seen == [n for n in range(299, -1, -1) if n not in private], role
        assert "200 revisions" in people[role].get(f"/n/{note.pk}/history/").content.decode()
    seen = []
    for number in range(1, 7):
        html = people["owner"].get(f"/n/{note.pk}/history/?page={number}").content.decode()
        seen += _revisions_listed(html)
    assert seen == list(range(299, -1, -1))


def test_a_short_history_has_no_pager(alice: User, bob_client: Client) -> None:
    note = revise(make_note(alice, body="one"), "two")
    html = bob_client.get(f"/n/{note.pk}/history/").content.decode()
    assert _revisions_listed(html) == [1, 0]
    assert 'class="pagination"' not in html and "this page shows" not in html


@pytest.mark.parametrize("url", ["/n/{pk}/history/", "/n/{pk}/history/?page=20", "/n/{pk}/"])
def test_a_1000_revision_note_costs_what_a_short_one_does(
    long_note: Note, alice: User, bob_client: Client, alice_client: Client, url: str
) -> None:
    short = with_revisions(alice, 3)
    for client in (bob_client, alice_client):
        _, few, _ = _get(client, url.replace("?page=20", "").format(pk=short.pk))
        _, many, elapsed = _get(client, url.format(pk=long_note.pk))
        assert many == few
        # The session, the user, the note, the unread count; for the history, the count of
        # its revisions and one page of rows.
        assert many <= (6 if "history" in url else 9)
        # Generous for a busy machine: the whole history on one page took several times this.
        assert elapsed < 1.0, elapsed


def test_the_revision_bar_of_a_1000_revision_note_leads_to_every_revision(
    long_note: Note, bob_client: Client
) -> None:
    html = bob_client.get(f"/n/{long_note.pk}/").content.decode()
    bar = html[html.index('class="revbar"') :]
    bar = bar[: bar.index("</p>")]
    assert re.findall(r"\[(\d+)\]", bar) == ["998", "997", "996", "995", "994", "0"]
    assert f'href="/n/{long_note.pk}/history/"' in bar


def test_a_page_is_cut_from_the_revision_index_alone(db) -> None:
    """The index a page is cut by holds the rows' ids, so the cut reads no row (migration
    0020); the page's rows are then read by id."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'notes_historicalnote_revision_idx'"
        )
        (definition,) = cursor.fetchone()
    assert definition.endswith("(id, revision) INCLUDE (visibility, history_id)")

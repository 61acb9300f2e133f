"""The index, tag pages, the tag index and autocomplete, and users' pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Note
from notes.services import note_trash
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db


def _ids(html: str, notes: list[Note]) -> list[int]:
    """The given notes in the order the page shows them."""
    found = [(html.find(f'id="n{n.pk}"'), n.pk) for n in notes]
    return [pk for pos, pk in sorted(found) if pos >= 0]


def _dated(note: Note, *, created: str, modified: str) -> Note:
    Note.objects.filter(pk=note.pk).update(
        created=dt.datetime.fromisoformat(created).replace(tzinfo=dt.UTC),
        modified=dt.datetime.fromisoformat(modified).replace(tzinfo=dt.UTC),
    )
    return note


@pytest.fixture
def three(alice: User, bob: User) -> list[Note]:
    a = _dated(
        make_note(alice, make_paper(title="Beta paper", year=2001), tags=["x"]),
        created="2024-01-05", modified="2024-03-01",
    )  # fmt: skip
    b = _dated(
        make_note(bob, make_paper(title="Alpha paper", year=1999), tags=["x", "y"]),
        created="2024-02-05", modified="2024-02-01",
    )  # fmt: skip
    c = _dated(
        make_note(alice, make_paper(title="Gamma paper", year=None), tags=["y"]),
        created="2023-12-05", modified="2024-01-01",
    )  # fmt: skip
    return [a, b, c]


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("", [0, 1, 2]),
        ("?sort=modified&order=asc", [2, 1, 0]),
        ("?sort=created", [1, 0, 2]),
        ("?sort=created&order=asc", [2, 0, 1]),
        ("?sort=year", [0, 1, 2]),
        ("?sort=year&order=asc", [2, 1, 0]),
        ("?sort=title&order=asc", [1, 0, 2]),
        ("?sort=title", [2, 0, 1]),
        ("?sort=nonsense&order=sideways", [0, 1, 2]),
    ],
)
def test_index_sorts(three: list[Note], query: str, order: list[int]) -> None:
    html = Client().get(f"/{query}").content.decode()
    assert _ids(html, three) == [three[i].pk for i in order]


def test_chronology_is_grouped_under_month_headings(three: list[Note]) -> None:
    html = Client().get("/?sort=created").content.decode()
    assert html.index("February 2024") < html.index("January 2024") < html.index("December 2023")


def test_index_pages_by_twenty(alice: User) -> None:
    notes = [make_note(alice) for _ in range(23)]
    first = Client().get("/").content.decode()
    second = Client().get("/?page=2").content.decode()
    assert len(_ids(first, notes)) == 20
    assert len(_ids(second, notes)) == 3
    assert "Page 1 of 2" in first
    assert Client().get("/?page=999").status_code == 200  # out of range: the last page
    assert Client().get("/?page=abc").status_code == 200


def test_tag_filters_and_two_tags_need_both(three: list[Note]) -> None:
    assert _ids(Client().get("/tags/x/").content.decode(), three) == [three[0].pk, three[1].pk]
    both = Client().get("/tags/x/?tag=y").content.decode()
    assert _ids(both, three) == [three[1].pk]
    assert _ids(Client().get("/?tag=y&tag=x").content.decode(), three) == [three[1].pk]


def test_tags_are_matched_ignoring_case(three: list[Note]) -> None:
    assert _ids(Client().get("/tags/X/").content.decode(), three) == [three[0].pk, three[1].pk]


def test_an_unknown_tag_is_a_friendly_empty_page(three: list[Note]) -> None:
    response = Client().get("/tags/no-such-tag/")
    assert response.status_code == 200
    assert "No notes you can see match" in response.content.decode()


def test_the_index_text_filter_searches(alice: User) -> None:
    hit = make_note(alice, body="The quasicrystal lattice")
    miss = make_note(alice, body="Nothing here")
    html = Client().get("/?q=quasicrystal").content.decode()
    assert _ids(html, [hit, miss]) == [hit.pk]


def test_private_and_trashed_notes_stay_out_of_the_index_and_tags(
    alice: User, alice_client: Client, bob_client: Client
) -> None:
    public = make_note(alice, tags=["shared"])
    private = make_note(alice, tags=["shared", "secret-topic"], visibility="private")
    trashed = make_note(alice, tags=["shared", "binned"])
    note_trash(note=trashed)
    for client, expected in [(Client(), [public.pk]), (bob_client, [public.pk])]:
        assert _ids(client.get("/").content.decode(), [public, private, trashed]) == expected
        html = client.get("/tags/shared/").content.decode()
        assert _ids(html, [public, private, trashed]) == expected
        tags = client.get("/tags/").content.decode()
        assert "secret-topic" not in tags and "binned" not in tags
    own = alice_client.get("/").content.decode()
    assert _ids(own, [public, private, trashed]) == [private.pk, public.pk]


def test_tag_counts_count_what_the_viewer_can_see(
    alice: User, alice_client: Client, bob_client: Client
) -> None:
    make_note(alice, tags=["optics"])
    make_note(alice, tags=["optics"], visibility="private")

    def count(client: Client) -> str:
        html = client.get("/tags/").content.decode()
        start = html.index('href="/tags/optics/"')
        return html[start : start + 120].split('class="muted">')[1].split("<")[0]

    assert count(bob_client) == "1"
    assert count(Client()) == "1"
    assert count(alice_client) == "2"


def test_tag_counts_follow_new_notes_at_once(alice: User) -> None:
    make_note(alice, tags=["fresh"])
    assert 'href="/tags/fresh/"' in Client().get("/tags/").content.decode()
    make_note(alice, tags=["fresher"])
    assert 'href="/tags/fresher/"' in Client().get("/tags/").content.decode()


def test_tag_index_sorts_by_name_or_count(alice: User) -> None:
    make_note(alice, tags=["zeta", "alpha"])
    make_note(alice, tags=["zeta"])
    by_name = Client().get("/tags/").content.decode()
    by_count = Client().get("/tags/?sort=count").content.decode()
    assert by_name.index("/tags/alpha/") < by_name.index("/tags/zeta/")
    assert by_count.index("/tags/zeta/") < by_count.index("/tags/alpha/")


def test_autocomplete_matches_prefixes_most_used_first_without_leaks(
    alice: User, alice_client: Client
) -> None:
    make_note(alice, tags=["bayes", "bandits"])
    make_note(alice, tags=["bayes"])
    make_note(alice, tags=["bayesian-private"], visibility="private")
    response = Client().get("/tags/autocomplete/", {"q": "BA"})
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "tags": [{"name": "bayes", "count": 2}, {"name": "bandits", "count": 1}]
    }
    own = json.loads(alice_client.get("/tags/autocomplete/", {"q": "bayes"}).content)
    assert {"name": "bayesian-private", "count": 1} in own["tags"]
    assert json.loads(Client().get("/tags/autocomplete/", {"q": ""}).content) == {"tags": []}


def test_a_users_page_shows_their_notes_and_private_ones_only_to_them(
    alice: User, alice_client: Client, bob: User, bob_client: Client
) -> None:
    public = make_note(alice)
    private = make_note(alice, visibility="private")
    other = make_note(bob)
    notes = [public, private, other]
    assert _ids(bob_client.get("/u/alice/").content.decode(), notes) == [public.pk]
    assert _ids(Client().get("/u/alice/").content.decode(), notes) == [public.pk]
    assert _ids(alice_client.get("/u/alice/").content.decode(), notes) == [private.pk, public.pk]
    assert "Your notes" in alice_client.get("/u/alice/").content.decode()


def test_a_users_page_has_the_toolbar(alice: User) -> None:
    make_note(alice, tags=["a"])
    make_note(alice, tags=["b"])
    html = Client().get("/u/alice/?tag=b").content.decode()
    assert 'aria-label="Filter and sort"' in html
    assert html.count('class="entry"') == 1


def test_hostile_listing_parameters_never_fail(alice: User) -> None:
    make_note(alice)
    for query in [
        "?q=%00",
        "?tag=%00",
        "?user=%00",
        "?year_from=abc&year_to=99999",
        "?q=" + "a" * 5000,
        "?tag=" + ",".join(["t"] * 500),
        "?sort=%27;drop table notes_note;--",
    ]:
        assert Client().get(f"/{query}").status_code == 200, query
    assert Client().get("/tags/%00/").status_code == 200
    assert Client().get("/u/%00/").status_code == 404


def test_a_reader_with_nothing_unlisted_reads_the_lists_as_anyone(
    alice: User, bob: User, alice_client: Client
) -> None:
    """Lists are read for anyone when the reader has no note others may not read, for the
    reader while they have one (private, or hidden by moderators); the pages show the
    same either way."""
    from django.contrib.auth.models import AnonymousUser

    from notes.selectors.browse import list_reader
    from notes.services import save_state

    public = make_note(bob, tags=["common"])
    assert list_reader(AnonymousUser()).is_authenticated is False
    assert list_reader(alice).is_authenticated is False
    for url in ("/", "/tags/common/", "/u/bob/", "/search/?q=summary"):
        assert f'id="n{public.pk}"' in alice_client.get(url).content.decode(), url
    pages = ("/", "/tags/common/", "/u/alice/", "/search/?q=summary")

    private = make_note(alice, tags=["common"], visibility="private")
    assert list_reader(alice) == alice
    for url in pages:
        assert f'id="n{private.pk}"' in alice_client.get(url).content.decode(), url
        assert f'id="n{private.pk}"' not in Client().get(url).content.decode(), url

    note_trash(note=private)
    assert list_reader(alice).is_authenticated is False
    hidden = make_note(alice, tags=["common"])
    hidden.hidden_at = hidden.modified
    save_state(hidden, ["hidden_at"])
    assert list_reader(alice) == alice
    for url in pages:
        assert f'id="n{hidden.pk}"' in alice_client.get(url).content.decode(), url
        assert f'id="n{hidden.pk}"' not in Client().get(url).content.decode(), url

"""Sorting by title reads as people do: case does not matter, numbers go by value, the pages
are still cut from the index, and the pager speaks of the alphabet, not of dates."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client

from accounts.models import User
from notes.selectors import browse
from notes.selectors.browse import Listing
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db

TITLES = [
    "DRAW: A Recurrent Neural Network For Image Generation",
    "Deep Residual Learning for Image Recognition",
    "attention is all you need",
    "Zebra finches",
    "beta-VAE",
]
IN_ORDER = [
    "attention is all you need",
    "beta-VAE",
    "Deep Residual Learning for Image Recognition",
    "DRAW: A Recurrent Neural Network For Image Generation",
    "Zebra finches",
]
# Where the "natural" collation is ICU's (migration 0015): accents and numbers too.
ICU_TITLES = ["Part 10 of a series", "ÉLAN and accents", "Part 2 of a series", "Deep"]
ICU_IN_ORDER = ["Deep", "ÉLAN and accents", "Part 2 of a series", "Part 10 of a series"]


def _titles(html: str) -> list[str]:
    return re.findall(r'<a class="entry__title" href="[^"]*"[^>]*>([^<]*)</a>', html)


@pytest.fixture
def papers(alice: User, bob: User) -> None:
    for i, title in enumerate(TITLES):
        make_note(alice if i % 2 else bob, make_paper(alice, title=title))


@pytest.mark.parametrize("who", ["anonymous", "owner"])
def test_titles_sort_case_insensitively_with_numbers_by_value(
    papers: None, alice_client: Client, who: str
) -> None:
    client = Client() if who == "anonymous" else alice_client
    ascending = client.get("/?sort=title&order=asc").content.decode()
    assert _titles(ascending) == IN_ORDER
    descending = client.get("/?sort=title").content.decode()
    assert _titles(descending) == IN_ORDER[::-1]


def test_with_icu_accents_and_numbers_sort_as_people_read_them(alice: User) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT collprovider FROM pg_collation WHERE collname = 'natural'")
        [(provider,)] = cursor.fetchall()
    if provider != "i":
        pytest.skip(
            "this PostgreSQL has no ICU: its titles sort case-insensitively, but numbers "
            "digit by digit and accented letters after z (README, Browsing)"
        )
    for title in ICU_TITLES:
        make_note(alice, make_paper(alice, title=title))
    assert _titles(Client().get("/?sort=title&order=asc").content.decode()) == ICU_IN_ORDER


def test_a_deep_page_in_title_order_is_cut_from_the_title_index(papers: None) -> None:
    ids = browse.notes_for(AnonymousUser(), Listing(sort="title")).values_list("id", flat=True)
    sql, params = ids[20:40].query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows: without these the planner may read them any way and sort.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "notes_public_paper_title_idx" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.parametrize(
    ("query", "previous", "following"),
    [
        ("sort=title&order=asc", "← Earlier in the alphabet", "Later in the alphabet →"),
        ("sort=title", "← Later in the alphabet", "Earlier in the alphabet →"),
        ("", "← Newer", "Older →"),
        ("order=asc", "← Older", "Newer →"),
        ("sort=year", "← Newer papers", "Older papers →"),
    ],
)
def test_the_pager_says_where_its_links_go_in_each_order(
    alice: User, query: str, previous: str, following: str
) -> None:
    for i in range(45):
        make_note(alice, make_paper(alice, title=f"Title {i}"))
    html = Client().get(f"/?{query}&page=2").content.decode()
    assert re.search(rf'rel="prev" href="[^"]*page=1">{previous}</a>', html)
    assert f">{following}</a>" in html
    if "title" in query:
        assert "Older" not in html and "Newer" not in html

"""Pages keep a fixed number of queries whatever the number of revisions or notes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Note
from notes.selectors import search
from notes.services.reactions import note_vote, paper_rate
from tests.conftest import BROWSER_AGENT, client_for, make_user
from tests.factories import make_comment, make_note, make_paper, with_revisions

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    # As a browser, so that pages which count views do so here too.
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, HTTP_USER_AGENT=BROWSER_AGENT)
    assert response.status_code == 200
    return len(ctx)


def _warm_queries(client: Client, url: str) -> int:
    """The page's queries once what it caches (entries, "read also") is cached."""
    _queries(client, url)
    return _queries(client, url)


@pytest.mark.parametrize("url", ["/n/{pk}/", "/n/{pk}/history/", "/n/{pk}/diff/0/299/"])
def test_note_pages_with_300_revisions_stay_within_a_fixed_query_count(
    alice: User, bob_client: Client, url: str
) -> None:
    few = with_revisions(alice, 3)
    many = with_revisions(alice, 300)
    target = url.replace("299", "2")
    small = _queries(bob_client, target.format(pk=few.pk))
    large = _queries(bob_client, url.format(pk=many.pk))
    assert large == small
    # The note page is at most 9 for a logged-in reader: the session, the user, the note
    # (with the reader's own vote and thread mute), its backlinks and the paper's other
    # summaries; the view count and the related papers; the comments and the unread count.
    # Backlinks, other summaries and comments are asked for only when there are some.
    assert large <= 9


def test_the_note_page_asks_for_backlinks_summaries_and_comments_only_when_there_are_some(
    alice: User, bob: User, bob_client: Client
) -> None:
    from notes.services.comments import comment_delete, comment_post

    note = make_note(alice)
    url = f"/n/{note.pk}/"
    alone = _warm_queries(bob_client, url)
    comment_delete(comment=comment_post(note=note, author=bob, body="Taken back."))
    assert _warm_queries(bob_client, url) == alone + 1
    assert "[deleted]" in bob_client.get(url).content.decode()
    make_note(bob, body=f"See {{{note.pk}}}.")
    assert _warm_queries(bob_client, url) == alone + 2
    make_note(User.objects.create_user("dave", "d@example.org", "pw-long-enough-1"), note.paper)
    assert _warm_queries(bob_client, url) == alone + 3 <= 9


def test_the_note_page_reads_no_markdown_source_or_account_details(alice: User, bob: User) -> None:
    from notes.services.comments import comment_post

    paper = make_paper(alice)
    note = make_note(alice, paper, body="Long enough. " * 100)
    comment_post(note=note, author=bob, body="A comment.")
    make_note(bob, paper, body=f"Bob's text, citing {{{note.pk}}}. " * 100)
    with CaptureQueriesContext(connection) as ctx:
        assert Client().get(f"/n/{note.pk}/").status_code == 200
    read = " ".join(query["sql"] for query in ctx.captured_queries)
    columns = set(re.findall(r'(?:SELECT|,) ("\w+"\."\w+")(?=,| FROM)', read))
    assert '"notes_note"."body_html"' in columns  # what is looked for is there to find
    for column in ["notes_note.body", "notes_note.body_text", "notes_comment.body"]:
        assert '"{}"."{}"'.format(*column.split(".")) not in columns, column
    for column in ["password", "email", "bio", "abstract", "search_vector"]:
        assert f'."{column}"' not in read, column
    # The other summaries' texts come as their starts (see notes.models.TextStart).
    assert 'left("notes_note"."body_text", 1000)' in read


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
    small = _warm_queries(bob_client, f"/papers/{paper.pk}/")
    for i in range(20):
        user = User.objects.create_user(f"reader{i}", f"r{i}@example.org", "pw-long-enough-1")
        make_note(user, paper)
    # 6 before votes, ratings and "read also": + the view count, the reader's own rating,
    # the related papers, and whether the reader follows the paper; the summaries are read
    # as entry rows, and the notes themselves only for entries not yet cached. Bob has
    # nothing private, so the related papers are those cached for anyone (made anew after
    # the new notes).
    assert _queries(bob_client, f"/papers/{paper.pk}/") == small + 2 <= 12
    assert _queries(bob_client, f"/papers/{paper.pk}/") == small  # all cached


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


@pytest.fixture
def estimates_planned_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A search's estimates planned on every visit, as on the first (they are kept for a
    while otherwise: the second visit of a search has a query fewer)."""
    monkeypatch.setattr(search, "ESTIMATES_SECONDS", 0)


@pytest.mark.parametrize("who", ["anonymous", "alice"])
@pytest.mark.usefixtures("estimates_planned_each_time")
def test_list_pages_keep_a_fixed_query_count(
    alice: User, bob: User, alice_client: Client, who: str
) -> None:
    client = alice_client if who == "alice" else Client()
    # Enough for a second page, so that every page asked for exists in both sizes (a page
    # past the end of a list is the last one, found at a cost of its own: see below).
    for i in range(21):
        make_note(alice if i % 2 else bob, tags=["common", "other", f"t{i}"])
    # Alice's lists merge her private notes into the public ones from the start.
    make_note(alice, tags=["common"], visibility="private")
    small = {url: _queries(client, url) for url in LIST_PAGES}
    for i in range(24):
        author = alice if i % 2 else bob
        make_note(author, tags=["common", "other", f"t{i}"], visibility="public")
        make_note(author, tags=["common"], visibility="private")
    large = {url: _queries(client, url) for url in LIST_PAGES}
    assert large == small
    assert max(large.values()) <= 12
    # Past the end of a list that is not counted ahead: a count and the last page's cut.
    past_end = _queries(client, "/?tag=common&tag=other&page=99")
    assert past_end == large["/?tag=common&tag=other&page=2"] + 2
    if who == "alice":
        # A reader with nothing private reads the public list as anyone does: no query for
        # their own notes, no merge; only one check that they have none (besides their
        # session, account and unread badge, and whether they follow the tag or person).
        carol = client_for(make_user("carol"))
        pages = {"/": 4, "/search/?q=summary": 4, "/tags/common/": 5, "/u/alice/": 5}
        for url, more in pages.items():
            assert _warm_queries(carol, url) == _warm_queries(Client(), url) + more
            assert _warm_queries(carol, url) <= _warm_queries(client, url)


def _threaded_comments(note: Note, people: list[User], count: int) -> None:
    """``count`` comments in threads: every fifth starts a thread, the others answer."""
    from notes.services.comments import comment_post

    comments = []
    for n in range(count):
        parent = None if n % 5 == 0 else comments[n - 1 - (n % 3)]
        comments.append(
            comment_post(
                note=note,
                author=people[n % len(people)],
                body=f"comment {n} $x_{n}$",
                parent=parent,
            )
        )


def test_note_page_with_200_comments_stays_within_a_fixed_query_count(
    alice: User, bob: User, carol: User, settings
) -> None:
    settings.COMMENT_RATE_LIMIT = 10_000
    few, many = make_note(alice), make_note(alice)
    _threaded_comments(few, [bob, carol], 3)
    _threaded_comments(many, [alice, bob, carol], 200)
    for client in (Client(), client_for(bob), client_for(alice)):
        small = _queries(client, f"/n/{few.pk}/")
        large = _queries(client, f"/n/{many.pk}/")
        assert large == small
        assert large <= 9  # see the 300-revision test for what the 9 are
    page = client_for(bob).get(f"/n/{many.pk}/").content.decode()
    assert page.count('class="comment"') == 200


def test_inbox_with_500_notifications_stays_within_a_fixed_query_count(
    alice: User, bob: User
) -> None:
    from notes.models import Comment, Notification

    note = make_note(alice)
    comments = Comment.objects.bulk_create(
        [Comment(note=note, author=bob, body=f"c{n}", body_html=f"<p>c{n}</p>") for n in range(500)]
    )
    client = client_for(alice)
    Notification.objects.create(
        recipient=alice,
        actor=bob,
        kind="comment",
        note=note,
        comment=comments[0],
        delivery="in_app",
    )
    small = _queries(client, "/notifications/")
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=alice, actor=bob, kind="comment", note=note, comment=c, delivery="in_app"
            )
            for c in comments[1:]
        ]
    )
    # The session, the user, the counts (all and unread, one query) and the page's rows;
    # no count of its own for the header's badge.
    assert _queries(client, "/notifications/") == small <= 4
    assert _queries(client, "/notifications/?page=10") == small
    page = client.get("/notifications/?page=10").content.decode()
    assert page.count('class="notification notification--unread"') == 50
    assert "Page 10 of 10" in page


@pytest.mark.parametrize("who", ["anonymous", "reader", "writer"])
@pytest.mark.parametrize("order", ["", "?order=votes"])
def test_paper_page_with_50_summaries_votes_and_ratings_keeps_its_query_count(
    alice: User, bob: User, who: str, order: str
) -> None:
    """Votes, ratings, view counts and "read also" cost the same for 1 summary or 50."""
    paper = make_paper(alice)
    neighbour = make_paper(alice, title="A neighbouring study")
    make_note(alice, paper, tags=["common", "t0"])
    make_note(bob, neighbour, tags=["common"])
    clients = {"anonymous": Client(), "reader": client_for(bob), "writer": client_for(alice)}
    client = clients[who]
    url = f"/papers/{paper.pk}/{order}"
    small = _queries(client, url)
    writers = [
        User.objects.create_user(f"writer{i}", f"w{i}@example.org", "pw-long-enough-1")
        for i in range(49)
    ]
    for i, writer in enumerate(writers):
        note = make_note(writer, paper, tags=["common", f"t{i}"])
        for voter in (alice, bob)[: i % 3]:
            note_vote(note=note, user=voter, vote=True)
        paper_rate(paper=paper, user=writer, stars=i % 5 + 1)
        make_note(writer, make_paper(writer), tags=[f"t{i}"])
    paper_rate(paper=paper, user=bob, stars=4)
    large = _queries(client, url)
    assert large == small <= 12  # 11, + whether the reader follows the paper
    html = client.get(url).content.decode()
    assert html.count('class="entry"') == 50
    assert "Read also" in html


@pytest.mark.usefixtures("estimates_planned_each_time")
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


def test_the_inbox_reads_what_its_lines_show_not_whole_notes(alice: User, bob: User) -> None:
    note = make_note(alice, body="A body the inbox never shows.")
    for n in range(3):
        make_comment(note, bob, body=f"Comment {n} with words.")
    client = client_for(alice)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/notifications/").content.decode()
    assert page.count("commented on your note") == 3
    assert "Comment 2 with words." in page
    inbox = [q["sql"] for q in ctx.captured_queries if 'FROM "notes_notification"' in q["sql"]]
    listing = [sql for sql in inbox if "COUNT(" not in sql]
    assert len(listing) == 1
    for column in ("body_html", "search_vector", "search_pairs", "abstract", "password"):
        assert column not in listing[0], column

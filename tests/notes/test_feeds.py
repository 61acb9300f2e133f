"""Atom feeds: well-formed, public notes only, filtered like their pages, fixed query count."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_script_prefix
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from pytest_django.fixtures import Settings

from accounts.models import User
from notes.models import Note
from notes.services import note_trash
from tests.corpora import naughty_strings
from tests.factories import make_note, make_paper, revise

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client: Client, url: str, **params: object) -> ET.Element:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def _entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall(f"{ATOM}entry")


def _entry_ids(feed: ET.Element) -> set[str]:
    return {entry.findtext(f"{ATOM}id") for entry in _entries(feed)}


def _url(note: Note) -> str:
    return f"http://testserver/n/{note.pk}/"


def _assert_valid_atom(feed: ET.Element) -> None:
    assert feed.findtext(f"{ATOM}id")
    assert feed.findtext(f"{ATOM}title")
    assert feed.findtext(f"{ATOM}updated")
    rels = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert rels["alternate"].startswith("http://testserver/")
    assert rels["self"].startswith("http://testserver/feeds/")
    for entry in _entries(feed):
        assert entry.findtext(f"{ATOM}id")
        assert entry.findtext(f"{ATOM}title")
        assert entry.findtext(f"{ATOM}updated")
        assert entry.find(f"{ATOM}link").get("href").startswith("http://testserver/n/")
        assert entry.findtext(f"{ATOM}author/{ATOM}name")
        body = entry.find(f"{ATOM}content")
        if body is None:
            body = entry.find(f"{ATOM}summary")
        assert body is not None
        assert body.get("type") == "html"


# ------------------------------------------------------------------------- well-formed


@pytest.mark.parametrize(
    "url",
    ["/feeds/notes/", "/feeds/tags/physics/", "/feeds/users/alice/", "/feeds/search/?q=quantum"],
)
def test_each_feed_is_valid_atom_with_rendered_math(alice: User, url: str) -> None:
    make_note(alice, body="Quantum states $\\psi_i$ evolve.", tags=["physics"])
    make_note(alice, body="More quantum: $$E = mc^2$$", tags=["physics", "relativity"])
    feed = _feed(Client(), url)
    _assert_valid_atom(feed)
    entries = _entries(feed)
    assert len(entries) == 2
    for entry in entries:
        # The HTML is escaped inside the XML; parsed back, it is MathML again.
        assert "<math" in entry.findtext(f"{ATOM}summary")


def test_an_entry_carries_the_note_its_paper_and_its_author(alice: User) -> None:
    paper = make_paper(alice, title="Attention & <Everything>")
    note = make_note(alice, paper, body="Summary $a^2$.", tags=["nlp", "transformers"])
    (entry,) = _entries(_feed(Client(), "/feeds/notes/"))
    assert entry.findtext(f"{ATOM}title") == f"{{{note.pk}}} Attention & <Everything>"
    assert entry.findtext(f"{ATOM}id") == _url(note)
    assert entry.find(f"{ATOM}link").get("href") == _url(note)
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Alice Liddell"
    assert entry.findtext(f"{ATOM}author/{ATOM}uri") == "http://testserver/u/alice/"
    # The formula as MathML, without the TeX source it keeps for the page.
    assert "<annotation" in note.body_html
    assert entry.findtext(f"{ATOM}summary") == _without_annotations(note.body_html)
    assert "<mi>a</mi>" in entry.findtext(f"{ATOM}summary")
    assert "a^2" not in entry.findtext(f"{ATOM}summary")
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {"nlp", "transformers"}
    assert entry.findtext(f"{ATOM}published").startswith(note.created.strftime("%Y-%m-%dT"))
    assert entry.findtext(f"{ATOM}updated").startswith(note.modified.strftime("%Y-%m-%dT"))


def test_entries_are_newest_modified_first_and_the_feed_updated_is_the_newest(
    alice: User,
) -> None:
    first = make_note(alice)
    second = make_note(alice)
    Note.objects.filter(pk=second.pk).update(modified=first.modified.replace(year=2001))
    feed = _feed(Client(), "/feeds/notes/")
    assert [e.findtext(f"{ATOM}id") for e in _entries(feed)] == [_url(first), _url(second)]
    assert feed.findtext(f"{ATOM}updated") == _entries(feed)[0].findtext(f"{ATOM}updated")


def test_titles_name_what_the_feed_follows(alice: User) -> None:
    make_note(alice, tags=["ml", "bayes"])
    client = Client()
    title = f"{ATOM}title"
    assert _feed(client, "/feeds/notes/").findtext(title) == "PaperNotes — all notes"
    tagged = _feed(client, "/feeds/tags/ml/?tag=bayes").findtext(title)
    assert tagged == "PaperNotes — notes tagged ml and bayes"
    by = _feed(client, "/feeds/users/alice/").findtext(title)
    assert by == "PaperNotes — notes by Alice Liddell"
    found = _feed(client, "/feeds/search/", q="study").findtext(title)
    assert found == "PaperNotes — search: study"


def test_feeds_carry_at_most_a_page_of_entries(alice: User) -> None:
    for _ in range(23):
        make_note(alice)
    assert len(_entries(_feed(Client(), "/feeds/notes/"))) == 20


def test_a_tag_feed_is_its_newest_twenty_in_order_picked_by_id_in_one_statement(
    alice: User, bob: User
) -> None:
    """The page's notes are picked by their ids in a subquery (that a walk of the tag's
    own rows answers without reading the notes), then read with their papers and
    authors in the same statement: the newest twenty of the tag, ties by number."""
    notes = [make_note(alice if i % 2 else bob, tags=["optics", f"t{i}"]) for i in range(24)]
    make_note(alice, tags=["acoustics"])
    same = notes[0].modified
    Note.objects.filter(pk__in=[n.pk for n in notes[10:14]]).update(modified=same)
    expected = sorted(
        Note.objects.filter(tag_names__contains=["optics"]), key=lambda n: (n.modified, n.pk)
    )[::-1][:20]
    with CaptureQueriesContext(connection) as ctx:
        feed = _feed(Client(), "/feeds/tags/optics/")
    assert [e.findtext(f"{ATOM}id") for e in _entries(feed)] == [_url(n) for n in expected]
    (statement,) = [q["sql"] for q in ctx.captured_queries if "notes_note" in q["sql"]]
    picked = r'"notes_note"\."id" IN \(SELECT .* FROM "notes_publictagged" .* LIMIT 20\)'
    assert re.search(picked, statement)


def test_feeds_answer_only_get_and_head(alice: User) -> None:
    client = Client()
    assert client.head("/feeds/notes/").status_code == 200
    assert client.post("/feeds/notes/").status_code == 405
    assert client.post("/feeds/users/alice/").status_code == 405
    assert client.delete("/feeds/tags/physics/").status_code == 405


def test_control_characters_in_stored_text_do_not_break_the_feed(alice: User) -> None:
    paper = make_paper(alice, title="Bad\x01title\x0b")
    make_note(alice, paper)
    (entry,) = _entries(_feed(Client(), "/feeds/notes/"))
    assert entry.findtext(f"{ATOM}title").endswith("Badtitle")


def _without_annotations(html: str) -> str:
    return re.sub(r"<annotation[^>]*>.*?</annotation>", "", html)


def _as_django_writes_it(notes: list[Note]) -> bytes:
    """``/feeds/notes/`` with ``notes`` as Django's own Atom writer writes it."""
    feed_url = "http://testserver/feeds/notes/"
    feed = Atom1Feed(
        title="PaperNotes — all notes",
        link="http://testserver/",
        description=None,
        language=get_language(),
        feed_url=feed_url,
        feed_guid=feed_url,
    )
    for note in notes:
        feed.add_item(
            title=f"{note.ref} {note.paper.title}",
            link=_url(note),
            unique_id=_url(note),
            description=_without_annotations(note.body_html),
            pubdate=note.created,
            updateddate=note.modified,
            author_name=note.author.name,
            author_link=f"http://testserver/u/{note.author.username}/",
            categories=note.tag_names,
        )
    return feed.writeString("utf-8").encode()


def test_the_document_is_what_djangos_atom_writer_writes(alice: User, bob: User) -> None:
    bob.display_name = 'Bob "the <Builder>" & Sons'
    bob.save()
    paper = make_paper(alice, title="Quotes \"double\" and 'single' & <angles>")
    make_note(alice, paper, body="A & B < C, $x > y$, [a link](https://example.org/?a=1&b=2).")
    make_note(bob, body="Both quotes", tags=['say-"hi"', "it's", "both\"'", "a&b<c>"])
    make_note(alice, body="", tags=["empty-body"])
    cold = Client().get("/feeds/notes/").content
    warm = Client().get("/feeds/notes/").content
    notes = list(Note.objects.order_by("-modified", "-id"))
    assert cold == warm == _as_django_writes_it(notes)


# ------------------------------------------------------------------------------ privacy


@pytest.mark.parametrize(
    "url",
    ["/feeds/notes/", "/feeds/tags/physics/", "/feeds/users/alice/", "/feeds/search/?q=secret"],
)
def test_private_notes_never_appear_even_for_their_owner(
    alice: User, alice_client: Client, url: str
) -> None:
    public = make_note(alice, body="A secret-free public note, secret.", tags=["physics"])
    private = make_note(alice, body="My secret plans.", tags=["physics"], visibility="private")
    for client in (Client(), alice_client):
        ids = _entry_ids(_feed(client, url))
        assert _url(public) in ids
        assert _url(private) not in ids


@pytest.mark.parametrize(
    "url", ["/feeds/notes/", "/feeds/tags/physics/", "/feeds/users/alice/", "/feeds/search/?q=gone"]
)
def test_notes_in_the_trash_never_appear(alice: User, alice_client: Client, url: str) -> None:
    kept = make_note(alice, body="Not gone yet.", tags=["physics"])
    trashed = make_note(alice, body="Soon gone.", tags=["physics"])
    note_trash(note=trashed)
    ids = _entry_ids(_feed(alice_client, url))
    assert _url(kept) in ids
    assert _url(trashed) not in ids


# ------------------------------------------------------------------------------ filters


def test_the_tag_feed_has_only_that_tags_notes(alice: User, bob: User) -> None:
    ml = make_note(alice, tags=["ml"])
    both = make_note(bob, tags=["ml", "bayes"])
    other = make_note(bob, tags=["bayes"])
    assert _entry_ids(_feed(Client(), "/feeds/tags/ml/")) == {_url(ml), _url(both)}
    assert _entry_ids(_feed(Client(), "/feeds/tags/bayes/")) == {_url(both), _url(other)}


def test_two_tags_need_both(alice: User, bob: User) -> None:
    make_note(alice, tags=["ml"])
    both = make_note(bob, tags=["ml", "bayes"])
    make_note(bob, tags=["bayes"])
    client = Client()
    assert _entry_ids(_feed(client, "/feeds/tags/ml/?tag=bayes")) == {_url(both)}
    assert _entry_ids(_feed(client, "/feeds/tags/ML%20Bayes/")) == {_url(both)}


def test_the_tag_feed_links_to_the_tag_page_and_to_itself(alice: User) -> None:
    make_note(alice, tags=["ml", "bayes"])
    feed = _feed(Client(), "/feeds/tags/ML/?tag=bayes")
    rels = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert rels["alternate"] == "http://testserver/tags/ml/?tag=bayes"
    assert rels["self"] == "http://testserver/feeds/tags/ml/?tag=bayes"
    assert feed.findtext(f"{ATOM}id") == rels["self"]


def test_a_tag_path_without_any_tag_is_not_found(alice: User) -> None:
    make_note(alice)
    assert Client().get("/feeds/tags/%23,%20/").status_code == 404


def test_the_user_feed_has_only_that_users_public_notes(alice: User, bob: User) -> None:
    mine = make_note(alice)
    make_note(alice, visibility="private")
    make_note(bob)
    assert _entry_ids(_feed(Client(), "/feeds/users/alice/")) == {_url(mine)}


def test_the_user_feed_matches_the_username_in_any_case(alice: User) -> None:
    mine = make_note(alice)
    feed = _feed(Client(), "/feeds/users/ALICE/")
    assert _entry_ids(feed) == {_url(mine)}
    assert feed.findtext(f"{ATOM}id") == "http://testserver/feeds/users/alice/"


def test_an_unknown_or_inactive_user_is_not_found(alice: User, bob: User) -> None:
    bob.is_active = False
    bob.save()
    client = Client()
    assert client.get("/feeds/users/nobody/").status_code == 404
    assert client.get("/feeds/users/bob/").status_code == 404
    assert client.get("/feeds/users/al%00ice/").status_code == 404


def test_the_search_feed_finds_by_word(alice: User, bob: User) -> None:
    hit = make_note(alice, body="Variational inference for topic models.")
    make_note(bob, body="Convolutional networks for images.")
    assert _entry_ids(_feed(Client(), "/feeds/search/", q="variational")) == {_url(hit)}


def test_the_search_feed_respects_tag_and_user_terms(alice: User, bob: User) -> None:
    tagged = make_note(alice, body="Sampling methods.", tags=["mcmc"])
    untagged = make_note(bob, body="Sampling methods again.", tags=["vi"])
    other_author = make_note(bob, paper=tagged.paper, body="Sampling, bob's view.", tags=["mcmc"])
    client = Client()
    assert _entry_ids(_feed(client, "/feeds/search/", q="sampling tag:mcmc")) == {
        _url(tagged),
        _url(other_author),
    }
    only_alice = _feed(client, "/feeds/search/", q="sampling tag:mcmc user:alice")
    assert _entry_ids(only_alice) == {_url(tagged)}
    by_bob = _feed(client, "/feeds/search/", q="sampling", user="bob")
    assert _entry_ids(by_bob) == {_url(other_author), _url(untagged)}


def test_the_search_feed_respects_the_year_range(alice: User) -> None:
    old = make_note(alice, make_paper(alice, year=1990), body="Kernel methods.")
    make_note(alice, make_paper(alice, year=2020), body="Kernel methods, again.")
    feed = _feed(Client(), "/feeds/search/", q="kernel", year_to="2000")
    assert _entry_ids(feed) == {_url(old)}


def test_an_empty_search_is_an_empty_valid_feed(alice: User) -> None:
    make_note(alice)
    feed = _feed(Client(), "/feeds/search/")
    _assert_valid_atom(feed)
    assert _entries(feed) == []
    assert "nothing to search for" in feed.findtext(f"{ATOM}title")


# ------------------------------------------------------------------ cached entries


def _retitle_the_paper(note: Note) -> str:
    note.paper.title = "A retitled paper"
    note.paper.save()
    return "A retitled paper"


def _rename_the_author(note: Note) -> str:
    note.author.display_name = "Alice Pleasance Liddell"
    note.author.save()
    return "Alice Pleasance Liddell"


def _rerender_the_body(note: Note) -> str:
    # As a change of the sanitiser would, re-rendering stored notes: no new revision.
    Note.objects.filter(pk=note.pk).update(body_html="<p>Rendered anew.</p>")
    return "Rendered anew."


def _rename_a_tag(note: Note) -> str:
    Note.objects.filter(pk=note.pk).update(tag_names=["physics", "renamed"])
    return 'term="renamed"'


def _revise_the_body(note: Note) -> str:
    revise(note, "A revised summary.")
    return "A revised summary."


def _retag(note: Note) -> str:
    revise(note, note.body, tags=["physics", "retagged"])
    return 'term="retagged"'


# Changes that leave the note's revision and modified date as they were.
_IN_PLACE = [_retitle_the_paper, _rename_the_author, _rerender_the_body, _rename_a_tag]


@pytest.mark.parametrize("change", [*_IN_PLACE, _revise_the_body, _retag])
@pytest.mark.parametrize("url", ["/feeds/notes/", "/feeds/tags/physics/", "/feeds/users/alice/"])
def test_a_change_to_what_an_entry_shows_is_in_the_feed_at_once(
    alice: User, url: str, change: Callable[[Note], str]
) -> None:
    note = make_note(alice, body="The first summary.", tags=["physics"])
    make_note(alice, body="Another summary.", tags=["physics"])
    client = Client()

    def entry() -> str:
        # The note's entry as written, not the whole document: a user feed's title also
        # names the author.
        document = client.get(url).content.decode()
        (found,) = [e for e in document.split("<entry>") if f"<id>{_url(note)}</id>" in e]
        return found

    before = entry()
    shown = change(Note.objects.get(pk=note.pk))
    after = entry()
    assert shown not in before
    assert shown in after
    if change in _IN_PLACE:
        changed = Note.objects.get(pk=note.pk)
        assert (changed.revision, changed.modified) == (note.revision, note.modified)


def _documents(client: Client, urls: list[str]) -> list[bytes]:
    return [client.get(url).content for url in urls]


def test_a_feed_from_cached_entries_is_the_one_written_anew(alice: User, bob: User) -> None:
    for n in range(5):
        make_note(alice if n % 2 else bob, body=f"Summary {n}: $a_{n}$ & <b>.", tags=["optics"])
    urls = ["/feeds/notes/", "/feeds/tags/optics/", "/feeds/users/bob/", "/feeds/search/?q=summary"]
    client = Client()
    cache.clear()
    cold = _documents(client, urls)
    warm = _documents(client, urls)
    assert warm == cold
    # Each feed alone, its entries written anew, gives the same documents again.
    for url, document in zip(urls, cold, strict=True):
        cache.clear()
        assert client.get(url).content == document


def test_entries_follow_the_host_scheme_and_url_prefix(alice: User, settings: Settings) -> None:
    settings.ALLOWED_HOSTS = ["testserver", "notes.example.org"]
    note = make_note(alice)
    client = Client()
    plain = client.get("/feeds/notes/").content
    assert f"http://testserver/n/{note.pk}/".encode() in plain
    secure = client.get("/feeds/notes/", secure=True, HTTP_HOST="notes.example.org").content
    assert f"https://notes.example.org/n/{note.pk}/".encode() in secure
    assert b"http://testserver/" not in secure
    with override_script_prefix("/pn/"):
        prefixed = client.get("/feeds/notes/").content
    assert f"http://testserver/pn/n/{note.pk}/".encode() in prefixed
    assert b"http://testserver/pn/u/alice/" in prefixed
    assert client.get("/feeds/notes/").content == plain


# -------------------------------------------------------------------------- query count


def _queries(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), len(_entries(ET.fromstring(response.content)))


FEED_URLS = [
    "/feeds/notes/",
    "/feeds/tags/optics/",
    "/feeds/users/alice/",
    "/feeds/search/?q=entanglement+tag:optics",
]


@pytest.mark.parametrize("url", FEED_URLS)
@pytest.mark.parametrize("logged_in", [False, True])
def test_feeds_stay_within_a_fixed_query_count(
    alice: User, bob: User, url: str, logged_in: bool
) -> None:
    client = Client()
    if logged_in:
        client.force_login(bob)

    def add(count: int) -> None:
        for _ in range(count):
            make_note(alice, body="Entanglement $\\rho$.", tags=["optics", "quantum"])

    add(2)
    small, small_entries = _queries(client, url)
    add(13)
    large, large_entries = _queries(client, url)
    assert (small_entries, large_entries) == (2, 15)
    assert large == small
    assert large <= 6


@pytest.mark.parametrize(
    ("url", "count"),
    [
        ("/feeds/notes/", 1),
        # The tags' stored counts (the rarest tag's rows are walked), then the notes.
        ("/feeds/tags/optics/?tag=quantum", 2),
        ("/feeds/search/?q=entanglement", 1),
        # The user, then the notes.
        ("/feeds/users/alice/", 2),
    ],
)
def test_a_feed_is_one_query_for_its_entries_cold_or_warm(
    alice: User, url: str, count: int
) -> None:
    for _ in range(3):
        make_note(alice, body="Entanglement $\\rho$.", tags=["optics", "quantum"])
    client = Client()
    cache.clear()
    assert _queries(client, url) == (count, 3)
    assert _queries(client, url) == (count, 3)


# ------------------------------------------------------------------------------ corpora


def _naughty_strings() -> list[str]:
    strings = naughty_strings()
    # Every tenth string, plus what the corpus lacks: NUL bytes and very long input.
    return [*strings[::10], "a\x00b", "\x00", "x" * 10_000, "tag:" + "y" * 10_000, "\x01\ufffe"]


@pytest.fixture
def some_notes(alice: User) -> None:
    make_note(alice, body="Naughty $x$ strings.", tags=["physics"])
    make_note(alice, make_paper(alice, title="Odd \x02 title"), tags=["null", "undefined"])


def _assert_answers(response: object) -> None:
    assert response.status_code in {200, 404}, response.content[:300]
    if response.status_code == 200:
        ET.fromstring(response.content)


@pytest.mark.usefixtures("some_notes")
@pytest.mark.parametrize("kind", ["tag", "username", "query"])
def test_naughty_strings_never_fail_a_feed(kind: str) -> None:
    client = Client()
    for string in _naughty_strings():
        if kind == "tag":
            _assert_answers(client.get(f"/feeds/tags/{quote(string, safe='')}/"))
            _assert_answers(client.get("/feeds/tags/physics/", {"tag": string}))
        elif kind == "username":
            _assert_answers(client.get(f"/feeds/users/{quote(string, safe='')}/"))
            _assert_answers(client.get("/feeds/search/", {"user": string}))
        else:
            _assert_answers(client.get("/feeds/search/", {"q": string}))
            _assert_answers(client.get("/feeds/search/", {"q": string, "year_from": string}))

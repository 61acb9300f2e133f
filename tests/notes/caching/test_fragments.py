"""Cached pieces of pages (entries, results, history rows) are never stale."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from notes.caching import fragments
from notes.services import paper_save
from tests.factories import make_note, revise

pytestmark = pytest.mark.django_db

PAGES = ["/", "/tags/physics/", "/u/alice/", "/search/?q=summary"]


def _all(client: Client, note_pk: int) -> str:
    return "".join(client.get(url).content.decode() for url in [*PAGES, f"/n/{note_pk}/history/"])


def test_pages_follow_paper_edits_name_changes_and_new_revisions(alice: User) -> None:
    client = Client()
    note = make_note(alice, body="A summary of the first kind.")
    before = _all(client, note.pk)  # caches every piece
    assert "Alice Liddell" in before

    paper = note.paper
    paper.title = "Renamed study"
    paper_save(paper=paper, user=alice)
    alice.display_name = "Alice Pleasance"
    alice.save()
    revise(note, "A summary of the second kind.", message="clearer")

    after = _all(client, note.pk)
    assert "Renamed study" in after
    assert "Alice Pleasance" in after and "Alice Liddell" not in after
    assert "second kind" in after and "first kind" not in client.get("/").content.decode()
    assert "clearer" in after


def test_a_note_made_private_shows_its_badge_to_its_author(alice: User, alice_client) -> None:
    note = make_note(alice)
    alice_client.get("/u/alice/")
    note.visibility = "private"
    revise(note, note.body)
    assert '<span class="badge">private</span>' in alice_client.get("/u/alice/").content.decode()


def _vote_part(html: str, note_pk: int) -> str:
    """The actions of entry ``note_pk`` on a paper page: where its vote button goes."""
    start = html.index(f'id="n{note_pk}"')
    return html[start : html.index("</span>", html.index('class="entry__actions', start))]


def test_paper_page_entries_carry_each_readers_own_vote_button(
    alice: User, bob: User, alice_client: Client, bob_client: Client
) -> None:
    note = make_note(alice)
    url = f"/papers/{note.paper_id}/"
    anonymous = Client()
    for _ in range(2):  # the second time from the cached entries
        assert "Log in to vote" in _vote_part(anonymous.get(url).content.decode(), note.pk)
        mine = _vote_part(alice_client.get(url).content.decode(), note.pk)
        assert "vote" not in mine.lower()  # never on one's own note
        theirs = _vote_part(bob_client.get(url).content.decode(), note.pk)
        assert 'aria-pressed="false"' in theirs and "csrfmiddlewaretoken" in theirs
    bob_client.post(f"/n/{note.pk}/vote/", {"vote": "1", "next": url})
    voted = bob_client.get(url).content.decode()
    assert 'aria-pressed="true"' in _vote_part(voted, note.pk)
    assert "1 vote" in voted
    seen_by_others = Client().get(url).content.decode()
    assert "Log in to vote" in _vote_part(seen_by_others, note.pk) and "1 vote" in seen_by_others
    assert "<!--vote-->" not in voted + seen_by_others


def test_pieces_are_keyed_by_the_templates_version(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A shared cache outlives a deploy: a piece made by other templates is never served.
    note = make_note(alice, body="Fresh text.")
    entry = fragments.read_entries([note.pk])[0]
    cache.set(fragments.digest("entry", (entry.row,)), "earlier release")
    assert "earlier release" in Client().get("/").content.decode()  # the key pages use
    monkeypatch.setattr(fragments, "_templates_version", lambda: "the next release")
    page = Client().get("/").content.decode()
    assert "earlier release" not in page and "Fresh text." in page


def test_entries_are_read_in_the_order_asked_leaving_out_what_is_gone(alice: User) -> None:
    note = make_note(alice, tags=["a", "b"])
    other = make_note(alice)
    assert [e.pk for e in fragments.read_entries([other.pk, note.pk])] == [other.pk, note.pk]
    assert fragments.read_entries([note.pk])[0].tag_names == ["a", "b"]
    assert [e.pk for e in fragments.read_entries([note.pk, 10**9, note.pk])] == [note.pk] * 2
    assert fragments.read_entries([]) == []


def test_entries_of_a_condition_come_in_order_with_author_and_the_readers_vote(
    alice: User, bob: User
) -> None:
    from django.contrib.auth.models import AnonymousUser

    from notes.models import Note
    from notes.services.reactions import note_vote
    from tests.conftest import make_user
    from tests.factories import make_paper

    paper = make_paper(alice)
    first = make_note(alice, paper)
    second = make_note(make_user("carol"), paper)
    hidden = make_note(make_user("dave"), paper, visibility="private")
    note_vote(note=second, user=bob, vote=True)
    on_paper = Note.objects.filter(paper=paper)

    rows = fragments.entries_of(on_paper.visible_to(bob), ["-vote_count", "-id"], voter=bob)
    assert [(e.pk, author, voted) for e, author, voted in rows] == [
        (second.pk, second.author_id, True),
        (first.pk, alice.pk, False),
    ]
    assert rows[0][0].row == fragments.read_entries([second.pk])[0].row
    anonymous = fragments.entries_of(on_paper.visible_to(AnonymousUser()), ["created"])
    assert [(e.pk, voted) for e, _, voted in anonymous] == [(first.pk, False), (second.pk, False)]
    assert hidden.pk not in {e.pk for e, _, _ in anonymous}
    with pytest.raises(ValueError, match="notes table alone"):
        fragments.entries_of(on_paper.filter(author__username="alice"), ["id"])


HOSTILE = '<script>alert("x")</script> & "quotes"'


@pytest.mark.parametrize("language", ["en", "ar"])
def test_entries_made_of_their_rows_are_those_made_of_the_notes(alice: User, language) -> None:
    """An entry and a search result rendered from the entry row and the one text shown
    (``EntryNote``) are exactly those rendered from the note, its paper and its author as
    models: hostile names and titles, no year, private, hidden, tags, display names."""
    from django.utils import translation

    from notes.caching import entry_html
    from notes.models import Note
    from notes.services import save_state
    from tests.conftest import make_user
    from tests.factories import make_paper

    hostile = make_user("o'brien", display_name=HOSTILE)
    notes = [
        make_note(alice, make_paper(alice, title=HOSTILE, authors="Vaswani, A., Shazeer, N."),
                  body="Plain <b>words</b> & more.", tags=["x&y", "c++", "فيزياء"]),
        make_note(hostile, make_paper(alice, title="No year", authors="", year=None),
                  visibility="private"),
        make_note(alice, make_paper(alice, authors="A. Vaswani et al.", year=1999), tags=[]),
    ]  # fmt: skip
    notes[2].hidden_at = notes[2].modified
    save_state(notes[2], ["hidden_at"])
    entries = fragments.read_entries([note.pk for note in notes])
    models = Note.objects.filter(pk__in=[n.pk for n in notes]).for_entries().in_bulk()
    with translation.override(language):
        made = fragments._notes_of(entries, "body_html")
        for entry in entries:
            note, as_in_row = made[entry.pk]
            assert as_in_row
            assert entry_html.entry(note) == entry_html.entry(models[entry.pk])
            assert entry_html.entry(note, votable=True) == entry_html.entry(
                models[entry.pk], votable=True
            )
        texts = fragments._notes_of(entries, "body_text")
        for entry in entries:
            note = texts[entry.pk][0]
            for snippet in (None, "an <mark>extract</mark>"):
                assert entry_html.search_result(note, snippet) == entry_html.search_result(
                    models[entry.pk], snippet
                )


def test_an_entry_whose_text_changed_since_its_row_is_shown_but_not_cached(alice: User) -> None:
    note = make_note(alice, body="The first text.")
    (entry,) = fragments.read_entries([note.pk])
    revise(note, body="The second text.")
    fragments.render_entries([entry])
    assert "The second text." in entry.entry_html  # what the note says now
    cache_key = fragments.digest("entry", (entry.row,))
    assert cache.get(cache_key) is None  # not kept under the row that named the first text
    (fresh,) = fragments.read_entries([note.pk])
    fragments.render_entries([fresh])
    assert cache.get(fragments.digest("entry", (fresh.row,))) == fresh.entry_html


def test_a_cold_list_reads_only_the_texts_it_shows(alice: User) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notes = [make_note(alice, body=f"Text number {i}.") for i in range(3)]
    entries = fragments.read_entries([note.pk for note in notes])
    with CaptureQueriesContext(connection) as queries:
        fragments.render_entries(entries)
    (read,) = [q["sql"] for q in queries.captured_queries]
    assert read.startswith("SELECT id, body_html, body_digest FROM notes_note WHERE id = ANY(")
    results = fragments.read_entries([note.pk for note in notes])
    with CaptureQueriesContext(connection) as queries:
        fragments.render_results(results)
    (read,) = [q["sql"] for q in queries.captured_queries]
    assert read.startswith("SELECT id, body_text, body_digest FROM notes_note WHERE id = ANY(")
    assert [f"Text number {i}." in r.result_html for i, r in enumerate(results)] == [True] * 3

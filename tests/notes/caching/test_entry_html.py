"""An entry, its meta line and a search result, written in Python (``entry_html``): the links
are those ``reverse`` gives, every value is escaped, the words follow the reader's language,
and the shortcuts give exactly what the generic template tags give."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString

from accounts.models import User
from notes.caching import entry_html
from notes.caching.entry_html import modified_time, number_url, url
from notes.models import Note
from notes.services import save_state
from tests.factories import make_note, make_paper


@pytest.mark.parametrize("tag", ["physics", "c++", "über-quantum", "a:b@c", "100%", "x&y"])
def test_tag_links_match_reverse(tag: str) -> None:
    assert url("notes:tag", tag) == reverse("notes:tag", args=[tag])
    assert url("notes:tag", tag) == url("notes:tag", tag)


def test_profile_and_note_links_match_reverse() -> None:
    assert url("notes:profile", "alice.b-c") == reverse("notes:profile", args=["alice.b-c"])
    assert url("notes:note", 123) == reverse("notes:note", args=[123])


@pytest.mark.parametrize("name", ["notes:note", "notes:paper", "notes:note_print"])
@pytest.mark.parametrize("prefix", ["/", "/papernotes/"])
def test_number_links_match_reverse_under_any_prefix(name: str, prefix: str) -> None:
    set_script_prefix(prefix)
    try:
        for number in (1, 9, 10, 918, 123_456, 2**31 - 1, 2**62):
            assert number_url(name, number, prefix) == reverse(name, args=[number])
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
def test_modified_time_matches_the_date_filters(zone: str) -> None:
    template = engines["django"].from_string(
        """<time datetime="{{ v|date:'c' }}" title="{{ v }}">{{ v|date:"Y-m-d" }}</time>"""
    )
    for value in (
        datetime(2024, 1, 31, 23, 30, tzinfo=UTC),
        datetime(2026, 7, 1, 0, 5, tzinfo=UTC),
    ):
        with timezone.override(zone):
            assert modified_time(value) == template.render({"v": value})


HOSTILE = '<script>alert("x")</script> & "quotes"'


@pytest.fixture
def hostile_note(db) -> Note:
    author = User.objects.create_user(username="o'brien", display_name=HOSTILE)
    paper = make_paper(author, title=HOSTILE, authors="Ashish Vaswani, Noam Shazeer", year=2017)
    note = make_note(
        author, paper, body="Plain <b>words</b> & more.", tags=["x&y", "c++"], visibility="private"
    )
    note.hidden_at = note.modified
    save_state(note, ["hidden_at"])
    return Note.objects.filter(pk=note.pk).for_entries().get()


def test_an_entry_escapes_every_value_and_links_to_its_note(hostile_note: Note) -> None:
    html = entry_html.entry(hostile_note)
    pk = hostile_note.pk

    assert isinstance(html, SafeString)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 2  # the paper's title and the author's name
    assert f'<a class="entry__num" href="{reverse("notes:note", args=[pk])}">{{{pk}}}</a>' in html
    assert f'href="{reverse("notes:paper", args=[hostile_note.paper_id])}"' in html
    assert f'href="{reverse("notes:note_print", args=[pk])}"' in html
    profile_url = escape(reverse("notes:profile", args=[hostile_note.author.username]))
    assert f'href="{profile_url}"' in html
    tag_url = escape(reverse("notes:tag", args=["x&y"]))
    assert f'<a class="tag" href="{tag_url}" dir="auto">x&amp;y</a>' in html
    assert '<span class="entry__ref" dir="ltr">ref: Vaswani-2017</span>' in html
    assert '<span class="badge">private</span>' in html
    assert '<span class="badge badge--hidden">hidden by moderators</span>' in html
    assert "0 votes" in html and "0 views" in html and "0 comments" in html
    # The body is the note's sanitised HTML, as stored.
    assert f'dir="auto">{hostile_note.body_html}</div>' in html


def test_a_votable_entry_has_the_vote_slot_and_a_plain_one_has_not(hostile_note: Note) -> None:
    assert "<!--vote-->" in entry_html.entry(hostile_note, votable=True)
    assert "<!--vote-->" not in entry_html.entry(hostile_note)


def test_an_entry_without_a_year_has_no_reference(db) -> None:
    author = User.objects.create_user(username="dana")
    note = make_note(author, make_paper(author, year=None))
    html = entry_html.entry(Note.objects.filter(pk=note.pk).for_entries().get())
    assert "entry__ref" not in html
    assert "badge" not in html


def test_the_words_and_counts_follow_the_reader_s_language(hostile_note: Note) -> None:
    hostile_note.vote_count, hostile_note.view_count, hostile_note.comment_count = 1, 3, 11
    with translation.override("en"):
        english = entry_html.entry(hostile_note)
    with translation.override("ar"):
        arabic = entry_html.entry(hostile_note)
    assert "1 vote<" in english and "3 views" in english and "11 comments" in english
    assert ">print<" in english and ">hide<" in english
    for words in ("print", "hide", "modified", "private", "hidden by moderators", "views"):
        assert not re.search(rf">[^<]*\b{words}\b", arabic), words
    with translation.override("ar"):
        assert translation.gettext("print") in arabic
        assert (
            translation.ngettext("%(counter)s view", "%(counter)s views", 3) % {"counter": 3}
            in arabic
        )


def test_a_search_result_shows_its_extract_or_the_start_of_the_text(hostile_note: Note) -> None:
    with_extract = entry_html.search_result(hostile_note, SafeString("a <mark>word</mark>"))
    assert '<p class="snippet" dir="auto">a <mark>word</mark></p>' in with_extract
    unsafe = entry_html.search_result(hostile_note, "a <mark>word</mark>")
    assert "a &lt;mark&gt;word&lt;/mark&gt;" in unsafe
    hostile_note.body_text = "w" * 300
    start = entry_html.search_result(hostile_note, None)
    assert f'<p class="snippet" dir="auto">{"w" * 239}…</p>' in start
    assert "<script>" not in start


def _history_row(revision: int, **fields: object) -> dict[str, object]:
    row = {
        "revision": revision,
        "head": False,
        "url": f"/n/7/r/{revision}/",
        "previous_diff_url": f"/n/7/diff/{revision - 1}/{revision}/" if revision else "",
        "saved_iso": "2026-01-02T03:04:05+00:00",
        "saved": "2026-01-02 03:04",
        "author_name": "Alice",
        "edit_message": "",
        "visibility": "public",
        "size_change": 0,
        "tag_names": [],
    }
    return row | fields


def test_history_rows_escape_what_people_wrote_and_mark_the_newest_two(
    hostile_note: Note,
) -> None:
    rows = [
        _history_row(2, head=True, edit_message=HOSTILE, size_change=12, tag_names=["x&y"]),
        _history_row(1, visibility="private", size_change=-5, author_name=""),
        _history_row(0, size_change=40),
    ]
    html = entry_html.history_rows(hostile_note, rows)

    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f'<a href="{reverse("notes:note", args=[hostile_note.pk])}">2 (head)</a>' in html
    assert '<a href="/n/7/r/1/">1</a>' in html
    assert '<a href="/n/7/diff/1/2/">prev</a>' in html
    # The newest revision is compared to, the one before it compared from.
    assert 'id="b2" checked' in html and 'id="a1" checked' in html
    assert 'id="a2" >' in html and 'id="b1" >' in html
    assert '<span dir="ltr">+12</span>' in html and '<span dir="ltr">-5</span>' in html
    assert html.count("size-up") == 2 and html.count("size-down") == 1
    assert html.count('<span class="badge">private</span>') == 1
    assert '<td data-label="By" dir="auto">—</td>' in html
    assert '<span class="tag" dir="auto">x&amp;y</span>' in html
    with translation.override("ar"):
        arabic = entry_html.history_rows(hostile_note, rows)
        assert translation.gettext("Compare from revision %(revision)s") % {"revision": 1} in (
            arabic
        )
    assert "head" not in arabic and ">prev<" not in arabic and 'data-label="Saved"' not in arabic


def test_history_rows_keep_braces_and_percent_signs_people_wrote_and_translations_hold(
    hostile_note: Note,
) -> None:
    # A row is one str.format of a template with the language's words written in: what
    # people wrote is a value, never part of the template.
    written = "{n} {0} {w_by} %(revision)s %% }{"
    rows = [
        _history_row(1, head=True, edit_message=written, tag_names=[written], author_name=written),
        _history_row(0, edit_message="{", size_change=3),
    ]
    html = entry_html.history_rows(hostile_note, rows)
    assert html.count(escape(written)) == 3
    assert '<span dir="auto">{</span>' in html
    assert 'for="a1">Compare from revision 1</label>' in html
    assert 'for="b0">Compare to revision 0</label>' in html
    with translation.override("ar"):
        arabic = entry_html.history_rows(hostile_note, rows)
        label = translation.gettext("Compare to revision %(revision)s") % {"revision": 0}
        head = translation.gettext("%(revision)s (head)") % {"revision": 1}
        by = translation.gettext("By")
    assert f'for="b0">{escape(label)}</label>' in arabic and f">{escape(head)}</a>" in arabic
    assert f'data-label="{escape(by)}"' in arabic and arabic.count(escape(written)) == 3


def test_a_vote_button_votes_or_takes_back_and_comes_back_to_the_page(hostile_note: Note) -> None:
    reader = User.objects.create_user(username="reader")
    pk = hostile_note.pk
    next_path = '/papers/1/?q="><script>x</script>'
    button = entry_html.vote_button(
        hostile_note, voted=False, reader=reader, csrf_token="tok&en", next_path=next_path
    )
    assert f'action="{reverse("notes:note_vote", args=[pk])}"' in button
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">' in button
    assert f'<input type="hidden" name="next" value="{escape(next_path)}">' in button
    assert "<script>" not in button
    assert '<input type="hidden" name="vote" value="1">' in button
    assert f'aria-pressed="false">Vote<span class="visually-hidden"> for {{{pk}}}</span>' in button
    assert f'data-sync="votes-{pk}">0 votes</span>' in button
    hostile_note.vote_count = 1
    taken_back = entry_html.vote_button(
        hostile_note, voted=True, reader=reader, csrf_token="t", next_path="/"
    )
    assert '<input type="hidden" name="vote" value="0">' in taken_back
    assert 'aria-pressed="true">Remove vote<span class="visually-hidden"> for' in taken_back
    assert ">1 vote</span>" in taken_back
    with translation.override("ar"):
        arabic = entry_html.vote_button(
            hostile_note, voted=True, reader=reader, csrf_token="t", next_path="/"
        )
        assert translation.gettext("Log in to vote") != "Log in to vote"
    assert "Remove vote" not in arabic and f"{{{pk}}}" in arabic


def test_no_vote_button_on_your_own_note_and_a_login_link_for_a_visitor(
    hostile_note: Note,
) -> None:
    own = entry_html.vote_button(
        hostile_note, voted=False, reader=hostile_note.author, csrf_token="t", next_path="/"
    )
    assert own == ""
    visitor = entry_html.vote_button(
        hostile_note, voted=False, reader=AnonymousUser(), csrf_token="", next_path="/p/?a=1&b=ü"
    )
    login = reverse("accounts:login")
    assert (
        visitor
        == f'<a class="vote" href="{login}?next=/p/%3Fa%3D1%26b%3D%C3%BC">Log in to vote</a>'
    )

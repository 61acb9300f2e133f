"""Ids that come from notes and comments: prefixed per text, unique on every page, never one of
the site's own, and links to them stay inside their own text (issue 18, item 3)."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.models import User
from notes.markup.rendering import SITE_ID_SUFFIXES
from notes.selectors.threads import replies_container
from tests.factories import make_comment, make_note
from tests.paths import ROOT

pytestmark = pytest.mark.django_db

TEMPLATES = ROOT / "templates"
FOOTNOTES = "A claim.[^1] Another.[^2]\n\n## Method\n\n[^1]: First source.\n[^2]: Second source."
# Every id a writer might use to clobber the page's own: the skip link's target, the search
# box, the preview panel, a note's body container, a comment's replies, plain words.
HOSTILE = (
    "# main\n\n# body\n\n"
    '<a id="main">a</a> <a id="location">b</a> <sup id="site-search-q">c</sup> '
    '<a id="body">d</a> <a id="replies">e</a> <a id="n1-body">f</a> <a id="comments">g</a>\n\n'
    '<h1 id="preview-body">Heading</h1>\n\n<h2 id="main">again</h2>\n\n'
    "[to main](#main) [to body](#body) and a note.[^x]\n\n[^x]: Its text."
)


class _Ids(HTMLParser):
    """All ids of a page, and for each element with an id in ``containers``, the ids and the
    fragment links inside it."""

    def __init__(self, containers: re.Pattern[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.containers = containers
        self.ids: list[str] = []
        self.inside: dict[str, dict[str, list[str]]] = {}
        self.open: list[tuple[str, str | None]] = []  # (tag, container id it starts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        ident = values.get("id")
        active = [c for _, c in self.open if c is not None]
        for container in active:
            if ident:
                self.inside[container]["ids"].append(ident)
            href = values.get("href") or ""
            if href.startswith("#"):
                self.inside[container]["links"].append(href[1:])
        if ident:
            self.ids.append(ident)
        starts = ident if ident and self.containers.fullmatch(ident) else None
        if starts:
            self.inside[starts] = {"ids": [], "links": []}
        if tag not in ("br", "hr", "img", "input", "meta", "link"):
            self.open.append((tag, starts))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break


def _read(html: str, containers: str = r"n\d+-body|c\d+") -> _Ids:
    parser = _Ids(re.compile(containers))
    parser.feed(html)
    parser.close()
    return parser


def test_several_notes_with_footnotes_on_the_index_keep_their_links_to_themselves(
    alice: User, bob: User, carol: User
) -> None:
    notes = [make_note(author, body=FOOTNOTES) for author in (alice, bob, carol)]
    page = _read(Client().get("/").content.decode())
    assert [i for i, n in Counter(page.ids).items() if n > 1] == []
    for note in notes:
        inside = page.inside[f"n{note.pk}-body"]
        assert len(inside["links"]) == 4  # two references, two "back to text" arrows
        assert set(inside["links"]) <= set(inside["ids"])  # each jumps within its own note
        assert all(ident.startswith(f"n{note.pk}-") for ident in inside["ids"])


def test_a_note_and_comments_with_hostile_ids_cannot_clobber_the_page(
    alice: User, bob: User
) -> None:
    note = make_note(alice, body=HOSTILE)
    comments = [make_comment(note, bob, HOSTILE), make_comment(note, alice, FOOTNOTES)]
    html = Client().get(f"/n/{note.pk}/").content.decode()
    page = _read(html)
    assert [i for i, n in Counter(page.ids).items() if n > 1] == []
    for site_id in ("main", "comments", f"n{note.pk}", f"n{note.pk}-body", "site-search-q"):
        assert page.ids.count(site_id) == 1, site_id
    body = page.inside[f"n{note.pk}-body"]
    assert body["ids"] and all(i.startswith(f"n{note.pk}-") for i in body["ids"])
    assert f"n{note.pk}-body" not in body["ids"] and f"n{note.pk}-main" in body["ids"]
    assert set(body["links"]) <= set(body["ids"])
    for comment in comments:
        comment.refresh_from_db()
        inside = page.inside[f"c{comment.pk}"]
        own = [i for i in inside["ids"] if i != replies_container(comment)]
        assert own and all(i.startswith(f"c{comment.pk}-") for i in own)
        links = re.findall(r'href="#([^"]*)"', comment.body_html)
        assert links and set(links) <= set(own)


def test_a_text_id_named_like_the_sites_own_gets_a_mark_that_keeps_them_apart(
    alice: User,
) -> None:
    note = make_note(alice, body="# body\n\n[up](#body)")
    assert f'id="n{note.pk}-body_"' in note.body_html
    assert f'href="#n{note.pk}-body_"' in note.body_html


def test_the_sites_own_ids_under_a_text_prefix_are_the_reserved_ones(
    alice: User, bob: User
) -> None:
    # Templates may only give an element an id "n<pk>-…" or "c<pk>-…" with a suffix that the
    # renderer keeps away from texts' ids; any other id must not look like a text's at all.
    found: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        for ident in re.findall(r'\sid="([^"]*)"', template.read_text()):
            if match := re.fullmatch(r"[nc]\{\{[^}]*\}\}(?:-(\w+))?", ident):
                if match.group(1):
                    found.add(match.group(1))
            else:
                assert not re.match(r"(?:[nc]\d+|[pu])-", ident), (template, ident)
    assert found <= SITE_ID_SUFFIXES
    container = replies_container(make_comment(make_note(alice), bob))
    assert container.rpartition("-")[2] in SITE_ID_SUFFIXES

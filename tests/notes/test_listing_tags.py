"""The filter bar and the pager, written in Python (``notes.templatetags.listing``): the same
markup as the templates they replace (kept in ``kept_templates/`` as they were), in both
languages, for every sort, order and filter, with hostile words, tags, names, paths and
queries; and the pager of a plain paginator counts its pages."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.paginator import Paginator
from django.http import QueryDict
from django.template import engines
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from notes.forms import ListingForm
from notes.selectors.browse import IdWindow, ListPaginator
from tests.conftest import make_user
from tests.factories import make_note
from tests.hostile import all_strings

KEPT = Path(__file__).parent / "kept_templates"
# Markup, quotes, ampersands, right-to-left text and percent signs, from the corpora.
HOSTILE = [
    *[s for s in all_strings() if any(c in s for c in "<>\"'&%")][:40:8],
    "100% <b>\"bold\"</b> & 'x' %(text)s %s {0}",
    "\u202eتجربة",
]


def _kept(name: str, context: dict, path: str = "/") -> str:
    request = RequestFactory().get(path)
    return engines["django"].from_string((KEPT / name).read_text()).render(context, request)


def _kept_source(source: str, context: dict) -> str:
    # The kept list template included the pager's template, which is kept beside it.
    source = source.replace("{% pager %}", (KEPT / "_pagination.html").read_text())
    return engines["django"].from_string(source).render(context, RequestFactory().get("/"))


def _tag(tag: str, context: dict, path: str = "/") -> str:
    request = RequestFactory().get(path)
    source = "{% load listing %}{% " + tag + " %}"
    return engines["django"].from_string(source).render(context, request)


def _queries() -> list[str]:
    queries = [
        "",
        "q=attention",
        "q=tag%3Aoptics+user%3Aalice+light",
        "tag=optics&tag=lasers&sort=title&order=asc",
        "sort=created&order=desc&q=%22a+phrase%22+-not",
        "sort=year&order=asc&user=bob",
        "sort=nonsense&order=sideways&year_from=abc",
    ]
    for payload in HOSTILE:
        hostile = QueryDict(mutable=True)
        hostile.update({"q": payload, "tag": payload, "user": payload})
        queries.append(hostile.urlencode())
    return queries


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_toolbar_is_the_templates(language: str) -> None:
    paths = ["/", "/tags/optics/", "/u/al<i>ce/?x=\"'&"]
    compared = 0
    with translation.override(language):
        for query, path, bound in itertools.product(_queries(), paths, (True, False)):
            data = QueryDict(query)
            form = ListingForm(data if bound else {})
            url_tags = data.getlist("tag")
            listing = form.listing(url_tags)
            for tag in (None, *url_tags[:1]):
                context = {"form": form, "listing": listing, "tag": tag}
                assert _tag("list_toolbar", context, path) == _kept(
                    "_toolbar.html", context, path
                ), (query, path, tag)
                compared += 1
    assert compared > 100


def _page(count: int, number: int, per_page: int = 20, *, capped: bool = False):
    ids = list(range(count))
    paginator = ListPaginator(IdWindow(lambda start, stop: ids[start:stop], count), per_page)
    paginator.capped = capped
    return paginator.get_page(number)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_pager_is_the_templates(language: str) -> None:
    listings = [None] + [
        ListingForm(QueryDict(f"sort={sort}&order={order}")).listing([])
        for sort in ("modified", "created", "year", "title")
        for order in ("asc", "desc")
    ]
    relevance = ListingForm(QueryDict("q=light")).listing([])
    listings.append(type(relevance)(**{**relevance.__dict__, "sort": "relevance"}))
    pages = [
        _page(5, 1),
        _page(45, 1),
        _page(45, 2),
        _page(45, 3),
        _page(1_234_567, 1_500),
        _page(81, 3, capped=True),
        _page(81, 4, capped=True),
        _page(61, 3, capped=True),
    ]
    queries = ["", "tag=optics&sort=title"]
    for payload in HOSTILE:
        hostile = QueryDict(mutable=True)
        hostile["q"] = payload
        queries.append(hostile.urlencode())
    with translation.override(language):
        for page, listing, query in itertools.product(pages, listings, queries):
            context = {"page": page, "query": query}
            if listing is not None:
                context["listing"] = listing
            assert _tag("pager", context) == _kept("_pagination.html", context), (
                page,
                listing,
                query,
            )


def test_a_plain_paginators_pager_says_how_many_pages() -> None:
    # The template wrote "Page 2 of " under a paginator without ``pages_shown``.
    page = Paginator(list(range(120)), 50).get_page(2)
    html = _tag("pager", {"page": page, "query": ""})
    assert "<span>Page 2 of 3</span>" in html
    assert 'href="?page=1"' in html and 'href="?page=3"' in html


@pytest.mark.django_db
def test_the_papers_list_pages_say_how_many_there_are() -> None:
    author = make_user("many")
    for _ in range(51):
        make_note(author)
    response = Client().get("/papers/?page=2")
    assert response.status_code == 200
    assert "Page 2 of 2" in response.content.decode()


@pytest.mark.django_db
def test_a_list_page_has_the_toolbar_with_its_filters_and_the_pager() -> None:
    author = make_user("writer")
    for _ in range(21):
        make_note(author, tags=["optics"])
    client = Client()
    html = client.get("/tags/optics/?sort=title&order=asc&q=%3Cb%3E").content.decode()
    assert 'aria-label="Filter and sort"' in html
    assert '<option value="title" selected>title</option>' in html
    assert '<option value="asc" selected>oldest / A–Z first</option>' in html
    assert 'value="&lt;b&gt;"' in html and "<b>" not in html.split("<main", 1)[1]
    assert 'matching “<span dir="auto">&lt;b&gt;</span>”' in html
    html = client.get("/tags/optics/?sort=title").content.decode()
    assert "<span>Page 1 of 2</span>" in html
    assert '<a rel="next" href="?sort=title&amp;page=2">' in html


class _Entry:
    def __init__(self, created: datetime, html: str) -> None:
        self.created, self.entry_html = created, SafeString(html)


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Chatham"])
def test_the_entry_list_is_the_templates(language: str, zone: str) -> None:
    source = (KEPT / "_entries.html").read_text()
    start = datetime(2025, 12, 31, 22, 30, tzinfo=ZoneInfo("UTC"))
    entries = [
        _Entry(start - timedelta(days=9 * i), f'<article id="n{i}">{i} &amp; more</article>')
        for i in range(25)
    ]
    messages = [None, "", SafeString("No notes <em>yet</em>."), *HOSTILE[:3]]
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        for count, chronology, message in itertools.product(
            (0, 1, 20, 25), (False, True), messages
        ):
            shown = entries[:count]
            window = IdWindow(lambda start, stop, shown=shown: shown[start:stop], count)
            page = ListPaginator(window, 20).get_page(2 if count > 20 else 1)
            context = {"page": page, "query": "q=x", "chronology": chronology}
            if message is not None:
                context["empty_message"] = message
            assert _tag("entry_list", context) == _kept_source(source, context), (
                count,
                chronology,
                message,
            )

"""A paper's rating written in Python (``notes.templatetags.ratings``): the same markup as the
templates it replaces (kept in ``kept_templates/`` as they were), for a visitor and for a
reader with and without a rating of their own, after a rating and a refused one, in both
languages, with hostile paths and messages; and the pages that show it. Also the note
page's revision bar (``{% revision_bar %}``), another template written in Python."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import Client, RequestFactory
from django.utils import translation

from accounts.models import User
from notes.models import Paper
from notes.selectors.revbar import RevisionBar
from tests.conftest import make_user
from tests.factories import make_note
from tests.hostile import all_strings

KEPT = Path(__file__).parent / "kept_templates"
HOSTILE = [s for s in all_strings() if any(c in s for c in "<>\"'&%")][:30:6]


def _summary_source() -> str:
    return (KEPT / "_rating_summary.html").read_text()


def _form_source() -> str:
    # The form's template included the summary's; here it is written in.
    summary = _summary_source().split("{% load i18n %}", 1)[1]
    return (
        (KEPT / "_rating.html").read_text().replace('{% include "_rating_summary.html" %}', summary)
    )


def _normal(html: str) -> str:
    """Markup with a form token's value (masked anew each time) left out, runs of white space
    made one space and none between tags."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1…", html)
    html = re.sub(r"\s+", " ", html)
    return re.sub(r">\s+<", "><", html).strip()


def _render(source: str, context: dict, request) -> str:
    return engines["django"].from_string(source).render(context, request)


def _papers() -> list[Paper]:
    return [
        Paper(pk=7, title="t", rating_count=0, rating_sum=0, view_count=0),
        Paper(pk=12, title="t", rating_count=1, rating_sum=4, view_count=1),
        Paper(pk=123_456, title="t", rating_count=3, rating_sum=11, view_count=2),
        Paper(pk=9, title="t", rating_count=1_234_567, rating_sum=6_000_000, view_count=1_234),
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_summary_is_the_templates(language: str) -> None:
    with translation.override(language):
        for paper in _papers():
            context = {"paper": paper}
            request = RequestFactory().get("/")
            expected = _render(_summary_source(), context, request)
            written = _render("{% load ratings %}{% rating_summary paper %}", context, request)
            assert _normal(written) == _normal(expected), paper.pk


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_form_is_the_templates(language: str) -> None:
    reader = User(pk=5, username="reader")
    readers = [(AnonymousUser(), None), *((reader, mine) for mine in (None, 1, 3, 5))]
    messages = [("", ""), ("", "You rated this paper 3 stars."), ("Choose from 1 to 5.", "")]
    messages += [(payload, "") for payload in HOSTILE] + [("", payload) for payload in HOSTILE]
    paths = ["/papers/7/", "/papers/7/?next=%3Cscript%3E&a=\"'"]
    compared = 0
    with translation.override(language):
        for paper, (user, mine), (error, done), path in itertools.product(
            _papers(), readers, messages, paths
        ):
            request = RequestFactory().get(path)
            request.user = user
            context = {
                "paper": paper,
                "user": user,
                "my_rating": mine,
                "rating_error": error,
                "rating_done": done,
            }
            expected = _render(_form_source(), context, request)
            written = _render("{% load ratings %}{% rating_form %}", context, request)
            assert _normal(written) == _normal(expected), (paper.pk, user, mine, error, path)
            compared += 1
    assert compared > 300


@pytest.mark.django_db
def test_the_paper_page_and_the_papers_list_show_the_rating() -> None:
    author = make_user("author")
    paper = make_note(author).paper  # the list shows papers with a public summary
    Paper.objects.filter(pk=paper.pk).update(rating_count=2, rating_sum=9, view_count=3)
    anonymous = Client().get(f"/papers/{paper.pk}/").content.decode()
    assert "★</span> 4.5 from 2 ratings" in anonymous
    assert "3 views" in anonymous
    assert f'href="/accounts/login/?next=/papers/{paper.pk}/"' in anonymous
    reader = Client()
    reader.force_login(make_user("reader"))
    page = reader.get(f"/papers/{paper.pk}/").content.decode()
    assert f'action="/papers/{paper.pk}/rate/"' in page
    assert page.count('name="stars"') == 5
    listed = Client().get("/papers/").content.decode()
    assert f'data-sync="rating-{paper.pk}"' in listed and "4.5 from 2 ratings" in listed


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_revision_bar_is_the_templates(language: str) -> None:
    # Not a rating, but kept with the other replaced templates' comparisons.
    source = (KEPT / "_revbar.html").read_text()
    note = Paper(pk=123_456)  # anything with a number
    bars = [
        RevisionBar(current=0, links=[], shortened=False),
        RevisionBar(current=3, links=[2, 1, 0], shortened=False),
        RevisionBar(
            current=1_204, links=[1_203, 1_202, 1_201, 1_200, 1_199, None, 0], shortened=True
        ),
        RevisionBar(current=0, links=[5, None, 0], shortened=True),
    ]
    with translation.override(language):
        for bar in bars:
            context = {"note": note, "revbar": bar}
            expected = engines["django"].from_string(source).render(context)
            written = (
                engines["django"]
                .from_string("{% load entries %}{% revision_bar note revbar %}")
                .render(context)
            )
            assert written == expected, bar

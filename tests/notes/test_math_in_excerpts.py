"""Where a text is shown without its HTML (search snippets, a result's opening, the inbox's
and e-mails' excerpts, feed summaries), its formulas read as the characters they show,
never as TeX source."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from notes.models import Delivery
from tests.factories import make_comment, make_note, prefer
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db

FORMULA = r"$\mathbb{E}[x]=\sum_i x_i$"
TEX_TRACES = ("\\", "mathbb", "sum_", "x_i", "$")


def _assert_no_tex(text: str) -> None:
    for trace in TEX_TRACES:
        assert trace not in text, (trace, text)


def test_a_search_snippet_shows_the_formula_as_characters(alice: User) -> None:
    make_note(alice, body=f"The expectation {FORMULA} of the estimator is unbiased.")
    html = Client().get("/search/", {"q": "estimator"}).content.decode()
    (snippet,) = re.findall(r'<p class="snippet"[^>]*>(.*?)</p>', html, re.S)
    assert "<mark>estimator</mark>" in snippet
    assert "𝔼[x]=∑ixi" in snippet
    _assert_no_tex(snippet)


def test_the_inbox_and_the_email_show_a_comments_formula_as_characters(
    alice: User, bob: User, alice_client: Client
) -> None:
    prefer(alice, comment=Delivery.IMMEDIATE)
    note = make_note(alice)
    make_comment(note, bob, f"Should it not be {FORMULA} instead?")
    inbox = alice_client.get("/notifications/").content.decode()
    (excerpt,) = re.findall(r'class="muted notification__excerpt"[^>]*>(.*?)</p>', inbox, re.S)
    assert "Should it not be 𝔼[x]=∑ixi instead?" in excerpt
    _assert_no_tex(excerpt)
    run_jobs()
    (message,) = mail.outbox
    assert "Should it not be 𝔼[x]=∑ixi instead?" in message.body
    _assert_no_tex(message.body.split("Should it not be", 1)[1].split("instead?", 1)[0])


def test_a_feed_summary_carries_mathml_without_its_tex(alice: User) -> None:
    make_note(alice, body=f"The expectation {FORMULA}.")
    feed = Client().get("/feeds/notes/").content.decode()
    summary = feed[feed.index("<summary") : feed.index("</summary>")]
    assert "&lt;math" in summary and "&lt;mi&gt;x&lt;/mi&gt;" in summary
    assert "annotation" not in summary
    _assert_no_tex(summary.replace("&amp;", "&"))

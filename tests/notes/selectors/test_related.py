""" "Read also": related papers by shared tags and similar titles, drawn only from notes
the reader may see, never the paper itself, at most five."""

from __future__ import annotations

import itertools
import re
from html import unescape
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import User
from notes.models import Note, Paper
from notes.selectors.related import LIMIT, _render, read_also
from tests.conftest import make_user
from tests.corpora import naughty_strings
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db


def _read_also(client: Client, url: str) -> list[str]:
    html = client.get(url).content.decode()
    section = re.search(r'<section[^>]*aria-labelledby="read-also".*?</section>', html, re.S)
    if section is None:
        return []
    titles = re.findall(r'<li><a href="/papers/\d+/"[^>]*>([^<]*)</a>', section.group(0))
    return [unescape(title) for title in titles]


def _paper(title: str) -> Paper:
    return make_paper(title=title)


def test_papers_sharing_tags_are_offered_most_shared_first(alice: User, bob: User) -> None:
    source = make_note(alice, _paper("Source paper"), tags=["graphs", "spectral", "learning"])
    make_note(bob, _paper("Shares one"), tags=["graphs", "chemistry"])
    make_note(bob, _paper("Shares three"), tags=["graphs", "spectral", "learning"])
    make_note(alice, _paper("Shares two"), tags=["spectral", "learning"])
    make_note(bob, _paper("Shares none"), tags=["poetry"])
    reader = Client()
    expected = ["Shares three", "Shares two", "Shares one"]
    assert _read_also(reader, f"/papers/{source.paper_id}/") == expected
    assert _read_also(reader, f"/n/{source.pk}/") == expected


def test_tags_shared_by_different_notes_on_a_paper_add_up(alice: User, bob: User) -> None:
    source = make_note(alice, _paper("Source"), tags=["optics", "lasers"])
    both = _paper("Both tags")
    make_note(bob, both, tags=["optics"])
    make_note(make_user("dave"), both, tags=["lasers"])
    make_note(bob, _paper("One tag"), tags=["optics", "poetry"])
    assert _read_also(Client(), f"/n/{source.pk}/") == ["Both tags", "One tag"]


def test_title_words_are_looked_for_in_titles_not_in_bodies(alice: User, bob: User) -> None:
    source = make_note(alice, _paper("Graph neural networks for molecules"), tags=["a"])
    make_note(bob, _paper("Graph neural networks for proteins"), tags=["b"])
    body = "Unlike graph neural networks for molecules."
    make_note(bob, _paper("Medieval poetry"), body=body, tags=["c"])
    assert _read_also(Client(), f"/n/{source.pk}/") == ["Graph neural networks for proteins"]


def test_the_paper_itself_is_never_offered(alice: User, bob: User) -> None:
    paper = _paper("Only paper")
    note = make_note(alice, paper, tags=["solo"])
    make_note(bob, paper, tags=["solo"])
    assert _read_also(Client(), f"/papers/{paper.pk}/") == []
    assert _read_also(Client(), f"/n/{note.pk}/") == []


def test_at_most_five_are_offered(alice: User) -> None:
    source = make_note(alice, _paper("Source"), tags=["common"])
    for i in range(LIMIT + 3):
        make_note(make_user(f"writer{i}"), _paper(f"Other {i}"), tags=["common"])
    assert len(_read_also(Client(), f"/papers/{source.paper_id}/")) == LIMIT


def test_someone_elses_private_note_never_leads_to_a_paper(
    alice: User, bob: User, bob_client: Client, alice_client: Client
) -> None:
    source = make_note(bob, _paper("Public source"), tags=["secret-topic", "shared"])
    make_note(alice, _paper("Alice's private reading"), tags=["secret-topic"], visibility="private")
    make_note(alice, _paper("Public neighbour"), tags=["shared"])
    url = f"/papers/{source.paper_id}/"
    assert _read_also(Client(), url) == ["Public neighbour"]
    assert _read_also(bob_client, url) == ["Public neighbour"]
    # alice may read her own private note, so it leads her to that paper.
    assert sorted(_read_also(alice_client, url)) == ["Alice's private reading", "Public neighbour"]


def test_a_private_note_is_not_a_source_of_tags_for_others(
    alice: User, bob: User, bob_client: Client
) -> None:
    paper = _paper("Mixed paper")
    make_note(alice, paper, tags=["hidden-tag"], visibility="private")
    make_note(bob, paper, tags=["open-tag"])
    make_note(bob, _paper("Via hidden tag"), tags=["hidden-tag"])
    make_note(make_user("dave"), _paper("Via open tag"), tags=["open-tag"])
    assert _read_also(Client(), f"/papers/{paper.pk}/") == ["Via open tag"]


def test_notes_in_the_trash_do_not_count(alice: User, bob: User) -> None:
    source = make_note(alice, _paper("Source"), tags=["topic"])
    trashed = make_note(bob, _paper("Trashed one's paper"), tags=["topic"])
    Note.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
    assert _read_also(Client(), f"/papers/{source.paper_id}/") == []


def test_similar_titles_are_offered_when_a_note_on_them_is_readable(alice: User, bob: User) -> None:
    source = make_note(alice, _paper("Graph neural networks for molecules"), tags=["a"])
    make_note(bob, _paper("Graph neural networks for proteins"), tags=["b"])
    unread = _paper("Graph neural networks for materials")  # no note on it
    make_note(bob, _paper("Graph neural networks for crystals"), tags=["c"], visibility="private")
    make_note(bob, _paper("Medieval poetry"), tags=["d"])
    offered = _read_also(Client(), f"/papers/{source.paper_id}/")
    assert offered == ["Graph neural networks for proteins"]
    assert unread.title not in offered


def test_hostile_titles_are_shown_as_text(alice: User, bob: User) -> None:
    source = make_note(alice, _paper("Source"), tags=["x"])
    make_note(bob, _paper("<script>alert(1)</script>"), tags=["x"])
    html = Client().get(f"/papers/{source.paper_id}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_is_one_query(alice: User, bob: User, django_assert_num_queries) -> None:
    source = make_note(alice, _paper("Source"), tags=["x", "y"])
    for i in range(8):
        make_note(bob if i % 2 else alice, _paper(f"Neighbour {i}"), tags=["x"])
    with django_assert_num_queries(1):
        related = read_also(paper=source.paper, viewer=bob, tags=["x", "y"])
    assert len(related) == LIMIT
    assert source.paper_id not in {paper.pk for paper in related}


def test_any_title_is_safe_to_look_for(alice: User, bob: User) -> None:
    paper = _paper("Source")
    make_note(alice, paper, tags=["x"])
    make_note(bob, _paper("Neighbour"), tags=["x"])
    for title in [*naughty_strings(), "a & b | !(c:*) <-> 'd'", "''", "the of and", ""]:
        paper.title = title.replace("\x00", "")[:500]
        related = read_also(paper=paper, viewer=alice, tags=["x"])
        assert [p.title for p in related] == ["Neighbour"], repr(title)


def test_a_note_hidden_by_moderators_leads_only_its_author_to_its_paper(
    alice: User, bob: User, alice_client: Client, bob_client: Client
) -> None:
    source = make_note(bob, _paper("Source"), tags=["topic"])
    hidden = make_note(alice, _paper("Hidden one's paper"), tags=["topic"])
    Note.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    url = f"/papers/{source.paper_id}/"
    assert _read_also(Client(), url) == []
    assert _read_also(bob_client, url) == []
    assert _read_also(alice_client, url) == ["Hidden one's paper"]


def test_for_anonymous_readers_it_is_cached_until_something_public_changes(
    alice: User, bob: User
) -> None:
    source = make_note(alice, _paper("Source"), tags=["optics"])
    make_note(bob, _paper("First neighbour"), tags=["optics"])
    url = f"/papers/{source.paper_id}/"
    reader = Client()
    first = reader.get(url).content
    assert _read_also(reader, url) == ["First neighbour"]
    # Cached: the second view does not look for related papers again.
    with CaptureQueriesContext(connection) as cold:
        cache.clear()
        reader.get(url)
    with CaptureQueriesContext(connection) as warm:
        assert reader.get(url).content == first
    assert sum("WITH candidates" in q["sql"] for q in cold.captured_queries) == 1
    assert not any("WITH candidates" in q["sql"] for q in warm.captured_queries)

    # Any change to what is public shows at once, in every process (no stale section).
    second = make_note(bob, _paper("Second neighbour"), tags=["optics"])
    assert sorted(_read_also(reader, url)) == ["First neighbour", "Second neighbour"]
    Paper.objects.filter(pk=second.paper_id).update(title="Renamed neighbour")
    assert sorted(_read_also(reader, url)) == ["First neighbour", "Renamed neighbour"]
    Note.objects.filter(pk=second.pk).update(visibility="private")
    assert _read_also(reader, url) == ["First neighbour"]
    Note.objects.filter(paper__title="First neighbour").update(hidden_at=timezone.now())
    assert _read_also(reader, url) == []
    assert _read_also(reader, f"/n/{source.pk}/") == []


def test_logged_in_readers_get_their_own_section_every_time(
    alice: User, bob: User, alice_client: Client
) -> None:
    source = make_note(bob, _paper("Source"), tags=["optics"])
    url = f"/papers/{source.paper_id}/"
    assert _read_also(Client(), url) == []
    make_note(alice, _paper("Alice's private reading"), tags=["optics"], visibility="private")
    assert _read_also(alice_client, url) == ["Alice's private reading"]
    assert _read_also(Client(), url) == []


def _looks_for_related(client: Client, url: str) -> bool:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return any("WITH candidates" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("page", ["paper", "note"])
def test_a_reader_with_nothing_private_shares_the_cached_section_until_they_have(
    page: str, alice: User, bob: User, alice_client: Client
) -> None:
    source = make_note(bob, _paper("Source"), tags=["optics"])
    make_note(bob, _paper("Public neighbour"), tags=["optics"])
    url = f"/papers/{source.paper_id}/" if page == "paper" else f"/n/{source.pk}/"
    assert _read_also(Client(), url) == ["Public neighbour"]
    # Alice may read what anyone may: the section cached for anyone is hers too.
    assert not _looks_for_related(alice_client, url)
    assert _read_also(alice_client, url) == ["Public neighbour"]

    private = make_note(alice, _paper("Alice's private reading"), tags=["optics"])
    Note.objects.filter(pk=private.pk).update(visibility="private")
    assert _looks_for_related(alice_client, url)
    assert sorted(_read_also(alice_client, url)) == ["Alice's private reading", "Public neighbour"]
    assert _read_also(Client(), url) == ["Public neighbour"]

    # In the trash, her private note no longer counts, and she shares the cache again
    # (made anew: the trash changed what is public).
    Note.objects.filter(pk=private.pk).update(deleted_at=timezone.now())
    assert _read_also(alice_client, url) == ["Public neighbour"]
    assert not _looks_for_related(alice_client, url)
    assert not _looks_for_related(Client(), url)


KEPT = Path(__file__).parent.parent / "kept_templates"


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_section_is_the_templates(language: str) -> None:
    # The template the section replaces, kept as it was, with the rating summary's written in.
    summary = (KEPT / "_rating_summary.html").read_text().split("{% load i18n %}", 1)[1]
    source = (
        (KEPT / "_related.html")
        .read_text()
        .replace("{% rating_summary paper %}", summary)
        .replace("ratings %}", "%}", 1)
    )
    titles = [*[s for s in naughty_strings() if s.strip()][:40:4], "<b>\"x\"</b> & 'y'"]
    papers = [
        Paper(pk=pk, title=title, year=year, rating_count=count, rating_sum=count * 3 + pk % 3)
        for pk, (title, year, count) in enumerate(
            zip(titles, itertools.cycle([None, 2024, 1999]), itertools.cycle([0, 1, 7, 1_234])),
            start=1,
        )
    ]
    with translation.override(language):
        for chunk in (papers[:0], papers[:1], papers[:5], papers[5:10]):
            expected = engines["django"].from_string(source).render({"read_also": chunk})
            assert _normal(_render(chunk)) == _normal(expected)

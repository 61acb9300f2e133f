"""What the benchmark requests, drawn from a small generated data set."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from accounts.models import User
from bench import workloads
from bench.client import USER_AGENT
from bench.management.commands.bench import count_queries
from notes.models import Note
from tests.bench.conftest import seed

N = 200


@pytest.fixture
def kinds(db) -> dict[str, workloads.PageKind]:
    seed(notes=600, users=30)
    data = workloads.read_data()
    found = workloads.page_kinds(data, warm_phrase=workloads.warm_phrase())
    return {kind.name.split(" (")[0]: kind for kind in found}


def test_cold_urls_are_the_same_for_the_same_seed_and_differ_by_reader(
    kinds: dict[str, workloads.PageKind],
) -> None:
    note = kinds["note"]
    first = note.cold_urls(1, workloads.ANONYMOUS, N)
    assert note.cold_urls(1, workloads.ANONYMOUS, N) == first
    assert note.cold_urls(1, workloads.LOGGED_IN, N) != first
    assert note.cold_urls(2, workloads.ANONYMOUS, N) != first


def test_cold_notes_are_drawn_from_the_whole_data_set(
    kinds: dict[str, workloads.PageKind],
) -> None:
    drawn = {int(re.search(r"/n/(\d+)/", url)[1]) for url in kinds["note"].cold_urls(1, "a", N)}
    public = list(
        Note.objects.filter(visibility="public", deleted_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    assert drawn <= set(public)
    assert len(drawn) > N / 2  # few repeats: the cache seldom has seen the page
    spread = (max(drawn) - min(drawn)) / (max(public) - min(public))
    assert spread > 0.9


def test_index_pages_and_tag_pages_reach_deep(kinds: dict[str, workloads.PageKind]) -> None:
    pages = {int(u.split("=")[1]) for u in kinds["index"].cold_urls(1, "a", N)}
    assert min(pages) == 1 and max(pages) == workloads.read_data().pages
    tags = {urlsplit(u).path for u in kinds["tag"].cold_urls(1, "a", N)}
    assert len(tags) > 20


def test_phrases_of_common_words_are_never_asked_twice(
    kinds: dict[str, workloads.PageKind],
) -> None:
    phrase = kinds["search: phrase of common words"]
    urls = phrase.cold_urls(1, workloads.ANONYMOUS, N) + phrase.cold_urls(1, "other", N)
    queries = [parse_qs(urlsplit(url).query)["q"][0] for url in urls]
    assert len(set(queries)) == len(queries)
    common = set(workloads.common_words())
    for query in queries:
        assert query.startswith('"') and query.endswith('"')
        assert set(query.strip('"').split()) <= common


def test_search_words_come_from_the_corpus(kinds: dict[str, workloads.PageKind]) -> None:
    def words(name: str) -> set[str]:
        urls = kinds[name].cold_urls(1, "a", N)
        return {parse_qs(urlsplit(url).query)["q"][0] for url in urls}

    assert words("search: common word") <= set(workloads.common_words())
    assert words("search: rare word") <= set(workloads.rare_words())
    assert all(q.startswith("tag:") for q in words("search: tag:"))


def test_revision_pairs_are_in_order_and_within_the_note(
    kinds: dict[str, workloads.PageKind],
) -> None:
    revisions = dict(Note.objects.values_list("pk", "revision"))
    for name in ("diff", "diff of the 1000-revision note"):
        for url in kinds[name].cold_urls(1, "a", N):
            pk, a, b = map(int, re.search(r"/n/(\d+)/diff/(\d+)/(\d+)/", url).groups())
            assert 0 <= a < b <= revisions[pk]


def test_history_pages_of_the_1000_revision_note_are_drawn_from_all_its_pages(
    kinds: dict[str, workloads.PageKind],
) -> None:
    kind = kinds["history of the 1000-revision note"]
    pk = Note.objects.get(revision=999).pk
    assert kind.warm == f"/n/{pk}/history/?page=20"
    pages = set()
    for url in kind.cold_urls(1, "a", N):
        assert urlsplit(url).path == f"/n/{pk}/history/"
        pages.add(int(parse_qs(urlsplit(url).query)["page"][0]))
    assert pages == set(range(1, 21))


def test_every_page_answers_for_its_readers(kinds: dict[str, workloads.PageKind]) -> None:
    anonymous = Client()
    reader = Client()
    reader.force_login(User.objects.filter(username__startswith="bench_reader_").first())
    for kind in kinds.values():
        for who, client in ((workloads.ANONYMOUS, anonymous), (workloads.LOGGED_IN, reader)):
            if who not in kind.readers:
                continue
            for url in [kind.warm, *kind.cold_urls(1, who, 3)]:
                response = client.get(url, HTTP_USER_AGENT=USER_AGENT)
                assert response.status_code == 200, (who, url)


def test_logged_in_pages_are_only_for_logged_in_readers(
    kinds: dict[str, workloads.PageKind],
) -> None:
    assert kinds["following"].readers == (workloads.LOGGED_IN,)
    assert kinds["notifications"].readers == (workloads.LOGGED_IN,)
    assert workloads.ANONYMOUS in kinds["note"].readers


def test_queries_are_counted_in_process_for_each_reader(
    kinds: dict[str, workloads.PageKind],
) -> None:
    reader = User.objects.filter(username__startswith="bench_reader_").first()
    assert count_queries("/health/", None, warm=True) == (1, 200)
    anonymous, status = count_queries(kinds["note"].warm, None, warm=True)
    logged_in, _ = count_queries(kinds["note"].warm, reader, warm=True)
    assert status == 200
    assert logged_in > anonymous  # the session, the user and their own flags
    assert count_queries("/no/such/page/", None, warm=False)[1] == 404


def test_find_phrase_takes_the_most_frequent_pair_of_content_words() -> None:
    texts = ["the protein folding problem", "protein folding again. folding protein", "x y"]
    assert workloads.find_phrase(texts) == "protein folding"


def test_an_empty_database_is_a_clear_error(db) -> None:
    with pytest.raises(workloads.NothingToMeasure, match="seed_bench"):
        workloads.read_data()

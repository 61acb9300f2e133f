"""Adding and editing papers: the identifier checks and the race for a new paper live in
``notes.services``, so every door (pages, admin, later the API) gets the same answer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from accounts.models import User
from notes.models import Paper
from notes.services import PaperExists, paper_add, paper_save
from tests.conftest import make_user
from tests.factories import make_paper


@pytest.mark.django_db
def test_a_paper_with_a_known_identifier_is_not_added(alice: User, bob: User) -> None:
    existing = make_paper(alice, doi="10.1/abc", pmid="123")
    with pytest.raises(PaperExists) as raised:
        paper_add(paper=Paper(title="Other", pmid="123", arxiv_id="1707.03389"), user=bob)
    assert (raised.value.paper, raised.value.fields) == (existing, ["pmid"])
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_a_new_paper_is_added_by_its_creator(alice: User) -> None:
    paper = paper_add(paper=Paper(title="Fresh", doi="10.1/new"), user=alice)
    assert Paper.objects.get(doi="10.1/new") == paper
    assert paper.created_by == alice
    assert paper.history.first().history_user == alice


@pytest.mark.django_db
def test_editing_a_paper_to_another_papers_identifier_names_the_clash(alice: User) -> None:
    first = make_paper(alice, doi="10.1/abc", arxiv_id="1707.03389")
    second = make_paper(alice, doi="10.1/def")
    second.doi, second.arxiv_id = "10.1/abc", "1707.03389"
    with pytest.raises(PaperExists) as raised:
        paper_save(paper=second, user=alice)
    assert (raised.value.paper, raised.value.fields) == (first, ["doi", "arxiv_id"])
    assert Paper.objects.get(pk=second.pk).doi == "10.1/def"
    # Its own identifiers are no clash.
    first.title = "Renamed"
    paper_save(paper=first, user=alice)
    assert Paper.objects.get(pk=first.pk).title == "Renamed"


@pytest.mark.django_db(transaction=True)
def test_two_people_adding_the_same_paper_at_once_get_one_paper() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    inserted, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def other_writer() -> None:
        # Adds the paper in a transaction left open until bob's insert is under way, so
        # bob's check finds nothing and his insert meets the unique index.
        try:
            with transaction.atomic():
                Paper.objects.create(title="First", doi="10.1/race", created_by=alice)
                inserted.set()
                release.wait(10)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert inserted.wait(10)
    threading.Timer(0.5, release.set).start()
    with pytest.raises(PaperExists) as raised:
        paper_add(paper=Paper(title="Second", doi="10.1/race"), user=bob)
    thread.join(10)
    assert not failures
    assert raised.value.paper.title == "First"
    assert raised.value.fields == ["doi"]
    assert Paper.objects.count() == 1

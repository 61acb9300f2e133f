"""A paper's page reads the reader's own rating and summary with the paper
(``notes.selectors.papers``): each reader sees only their own, anonymous readers none, and
the page shows the link to edit the summary, or to restore it from the trash."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.selectors.papers import own_note, papers_for_page
from notes.services import note_trash
from notes.services.reactions import paper_rate
from tests.conftest import client_for
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db


def test_each_reader_reads_only_their_own_rating_and_summary(
    alice: User, bob: User, carol: User, staff: User
) -> None:
    paper = make_paper(alice)
    note = make_note(alice, paper, visibility="private")
    make_note(bob, make_paper(bob))  # a summary of another paper
    paper_rate(paper=paper, user=alice, stars=4)
    paper_rate(paper=paper, user=carol, stars=2)
    expected = {
        "anonymous": (None, None),
        "alice": (4, note.pk),
        "bob": (None, None),
        "carol": (2, None),
        "staff": (None, None),
    }
    readers = {"anonymous": AnonymousUser(), "alice": alice, "bob": bob, "carol": carol}
    readers["staff"] = staff
    for name, reader in readers.items():
        with CaptureQueriesContext(connection) as queries:
            read = papers_for_page(reader).get(pk=paper.pk)
        assert len(queries) == 1
        own = own_note(read)
        assert (read.viewer_rating, own and own.pk) == expected[name], name


def test_the_page_links_to_the_reader_s_summary_or_its_restoring(alice: User, bob: User) -> None:
    paper = make_paper(alice)
    note = make_note(alice, paper)
    paper_rate(paper=paper, user=alice, stars=5)
    page = client_for(alice).get(f"/papers/{paper.pk}/").content.decode()
    assert f"/n/{note.pk}/edit/" in page and "Edit your summary" in page
    assert 'value="5" required checked' in page
    for other in (client_for(bob), Client()):
        html = other.get(f"/papers/{paper.pk}/").content.decode()
        assert "Edit your summary" not in html and " checked" not in html
    note_trash(note=note)
    page = client_for(alice).get(f"/papers/{paper.pk}/").content.decode()
    assert "Your summary is in the trash — restore it" in page
    assert f'href="/n/{note.pk}/"' in page and f"/n/{note.pk}/edit/" not in page

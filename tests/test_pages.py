"""The list of page types the page walks read (tests/pages.py) names each type once per reader,
and every address but the 404's is one of the site's."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

from accounts.models import User
from tests.factories import make_comment, make_note, revise
from tests.pages import AUTHOR, VISITOR, page_types, paths

pytestmark = pytest.mark.django_db


def test_every_page_type_is_a_page_of_the_site(alice: User, bob: User) -> None:
    note = revise(make_note(alice, tags=["attention"]), "Again.")
    pages = page_types(note, make_comment(note, bob, "Why?"), tag="attention", query="attention")
    kinds = [(page.reader, page.name) for page in pages]
    assert len(kinds) == len(set(kinds))
    for page in pages:
        path = page.path.partition("?")[0]
        if page.status == 404:
            with pytest.raises(Resolver404):
                resolve(path)
        else:
            assert resolve(path), page


def test_a_walk_can_leave_out_only_page_types_that_exist(alice: User, bob: User) -> None:
    note = revise(make_note(alice), "Again.")
    pages = page_types(note, make_comment(note, bob, "Why?"), tag="x", query="x")
    everything = paths(pages, AUTHOR)
    assert paths(pages, AUTHOR, leaving_out={"trash"}) == [
        path for path in everything if path != "/trash/"
    ]
    with pytest.raises(ValueError, match="trsh"):
        paths(pages, AUTHOR, leaving_out={"trsh"})
    with pytest.raises(ValueError):
        paths(pages, VISITOR, leaving_out={"trash"})  # the author's, not a visitor's

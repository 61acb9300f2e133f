"""Whether a reader follows a tag, a person or a paper: the state of every follow button."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from notes.selectors.follows import is_following
from notes.services import follows
from tests.conftest import client_for
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


def test_a_reader_follows_exactly_what_they_chose(alice: User, bob: User, carol: User) -> None:
    paper, other_paper = make_paper(bob), make_paper(bob)
    follows.follow(follower=alice, tag="optics")
    follows.follow(follower=alice, user=bob)
    follows.follow(follower=alice, paper=paper)
    assert is_following(alice, tag="optics")
    assert is_following(alice, user=bob)
    assert is_following(alice, paper=paper)
    assert not is_following(alice, tag="acoustics")
    assert not is_following(alice, user=carol)
    assert not is_following(alice, paper=other_paper)
    for other in (bob, carol, AnonymousUser()):
        assert not is_following(other, tag="optics")
        assert not is_following(other, paper=paper)
    assert not is_following(carol, user=bob)
    follows.unfollow(follower=alice, paper=paper)
    assert not is_following(alice, paper=paper)
    assert is_following(alice, tag="optics")


def test_the_follow_buttons_show_what_the_reader_follows(
    alice: User, bob: User, carol: User
) -> None:
    paper = make_paper(bob)
    client = client_for(alice)
    follows.follow(follower=alice, user=bob)
    follows.follow(follower=alice, paper=paper)
    assert b"Unfollow Bob Builder" in client.get("/u/bob/").content
    assert b"Unfollow this paper" in client.get(f"/papers/{paper.pk}/").content
    page = client_for(carol).get("/u/bob/").content
    assert b"Follow Bob Builder" in page and b"Unfollow" not in page

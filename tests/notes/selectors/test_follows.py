"""Whether a reader follows a tag, a person or a paper: the state of every follow button."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from notes.models import Follow, Note
from notes.selectors.follows import _FOLLOW_ROW_FIELDS, FollowRow, followed_by, is_following
from notes.services import follows
from tests.conftest import client_for, make_user
from tests.factories import make_note, make_paper

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


def test_the_notes_of_what_a_reader_follows_are_one_statement_however_much_they_follow(
    alice: User, bob: User, carol: User
) -> None:
    """The Following page's condition takes each kind of follow as one array: its statement
    is the same for three follows as for sixty, and it picks exactly the notes of a
    followed tag (any of a note's tags), person or paper."""
    paper = make_paper(alice)
    notes = {
        "tag": make_note(alice, tags=["misc", "c++"]),
        "person": make_note(bob, tags=["misc"]),
        "paper": make_note(carol, paper, tags=["misc"]),
        "none": make_note(alice, tags=["misc", "c"]),
    }
    follows.follow(follower=carol, tag="c++")
    follows.follow(follower=carol, user=bob)
    follows.follow(follower=carol, paper=paper)

    def statement() -> tuple[str, tuple[object, ...]]:
        return Note.objects.filter(followed_by(carol).matching()).query.sql_with_params()

    def found() -> set[int]:
        return set(Note.objects.filter(followed_by(carol).matching()).values_list("pk", flat=True))

    few, params = statement()
    assert len(params) == 3
    assert found() == {notes["tag"].pk, notes["person"].pk, notes["paper"].pk}
    for i in range(20):
        follows.follow(follower=carol, tag=f"t{i}.x#{i}")
        follows.follow(follower=carol, user=make_user(f"followed{i}"))
        follows.follow(follower=carol, paper=make_paper(alice))
    assert statement()[0] == few
    assert found() == {notes["tag"].pk, notes["person"].pk, notes["paper"].pk}
    assert not Note.objects.filter(followed_by(alice).matching()).exists()


def test_what_a_reader_follows_is_read_as_the_orm_reads_it(
    alice: User, bob: User, carol: User
) -> None:
    """The follows are read with a statement compiled once; their rows and order are the
    ORM's (tags, then people by username, then papers by title), and only the reader's."""
    bob.display_name = "<b>Bob</b> 'ب'"
    bob.save()
    for title in ("Zeta", "Alpha"):
        follows.follow(follower=alice, paper=make_paper(bob, title=title))
    follows.follow(follower=alice, user=bob)
    follows.follow(follower=alice, user=carol)
    follows.follow(follower=alice, tag="optics")
    follows.follow(follower=bob, tag="acoustics")
    for reader in (alice, bob, carol):
        rows = Follow.objects.for_page(reader).values_list(*_FOLLOW_ROW_FIELDS)
        assert followed_by(reader).follows == [FollowRow(*row) for row in rows]
    read = followed_by(alice)
    assert read.tags == ["optics"] and read.user_ids == [bob.pk, carol.pk]
    assert [f.paper_title for f in read.follows if f.paper_id] == ["Alpha", "Zeta"]
    names = [f.display_name for f in read.follows if f.followed_user_id]
    assert names == [bob.display_name, carol.display_name]

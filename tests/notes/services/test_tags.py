"""Tags mean one thing: taggit's ``Tag`` is the vocabulary, each note's ``tag_names`` its
derived copy, and a staff rename or merge is a revision of every note it touches."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from accounts.models import User
from notes.caching import public_counts
from notes.models import Follow, ModerationVerb, Note, Visibility
from notes.services import (
    NoteContent,
    follows,
    note_restore,
    note_revert,
    note_save,
    note_trash,
    tags_rename,
)
from notes.services.moderation import flag, moderate
from tests.conftest import client_for, make_user
from tests.factories import make_note, revise

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db) -> User:
    return make_user("root", is_staff=True, is_superuser=True)


def assert_tags_agree() -> None:
    """Every note's taggit rows name exactly its ``tag_names``, and the vocabulary holds
    every tag some note carries."""
    for note in Note.objects.all():
        assert sorted(note.tags.names()) == note.tag_names, f"note {note.pk}"
    carried = {tag for names in Note.objects.values_list("tag_names", flat=True) for tag in names}
    assert carried <= set(Tag.objects.values_list("name", flat=True))


def _public_tag_counts() -> dict[str, int]:
    prefix = public_counts.tag_key("")
    return {
        key.removeprefix(prefix): n
        for key, n in public_counts.public_counts_starting(prefix).items()
        if key.startswith(prefix)
    }


def _rename_in_admin(client: Client, names: list[str], to: str) -> object:
    ids = [Tag.objects.get(name=name).pk for name in names]
    return client.post(
        "/admin/taggit/tag/",
        {
            "action": "rename_tags",
            helpers.ACTION_CHECKBOX_NAME: ids,
            "apply": "Rename",
            "new_name": to,
        },
    )


def test_the_tags_never_diverge_whatever_writes_a_note(
    alice: User, bob: User, staff: User, root: User
) -> None:
    note = make_note(alice, tags=["optics", "lasers"])
    other = make_note(bob, tags=["optics"], visibility=Visibility.PRIVATE)
    assert_tags_agree()
    note = revise(note, "Second text.", tags=["optics", "quantum"])
    assert_tags_agree()
    note = revise(note, "Third text, the same tags.", tags=["quantum", "optics"])
    assert_tags_agree()
    note = note_revert(note=note, user=alice, revision=0)
    assert_tags_agree()
    note_trash(note=note)
    note_restore(note=Note.objects.get(pk=note.pk))
    flag(flagger=bob, item=note, reason="spam")
    moderate(actor=staff, item=Note.objects.get(pk=note.pk), verb=ModerationVerb.HIDE)
    assert_tags_agree()
    admin = client_for(root)
    head = Note.objects.get(pk=other.pk)
    admin.post(
        f"/admin/notes/note/{head.pk}/change/",
        {
            "body": head.body,
            "tags": "Optics Mirrors",
            "visibility": head.visibility,
            "base_revision": head.revision,
        },
    )
    assert Note.objects.get(pk=other.pk).tag_names == ["mirrors", "optics"]
    assert_tags_agree()
    tags_rename(names=["optics", "mirrors"], to="photonics", user=root)
    assert_tags_agree()
    assert Note.objects.get(pk=other.pk).tag_names == ["photonics"]
    note_save(
        note=Note.objects.get(pk=note.pk),
        user=alice,
        content=NoteContent(body="Third.", tags=[], visibility=Visibility.PUBLIC),
        base_revision=Note.objects.get(pk=note.pk).revision,
    )
    assert_tags_agree()


def test_staff_rename_a_tag_as_a_revision_of_every_note_and_the_counts_follow(
    alice: User, bob: User, carol: User, root: User
) -> None:
    public = make_note(alice, body="About $x$.", tags=["optcs", "lasers"])
    private = make_note(bob, tags=["optcs"], visibility=Visibility.PRIVATE)
    untouched = make_note(bob, tags=["lasers"])
    follows.follow(follower=carol, tag="optcs")
    assert _public_tag_counts() == {"optcs": 1, "lasers": 2}
    admin = client_for(root)
    response = _rename_in_admin(admin, ["optcs"], "Optics")
    assert response.status_code == 302
    for note, tags in ((public, ["lasers", "optics"]), (private, ["optics"])):
        head = Note.objects.get(pk=note.pk)
        assert (head.revision, head.tag_names, head.body) == (1, tags, note.body)
        latest = head.history.first()
        assert latest.history_user == root
        assert latest.tag_names == tags
        assert latest.edit_message == "Tags renamed: optcs → optics"
        assert head.history.get(revision=0).tag_names == note.tag_names  # nothing overwritten
    assert Note.objects.get(pk=untouched.pk).revision == 0
    assert _public_tag_counts() == {"optics": 1, "lasers": 2}
    assert not Tag.objects.filter(name="optcs").exists()
    assert list(Follow.objects.filter(user=carol).values_list("tag", flat=True)) == ["optics"]
    index = Client().get("/tags/").content.decode()
    assert "/tags/optics/" in index and "optcs" not in index
    assert Client().get("/tags/autocomplete/?q=opt").json() == {
        "tags": [{"name": "optics", "count": 1}]
    }
    # bob still counts his private note, and only his own.
    assert client_for(bob).get("/tags/autocomplete/?q=opt").json() == {
        "tags": [{"name": "optics", "count": 2}]
    }
    found = Client().get("/search/", {"q": "tag:optics"}).content.decode()
    assert f'id="n{public.pk}"' in found
    assert_tags_agree()


def test_renaming_several_tags_to_one_merges_them(alice: User, bob: User, root: User) -> None:
    both = make_note(alice, tags=["ml", "machine-learning", "bayes"])
    one = make_note(bob, tags=["ml"])
    make_note(bob, tags=["machine-learning"])
    follows.follow(follower=alice, tag="ml")
    follows.follow(follower=alice, tag="machine-learning")
    follows.follow(follower=bob, tag="ml")
    _rename_in_admin(client_for(root), ["ml", "machine-learning"], "machine-learning")
    assert Note.objects.get(pk=both.pk).tag_names == ["bayes", "machine-learning"]
    assert Note.objects.get(pk=one.pk).tag_names == ["machine-learning"]
    assert _public_tag_counts() == {"machine-learning": 3, "bayes": 1}
    assert sorted(Follow.objects.values_list("user__username", "tag")) == [
        ("alice", "machine-learning"),
        ("bob", "machine-learning"),
    ]
    assert not Tag.objects.filter(name="ml").exists()
    assert_tags_agree()


def test_the_rename_asks_for_the_new_name_and_checks_it(alice: User, root: User) -> None:
    make_note(alice, tags=["optics"])
    admin = client_for(root)
    tag = Tag.objects.get(name="optics")
    page = admin.post(
        "/admin/taggit/tag/",
        {"action": "rename_tags", helpers.ACTION_CHECKBOX_NAME: [tag.pk]},
    )
    assert page.status_code == 200
    assert "New name" in page.content.decode()
    bad = _rename_in_admin(admin, ["optics"], "a/b")
    assert bad.status_code == 200
    assert "these are not: a/b" in bad.content.decode()
    two = _rename_in_admin(admin, ["optics"], "two words")
    assert "Give one tag name." in two.content.decode()
    assert Note.objects.get().revision == 0


def test_tags_are_not_added_edited_or_deleted_directly_in_the_admin(
    alice: User, root: User
) -> None:
    make_note(alice, tags=["optics"])
    admin = client_for(root)
    tag = Tag.objects.get(name="optics")
    assert admin.get("/admin/taggit/tag/add/").status_code == 403
    assert admin.get(f"/admin/taggit/tag/{tag.pk}/delete/").status_code == 403
    admin.post(f"/admin/taggit/tag/{tag.pk}/change/", {"name": "other", "slug": "other"})
    assert Tag.objects.get(pk=tag.pk).name == "optics"
    listing = admin.get("/admin/taggit/tag/").content.decode()
    assert "Rename or merge the selected tags" in listing
    assert "Delete selected" not in listing


def test_people_without_admin_rights_cannot_rename_tags(alice: User, staff: User) -> None:
    make_note(alice, tags=["optics"])
    for client in (Client(), client_for(alice), client_for(staff)):
        _rename_in_admin(client, ["optics"], "photonics")
    assert Note.objects.get().tag_names == ["optics"]


def test_a_revision_that_keeps_its_tags_leaves_the_tag_rows_alone(alice: User) -> None:
    note = make_note(alice, tags=["optics", "lasers"])
    with CaptureQueriesContext(connection) as same:
        note = revise(note, "New text.", tags=["lasers", "optics"])
    with CaptureQueriesContext(connection) as changed:
        note = revise(note, "Newer text.", tags=["lasers"])
    assert not [q for q in same.captured_queries if "taggit_tag" in q["sql"]]
    assert [q for q in changed.captured_queries if "notes_taggednote" in q["sql"]]
    assert Note.objects.get(pk=note.pk).tag_names == ["lasers"]
    assert_tags_agree()

"""Each public note's rows under its tags follow every change of the note, in the change's
own transaction, and a tag's pages by date are read from them."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.caching import public_tagged
from notes.models import ModerationVerb, Note, PublicTagged, Visibility
from notes.selectors import browse
from notes.selectors.browse import Listing
from notes.services import NoteContent, note_restore, note_save, note_trash
from notes.services.moderation import flag, moderate
from tests.factories import make_note
from tests.threads import other_connection

pytestmark = pytest.mark.django_db


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="entry[^"]*" id="n(\d+)"', html)]


def _expected() -> set[tuple[str, object, int]]:
    public = Note.objects.filter(
        visibility=Visibility.PUBLIC, deleted_at__isnull=True, hidden_at__isnull=True
    )
    return {
        (tag, modified, pk)
        for pk, modified, tags in public.values_list("id", "modified", "tag_names")
        for tag in tags
    }


def _stored() -> set[tuple[str, object, int]]:
    return set(PublicTagged.objects.values_list("tag", "modified", "note_id"))


def _change(note: Note, *, tags: list[str], visibility: str = Visibility.PUBLIC) -> Note:
    content = NoteContent(body=note.body + " More.", tags=tags, visibility=visibility)
    return note_save(note=note, user=note.author, content=content, base_revision=note.revision)


def _tags(rows: set[tuple[str, object, int]]) -> set[tuple[str, int]]:
    return {(tag, pk) for tag, _, pk in rows}


def test_rows_follow_new_notes_revisions_tags_visibility_trash_and_restore(
    alice: User, bob: User
) -> None:
    first = make_note(alice, tags=["optics", "lasers"])
    second = make_note(bob, tags=["optics"])
    make_note(bob, tags=["optics", "secret"], visibility=Visibility.PRIVATE)
    assert _tags(_stored()) == {("optics", first.pk), ("lasers", first.pk), ("optics", second.pk)}
    assert _stored() == _expected()

    # A new revision moves the note's rows to its new date, under its new tags.
    first = _change(first, tags=["lasers", "quantum"])
    assert _tags(_stored()) == {("lasers", first.pk), ("quantum", first.pk), ("optics", second.pk)}
    assert _stored() == _expected()

    second = _change(second, tags=["optics"], visibility=Visibility.PRIVATE)
    assert _tags(_stored()) == {("lasers", first.pk), ("quantum", first.pk)}

    note_trash(note=first)
    assert _stored() == _expected() == set()
    note_restore(note=first)
    second = _change(second, tags=["optics"])
    assert _stored() == _expected()
    assert len(_stored()) == 3


def test_hiding_and_deleting_take_a_notes_rows_away(alice: User, bob: User, staff: User) -> None:
    hidden = make_note(alice, tags=["optics", "lasers"])
    kept = make_note(bob, tags=["optics"])
    gone = make_note(alice, tags=["optics"])
    flag(flagger=bob, item=hidden, reason="spam")  # staff act only on what is flagged
    moderate(actor=staff, item=hidden, verb=ModerationVerb.HIDE)
    assert _tags(_stored()) == {("optics", kept.pk), ("optics", gone.pk)}
    moderate(actor=staff, item=Note.objects.get(pk=hidden.pk), verb=ModerationVerb.RESTORE)
    assert _stored() == _expected()
    Note.objects.filter(pk=gone.pk).delete()
    alice.delete()  # her notes go with her
    assert _tags(_stored()) == {("optics", kept.pk)}
    assert _stored() == _expected()


def test_rebuild_gives_the_rows_the_triggers_keep(alice: User, bob: User) -> None:
    notes = [make_note(alice if i % 2 else bob, tags=[f"t{i % 3}", "all"]) for i in range(6)]
    note_trash(note=notes[0])
    _change(notes[1], tags=["other"], visibility=Visibility.PRIVATE)
    _change(notes[2], tags=["t0", "t1"])
    kept = _stored()
    public_tagged.rebuild()
    assert _stored() == kept == _expected()
    assert len(kept) == 8


def test_a_rolled_back_change_leaves_the_rows_as_they_were(alice: User) -> None:
    note = make_note(alice, tags=["optics"])
    before = _stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        _change(note, tags=["lasers"])
        assert _tags(_stored()) == {("lasers", note.pk)}
        raise RuntimeError
    assert _stored() == before


@pytest.mark.django_db(transaction=True)
def test_writers_of_one_tag_do_not_wait_for_each_other(alice: User, bob: User) -> None:
    """Each note has rows of its own: a writer holds none another writer of the same tag
    needs, and readers see its rows only once it commits."""
    first = make_note(alice, tags=["optics"])
    second = make_note(bob, tags=["optics"])
    with other_connection() as other, transaction.atomic():
        _change(first, tags=["optics", "lasers"])
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            cursor.execute(
                "UPDATE notes_note SET modified = now(), tag_names = '{optics,quantum}'"
                " WHERE id = %s",
                [second.pk],
            )
            cursor.execute("SELECT tag FROM notes_publictagged WHERE note_id = %s", [first.pk])
            assert cursor.fetchall() == [("optics",)]  # the open change is not seen
    assert _tags(_stored()) == {
        ("optics", first.pk),
        ("lasers", first.pk),
        ("optics", second.pk),
        ("quantum", second.pk),
    }
    assert _stored() == _expected()


def test_a_tags_pages_by_date_are_read_from_its_rows(alice: User, bob: User) -> None:
    notes = [make_note(alice if i % 2 else bob, tags=["optics", f"t{i % 3}"]) for i in range(45)]
    _change(notes[7], tags=["optics"])  # to the top
    make_note(alice, tags=["lasers"])
    private = make_note(alice, tags=["optics"], visibility=Visibility.PRIVATE)
    # A search for the tag alone is the same list, by date; two tags' notes are those of
    # the first tag's rows that the second tag has rows of too.
    optics, both = ("optics",), ("optics", "t0")
    for path, tags, descending, count in (
        ("/tags/optics/?", optics, True, 45),
        ("/tags/optics/?order=asc&", optics, False, 45),
        ("/search/?q=tag:optics&", optics, True, 45),
        ("/?tag=optics&tag=t0&", both, True, 15),
        ("/search/?q=tag:optics+tag:t0&", both, True, 15),
        ("/tags/t0/?tag=optics&order=asc&", both, False, 15),
    ):
        listing = Listing(tags=tags, descending=descending)
        expected = list(browse.notes_for(AnonymousUser(), listing).values_list("id", flat=True))
        assert len(expected) == count
        shown: list[int] = []
        for page in range(1, -(-count // 20) + 1):
            with CaptureQueriesContext(connection) as queries:
                response = Client().get(f"{path}page={page}")
            assert response.status_code == 200
            shown += _ids(response.content.decode())
            assert any("notes_publictagged" in q["sql"] for q in queries.captured_queries)
        assert shown == expected
    # A reader with private notes of the tag gets them merged into the tag's public rows.
    mine = Client()
    mine.force_login(alice)
    response = mine.get("/tags/optics/")
    assert response.context["page"].paginator.count == 46
    assert _ids(response.content.decode())[0] == private.pk


def test_several_tags_walk_the_rarest_tags_rows_looking_up_the_others(alice: User) -> None:
    """A note has the same key under each of its tags: the rarest tag's rows are walked in
    order and each is looked up under the others (never both tags' rows read to be joined
    and sorted, which PostgreSQL would pick from a bad estimate of what they share)."""
    notes = [make_note(alice, tags=["common", *(["rare"] if i % 3 == 0 else [])]) for i in range(9)]
    for tags in (["common", "rare"], ["rare", "common"]):
        rows = public_tagged.in_order(tags, descending=True)
        sql, params = rows.query.sql_with_params()
        assert params[0] == "rare"  # the walk's own tag comes first
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(line for (line,) in cursor.fetchall())
        assert "SubPlan" in plan and "Hash" not in plan, plan
        expected = [n.pk for n in notes[::3]][::-1]
        assert list(rows.values_list("note_id", flat=True)) == expected

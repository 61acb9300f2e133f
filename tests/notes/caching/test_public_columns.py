"""What the caches rely on stays true: the triggers of the public generation name exactly
the columns the pieces cached under it read, and ``condition_of`` still gets from Django's
query internals a condition that selects what the queryset selects."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.caching import generations
from notes.caching.fragments import condition_of
from notes.models import Note, Visibility
from notes.selectors import browse
from notes.selectors.related import related_section
from notes.services import note_trash
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db


def _trigger_columns(table: str) -> set[str]:
    """The columns named by ``UPDATE OF`` in the statement triggers on ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT a.attname
            FROM pg_trigger AS t
            JOIN pg_class AS c ON c.oid = t.tgrelid
            JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = ANY(t.tgattr)
            WHERE c.relname = %s AND NOT t.tgisinternal AND t.tgname LIKE '%%public%%'
            """,
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {
            column.name for column in connection.introspection.get_table_description(cursor, table)
        }


@pytest.mark.parametrize("table", ["notes_note", "notes_paper"])
def test_the_triggers_name_exactly_the_public_columns(table: str) -> None:
    assert _trigger_columns(table) == set(generations.PUBLIC_COLUMNS[table])
    assert generations.PUBLIC_COLUMNS[table] <= _columns(table)


def _read_columns(sql: list[str], table: str) -> set[str]:
    text = "\n".join(sql)
    return {name for name in _columns(table) if re.search(rf"\.{re.escape(name)}\b", text)}


def test_the_pieces_cached_under_the_generation_read_only_public_columns(
    alice: User, bob: User
) -> None:
    paper = make_paper(alice, title="Qqq wwwww")
    other = make_paper(bob, title="Qqq wwwww again")
    make_note(alice, paper, tags=["shared"])
    make_note(bob, other, tags=["shared"])
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        section = related_section(
            paper=paper,
            viewer=AnonymousUser(),
            tags=["shared"],
            generation=generations.public(),
        )
        counts = browse.public_tag_counts()
    assert "again" in section and counts == {"shared": 2}  # both pieces were really made
    sql = [query["sql"] for query in queries.captured_queries]
    # The check sees what they read (else it would pass for any trigger).
    assert {"tag_names", "paper_title", "visibility"} <= _read_columns(sql, "notes_note")
    assert {"title", "year"} <= _read_columns(sql, "notes_paper")
    # "Read also" looks first at each tag's newest public notes, by the date their rows in
    # notes_publictagged (alias t) copy from the notes: which of a tag's notes are looked
    # at may move with an edit, as the order of the notes' rows in their table (which it
    # read before) did; what is shown of them is made of public columns only.
    newest_first = "ORDER BY t.modified DESC"
    assert any(newest_first in text for text in sql)
    sql = [text.replace(newest_first, "") for text in sql]
    for table in ("notes_note", "notes_paper"):
        allowed = generations.PUBLIC_COLUMNS[table] | generations.IMMUTABLE_COLUMNS
        assert _read_columns(sql, table) - allowed == set(), table


@pytest.mark.parametrize("column", sorted(generations.PUBLIC_COLUMNS["notes_note"]))
def test_a_change_of_each_public_note_column_gives_a_new_generation(
    alice: User, bob: User, column: str
) -> None:
    note = make_note(alice, tags=["one"])
    changes = {
        "paper_id": make_paper(alice, title="Another paper").pk,
        "author_id": bob.pk,
        "tag_names": ["two"],
        "paper_title": "Renamed",
        "search_head": RawSQL("to_tsvector('simple', 'changed')", ()),
        "visibility": Visibility.PRIVATE,
        "deleted_at": note.created,
        "hidden_at": note.created,
    }
    assert set(changes) == generations.PUBLIC_COLUMNS["notes_note"]
    before = generations.public()
    Note.objects.filter(pk=note.pk).update(**{column: changes[column]})
    assert generations.public() != before


def test_a_change_of_a_count_leaves_the_generation(alice: User) -> None:
    note = make_note(alice)
    before = generations.public()
    Note.objects.filter(pk=note.pk).update(vote_count=5, view_count=7, comment_count=1)
    assert generations.public() == before


def _ids(condition: tuple[str, list]) -> set[int]:
    where, params = condition
    with connection.cursor() as cursor:
        # The condition is the ORM's own compilation, with its parameters kept apart.
        cursor.execute(f"SELECT notes_note.id FROM notes_note WHERE {where}", params)  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def test_condition_of_selects_what_the_queryset_selects(alice: User, bob: User) -> None:
    public = make_note(alice, tags=["x"])
    private = make_note(alice, visibility=Visibility.PRIVATE, tags=["x"])
    trashed = note_trash(note=make_note(bob, tags=["x"]))
    querysets = [
        Note.objects.visible_to(AnonymousUser()),
        Note.objects.visible_to(alice),
        Note.objects.visible_to(bob).filter(tag_names__contains=["x"]),
        Note.objects.visible_to(alice).filter(author=alice, paper_id=public.paper_id),
        Note.objects.filter(pk__in=[public.pk, private.pk, trashed.pk]),
    ]
    for notes in querysets:
        condition = condition_of(notes)
        assert condition is not None, str(notes.query)
        assert _ids(condition) == set(notes.values_list("pk", flat=True)), str(notes.query)
    # A condition on another table cannot be written into the entry rows' statement.
    assert condition_of(Note.objects.filter(paper__title__startswith="A")) is None
    assert condition_of(Note.objects.filter(author__username="alice")) is None


def test_the_query_internals_condition_of_reads_are_there() -> None:
    # condition_of reads Query.alias_refcount and compiles Query.where with the
    # connection's compiler; a Django upgrade that renames or reshapes them fails here.
    query = Note.objects.filter(tag_names__contains=["x"]).query
    assert isinstance(query.alias_refcount, dict)
    assert sum(1 for count in query.alias_refcount.values() if count) == 1
    where, params = query.get_compiler(connection.alias).compile(query.where)
    assert "notes_note" in where and "tag_names" in where and list(params)

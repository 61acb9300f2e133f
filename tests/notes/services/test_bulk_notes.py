"""Notes written in bulk (``notes.services.bulk.notes_create``) are the notes ``note_create``
writes: the same rows, field by field, history, tags, references, search data and counts
included."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import connection
from taggit.models import Tag

from accounts.models import User
from notes.models import Note, NoteReference, Paper, PublicCountDelta, TaggedNote
from notes.services import EditConflict, NoteContent, TooComplexToRender, note_create
from notes.services.bulk import NewNote, notes_create
from tests.factories import make_note, make_paper
from tests.texts import ordinary_note

# What differs between two writes of the same notes by nature: numbers and clocks.
_NOT_COMPARED = {"id", "history_id", "created", "modified", "history_date"}


def _contents(cited: Note) -> list[NoteContent]:
    return [
        NoteContent(
            body="Math $x^2 + \\alpha$, a list:\n\n- one\n- two",
            tags=["b-tag", "a-tag"],
            visibility="private",
            edit_message="Imported from BibTeX",
        ),
        NoteContent(body="", tags=[], visibility="private"),
        NoteContent(
            body=f"Public, citing {{{cited.pk}}} and {{999999}}. PMID-31942076 and @bob.",
            tags=["physics", "New-Tag"],
            visibility="public",
            edit_message="first",
        ),
        NoteContent(body="ملاحظة قصيرة $$\\frac{a}{b}$$", tags=["nlp"], visibility="public"),
    ]


def _rows(notes: list[Note]) -> list[dict[str, Any]]:
    ids = [n.pk for n in notes]
    position = {pk: n for n, pk in enumerate(ids)}

    def plain(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k not in _NOT_COMPARED}

    rows = []
    for pk in ids:
        note = Note.objects.filter(pk=pk).values().get()
        history = [plain(r) for r in Note.history.filter(id=pk).order_by("history_id").values()]
        tags = sorted(
            TaggedNote.objects.filter(content_object_id=pk).values_list("tag__name", "tag__slug")
        )
        references = sorted(
            NoteReference.objects.filter(source_id=pk).values_list("target_id", "linked")
        )
        note["body_html"] = note["body_html"].replace(f"n{pk}-", "n#-")
        for row in history:
            row["body_html"] = row["body_html"].replace(f"n{pk}-", "n#-")
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_vector::text FROM notes_note WHERE id = %s", [pk])
            vector = cursor.fetchone()[0]
        rows.append(
            {
                "note": plain(note),
                "history": history,
                "tags": tags,
                "references": references,
                "vector": vector,
                "position": position[pk],
            }
        )
    return rows


def _deltas() -> list[tuple[str, int]]:
    return sorted(PublicCountDelta.objects.values_list("key", "delta"))


def test_bulk_notes_are_the_notes_note_create_writes(alice: User, bob: User) -> None:
    cited = make_note(bob, body="Bob's public note.")
    papers = [make_paper(alice, title=f"Paper {n}") for n in range(4)]
    before = _deltas()
    one_by_one = [
        note_create(paper=paper, author=alice, content=content)
        for paper, content in zip(papers, _contents(cited), strict=True)
    ]
    expected, expected_deltas = _rows(one_by_one), _deltas()
    Note.objects.filter(pk__in=[n.pk for n in one_by_one]).delete()
    after_delete = _deltas()
    tags_before = Tag.objects.count()
    in_bulk = notes_create(
        author=alice,
        new=[NewNote(p, c) for p, c in zip(papers, _contents(cited), strict=True)],
    )
    assert all(isinstance(n, Note) for n in in_bulk)
    assert _rows(in_bulk) == expected
    assert Tag.objects.count() == tags_before, "the vocabulary's tags are reused"
    # The counts moved up for the public notes by the same rows in both writes.
    assert Counter(_deltas()) - Counter(after_delete) == Counter(expected_deltas) - Counter(before)
    assert Counter(expected_deltas) - Counter(before) == Counter(
        {("*", 1): 2, ("tag:physics", 1): 1, ("tag:New-Tag", 1): 1, ("tag:nlp", 1): 1}
    )
    assert Paper.objects.filter(notes__author=alice).count() == 4


def test_a_text_too_complex_is_left_out_and_the_rest_written(alice: User, settings) -> None:
    # An ordinary long text takes a few tenths of a second; with a budget of a tenth the
    # render child is stopped half way (as in tests/test_notes.py).
    settings.RENDER_CPU_SECONDS = 0.1
    papers = [make_paper(alice) for _ in range(2)]
    hard, _ = ordinary_note(150_000)
    outcomes = notes_create(
        author=alice,
        new=[
            NewNote(papers[0], NoteContent(body=hard, tags=[], visibility="private")),
            NewNote(papers[1], NoteContent(body="fine", tags=[], visibility="private")),
        ],
    )
    assert isinstance(outcomes[0], TooComplexToRender)
    assert isinstance(outcomes[1], Note) and outcomes[1].body == "fine"
    assert list(Note.objects.filter(author=alice).values_list("paper_id", flat=True)) == [
        papers[1].pk
    ]


def test_a_note_written_meanwhile_is_a_conflict_not_a_second_note(alice: User) -> None:
    papers = [make_paper(alice) for _ in range(2)]
    there = make_note(alice, papers[1], body="written meanwhile")
    first, second = notes_create(
        author=alice,
        new=[NewNote(p, NoteContent(body="new", tags=[], visibility="private")) for p in papers],
    )
    assert isinstance(first, Note) and first.body == "new"
    assert isinstance(second, EditConflict) and second.head.pk == there.pk
    assert Note.objects.get(paper=papers[1], author=alice).body == "written meanwhile"

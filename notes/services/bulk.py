"""Many new notes at once, for imports: the rows ``services.note_create`` writes, in batches.

A library of thousands of entries would otherwise pay a dozen round trips to the database
per note (the note, its history row, each tag, its references, its search data, its
counts). Here each kind of row is written for the whole batch in one statement, and every
row is the one ``note_create`` would have written (``tests/test_bulk_notes.py`` compares
the two field by field, history included). Rendering still goes through
``services.render_note_body``, one text at a time, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import User
from notes.caching import public_counts
from notes.markup.rendering import Rendered, note_id_prefix
from notes.models import Note, NoteReference, Paper, TaggedNote
from notes.selectors import search
from notes.services import notifications
from notes.services.notes import (
    NOTE_NUMBER_RE,
    EditConflict,
    NoteContent,
    TooComplexToRender,
    note_create,
    render_note_body,
    reserve_id,
)


@dataclass(frozen=True)
class NewNote:
    paper: Paper
    content: NoteContent


def _reserve_ids(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [Note._meta.db_table, Note._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


Outcome = Note | TooComplexToRender | EditConflict


def notes_create(*, author: User, new: list[NewNote]) -> list[Outcome]:
    """``author``'s first notes on these papers, in the order given: each the note written,
    or what kept it out (nothing written for it): ``TooComplexToRender``, or the
    ``EditConflict`` with the note ``author`` has on that paper already.

    The caller has checked that ``author`` has no note on any of the papers. When one was
    written meanwhile (the one-note-per-paper rule breaks), the batch is written again one
    note at a time through ``note_create``.
    """
    if not new:
        return []
    ids = _reserve_ids(len(new)) if len(new) > 1 else [reserve_id(Note)]
    outcomes: list[Outcome] = []
    rendered: dict[int, Rendered] = {}
    for pk, item in zip(ids, new, strict=True):
        try:
            html = render_note_body(
                author=author, body=item.content.body, id_prefix=note_id_prefix(pk)
            )
        except TooComplexToRender as refused:
            outcomes.append(refused)
            continue
        note = _note(pk, item, html, author=author)
        rendered[pk] = html
        outcomes.append(note)
    notes = [n for n in outcomes if isinstance(n, Note)]
    try:
        with transaction.atomic():
            _write(notes, rendered, author=author)
    except IntegrityError:
        return [
            outcome if isinstance(outcome, TooComplexToRender) else _one(item, author=author)
            for outcome, item in zip(outcomes, new, strict=True)
        ]
    return outcomes


def _one(item: NewNote, *, author: User) -> Note | EditConflict:
    try:
        return note_create(paper=item.paper, author=author, content=item.content)
    except EditConflict as conflict:
        return conflict


def _note(pk: int, item: NewNote, rendered: Rendered, *, author: User) -> Note:
    # The fields services._apply sets on a new note.
    content = item.content
    note = Note(
        pk=pk,
        paper=item.paper,
        author=author,
        revision=0,
        body=content.body,
        body_html=rendered.html,
        body_text=rendered.text,
        body_size=len(content.body.encode()),
        tag_names=sorted(set(content.tags)),
        visibility=content.visibility,
        edit_message=content.edit_message,
        modified=timezone.now(),
    )
    note._history_user = author  # type: ignore[attr-defined]
    return note


def _write(notes: list[Note], rendered: dict[int, Rendered], *, author: User) -> None:
    if not notes:
        return
    # No change reason, as a saved note has none (NULL, not "").
    bulk_create_with_history(notes, Note, default_user=author, default_change_reason=None)
    _add_tags(notes)
    _add_references(notes, rendered)
    search.refresh(note_ids=[n.pk for n in notes])
    for note in notes:
        public_counts.record_change(frozenset(), public_counts.keys_of(note))
        notifications.note_saved(note, actor=author, previous_body=None, was_public=False)


def _add_tags(notes: list[Note]) -> None:
    """taggit's rows, as ``note.tags.set`` writes them: the vocabulary's tags found (case
    set aside, as the site's taggit settings say) or created once each."""
    names = sorted({name for note in notes for name in note.tag_names})
    if not names:
        return
    tags = notes[0].tags._to_tag_model_instances(names, {})
    by_name = {name.lower(): tag for name, tag in zip(names, tags, strict=True)}
    TaggedNote.objects.bulk_create(
        [
            TaggedNote(content_object=note, tag=by_name[name.lower()])
            for note in notes
            for name in note.tag_names
        ]
    )


def _add_references(notes: list[Note], rendered: dict[int, Rendered]) -> None:
    """What each text cites as ``{N}``, linked or not (``services._cited``), in one query
    for the batch. (Notes of one batch citing each other are linked as if each had been
    written before the others; imports renumber and link those afterwards.)"""
    written = {note.pk: note for note in notes}
    numbers: dict[int, set[int]] = {
        note.pk: {int(n) for n in NOTE_NUMBER_RE.findall(note.body)} - {note.pk} for note in notes
    }
    asked = set().union(*numbers.values())
    existing = (
        set(Note.objects.filter(pk__in=asked).values_list("pk", flat=True)) if asked else set()
    )
    rows = []
    for pk, cited in numbers.items():
        refs = rendered[pk].note_refs
        for target in sorted(((cited & existing) | refs) - {pk}):
            rows.append(NoteReference(source=written[pk], target_id=target, linked=target in refs))
    NoteReference.objects.bulk_create(rows)

"""Writes that touch several models: a note with its tags, references and history.

Every save of a note goes through here, so that rendering, tags, references and the
revision counter change together, in one transaction, and history is written by
``save()`` (django-simple-history records nothing for ``QuerySet.update()``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import User
from notes import counters, notifications, render_worker, search
from notes.models import Note, NoteReference, Paper
from notes.rendering import Rendered, RenderRefused, note_id_prefix


class EditConflict(Exception):
    """The note changed since the editor opened it; ``head`` is the current note."""

    def __init__(self, head: Note) -> None:
        super().__init__(f"note {head.pk} is at revision {head.revision}")
        self.head = head


@dataclass(frozen=True)
class NoteContent:
    body: str
    tags: list[str]
    visibility: str
    edit_message: str = ""


_NOTE_NUMBER_RE = re.compile(r"\{([1-9][0-9]{0,9})\}")


class TooComplexToRender(Exception):
    """The text could not be rendered within its budget; the caller keeps the text.

    ``message`` says so to the author: on the class, in general terms; on an instance, the
    renderer's own reason when it refused the text for a particular shape.
    """

    message = (
        "This text is too complex to render in reasonable time (for example thousands of "
        "unclosed brackets or very deep nesting). Simplify it or split it; nothing was saved."
    )

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason or self.message)
        if reason:
            self.message = reason


def render_note_body(*, author: User, body: str, id_prefix: str) -> Rendered:
    """Render a note's (or comment's) Markdown as ``author`` would publish it.

    ``{N}`` becomes a link only to notes the author may read, so a reference never
    reveals someone else's private note. ``id_prefix`` starts the ids the text brings
    (``rendering.note_id_prefix``, ``comment_id_prefix`` or ``PREVIEW_ID_PREFIX``). The
    render runs in the render child within the CPU budget of ``RENDER_CPU_SECONDS``;
    raises TooComplexToRender when it passes it or the renderer refuses the text.
    """
    numbers = {int(n) for n in _NOTE_NUMBER_RE.findall(body)}
    linkable = frozenset(
        Note.objects.visible_to(author).filter(pk__in=numbers).values_list("pk", flat=True)
        if numbers
        else ()
    )
    try:
        return render_worker.render(
            body,
            linkable=linkable,
            id_prefix=id_prefix,
            cpu_seconds=settings.RENDER_CPU_SECONDS,
            wall_seconds=settings.RENDER_WALL_SECONDS,
        )
    except render_worker.RenderTimeout as exc:
        raise TooComplexToRender from exc
    except RenderRefused as exc:
        raise TooComplexToRender(exc.message) from exc


def reserve_id(model: type[Model]) -> int:
    """The next id of ``model``'s table, taken from its sequence before the row exists, so
    that a text can be rendered with its own id prefix before it is saved. A reserved id
    that is never used is a gap in the sequence, as after a rolled-back insert."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s))",
            [model._meta.db_table, model._meta.pk.column],
        )
        return cursor.fetchone()[0]


def _apply(note: Note, content: NoteContent, rendered: Rendered, *, user: User) -> None:
    # A new note (its id reserved already) was not counted before.
    counted_before = frozenset() if note._state.adding else counters.keys_of(note)
    note.body = content.body
    note.body_html = rendered.html
    note.body_text = rendered.text
    note.body_size = len(content.body.encode())
    note.tag_names = sorted(set(content.tags))
    note.visibility = content.visibility
    note.edit_message = content.edit_message
    note.modified = timezone.now()
    note._history_user = user  # type: ignore[attr-defined]
    # A new note comes with its reserved id: an INSERT, without first trying an UPDATE.
    note.save(force_insert=note._state.adding)
    note.tags.set(note.tag_names, clear=False)
    # Only references from the current revision count as "referenced by".
    refs = rendered.note_refs - {note.pk}
    NoteReference.objects.filter(source=note).exclude(target_id__in=refs).delete()
    NoteReference.objects.bulk_create(
        [NoteReference(source=note, target_id=pk) for pk in refs], ignore_conflicts=True
    )
    search.refresh(note_ids=[note.pk])
    counters.record_change(counted_before, counters.keys_of(note))


@transaction.atomic
def paper_save(*, paper: Paper, user: User) -> Paper:
    """Save a paper's details; its notes' search data and sort keys follow."""
    paper._history_user = user  # type: ignore[attr-defined]
    paper.save()
    search.refresh(paper_id=paper.pk)
    return paper


# Rendering happens before the transaction: it can take a while for a long text and
# needs no lock. Raises TooComplexToRender before anything is written.


def note_create(*, paper: Paper, author: User, content: NoteContent) -> Note:
    pk = reserve_id(Note)
    rendered = render_note_body(author=author, body=content.body, id_prefix=note_id_prefix(pk))
    with transaction.atomic():
        note = Note(pk=pk, paper=paper, author=author, revision=0)
        _apply(note, content, rendered, user=author)
        notifications.note_saved(note, actor=author, previous_body=None, was_public=False)
    return note


def note_save(*, note: Note, user: User, content: NoteContent, base_revision: int) -> Note:
    """Save a new revision, unless someone saved since ``base_revision``.

    The row lock makes two saves from the same base take turns: the first wins, the
    second sees the new head and raises ``EditConflict`` instead of overwriting it.
    """
    rendered = render_note_body(
        author=note.author, body=content.body, id_prefix=note_id_prefix(note.pk)
    )
    with transaction.atomic():
        head = Note.objects.select_for_update().select_related("author", "paper").get(pk=note.pk)
        if head.revision != base_revision:
            raise EditConflict(head)
        _save_revision(head, content, rendered, user=user)
    return head


def note_revert(*, note: Note, user: User, revision: int) -> Note:
    """Make a new revision equal to an old one; nothing is overwritten."""
    old = note.history.get(revision=revision)
    content = NoteContent(
        body=old.body,
        tags=list(old.tag_names),
        visibility=old.visibility,
        edit_message=f"Reverted to revision {revision}",
    )
    rendered = render_note_body(
        author=note.author, body=content.body, id_prefix=note_id_prefix(note.pk)
    )
    with transaction.atomic():
        head = Note.objects.select_for_update().select_related("author", "paper").get(pk=note.pk)
        _save_revision(head, content, rendered, user=user)
    return head


def _save_revision(head: Note, content: NoteContent, rendered: Rendered, *, user: User) -> None:
    previous_body, was_public = head.body, head.is_public
    head.revision += 1
    _apply(head, content, rendered, user=user)
    notifications.note_saved(head, actor=user, previous_body=previous_body, was_public=was_public)


def relink_references_to(*, target: Note) -> int:
    """Render again the current text of the notes that refer to ``target``; their number.

    Called when moderators hide or restore ``target``: ``{N}`` is a link only while the
    referring note's author may read N, so hiding turns the link into plain text (as for
    a private note) and restoring brings it back. Same text, same revision: the stored
    HTML follows the target's state, so no history row is written (an UPDATE). The
    reference rows stay, so a restore finds the notes again.
    """
    sources = list(
        Note.objects.filter(references__target=target)
        .exclude(pk=target.pk)
        .select_related("author")
    )
    for source in sources:
        try:
            rendered = render_note_body(
                author=source.author, body=source.body, id_prefix=note_id_prefix(source.pk)
            )
        except TooComplexToRender:
            # A text saved before the renderer refused its shape: it keeps the HTML it has
            # (rerender lists it) rather than failing the moderator's action.
            continue
        Note.objects.filter(pk=source.pk).update(body_html=rendered.html, body_text=rendered.text)
    return len(sources)


def save_state(instance: Model, fields: list[str]) -> None:
    """Save state that is not a version of the text (trash, take-downs, moderation):
    these ``fields`` only, and no history row."""
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        instance.save(update_fields=fields)
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]


@transaction.atomic
def _set_trash(note: Note, deleted_at: object) -> Note:
    # The stored counts need the note's state as it is in the database, not as it was read.
    head = (
        Note.objects.select_for_update()
        .only("visibility", "tag_names", "deleted_at", "hidden_at")
        .get(pk=note.pk)
    )
    counted_before = counters.keys_of(head)
    head.deleted_at = deleted_at
    note.deleted_at = deleted_at
    save_state(note, ["deleted_at"])
    counters.record_change(counted_before, counters.keys_of(head))
    return note


def note_trash(*, note: Note) -> Note:
    return _set_trash(note, timezone.now())


def note_restore(*, note: Note) -> Note:
    return _set_trash(note, None)

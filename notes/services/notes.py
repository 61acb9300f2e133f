"""Writes of notes: a note with its tags, references and history.

Every save of a note goes through here, so that rendering, tags, references and the
revision number change together, in one transaction, and history is written by
``save()`` (django-simple-history records nothing for ``QuerySet.update()``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from notes import wording
from notes.caching import public_counts
from notes.markup import render_worker
from notes.markup.rendering import Rendered, RenderRefused, comment_id_prefix, note_id_prefix
from notes.models import Comment, CommentReference, Note, NoteReference, Paper
from notes.selectors import search
from notes.services import notifications
from notes.wording import Said, ngettext_noop
from papernotes import metrics, queue
from papernotes.db import retrying


class EditConflict(Exception):
    """The note changed since the editor opened it (or was written from another tab while
    this one wrote it first); ``head`` is the current note."""

    def __init__(self, head: Note) -> None:
        super().__init__(f"note {head.pk} is at revision {head.revision}")
        self.head = head


@dataclass(frozen=True)
class NoteContent:
    body: str
    tags: list[str]
    visibility: str
    edit_message: str = ""


# A note's number as texts cite it, ``{N}`` (group 1 is N): the same numbers the renderer
# links (``notes.markup.rendering``), found anywhere in the text, in code and math as well.
# Whoever records what a text cites reads them with this.
NOTE_NUMBER_RE = re.compile(r"\{([1-9][0-9]{0,9})\}")

logger = logging.getLogger(__name__)


class TooComplexToRender(Exception):
    """The text could not be rendered within its budget; the caller keeps the text.

    ``message`` says so to the author, in the language active where it is read: in general
    terms, or, when the renderer refused the text for a particular shape, what to change.
    ``said`` is the same kept as a message id and parameters, for a job to store.
    """

    GENERAL = gettext_noop(
        "This text is too complex to render in reasonable time (for example thousands of "
        "unclosed brackets or very deep nesting). Simplify it or split it; nothing was saved."
    )

    def __init__(self, said: Said | str | None = None) -> None:
        self.said: Said | str = said or wording.said(self.GENERAL)
        super().__init__(wording.words(self.said))

    @property
    def message(self) -> str:
        return wording.words(self.said)

    @classmethod
    def refused(cls, refusal: RenderRefused) -> TooComplexToRender:
        """The renderer's refusal (its limit's code and numbers) as the author is told it;
        a refusal without a known code keeps the renderer's English words."""
        if refusal.code in _REFUSAL_COUNTED:
            forms, count = _REFUSAL_COUNTED[refusal.code]
            return cls(wording.said_counted(forms, count, **refusal.params))
        if refusal.code in _REFUSAL_WORDS:
            return cls(wording.said(_REFUSAL_WORDS[refusal.code], **refusal.params))
        return cls(refusal.message)


# The renderer's refusals (notes.markup.bounded_markdown, render_worker) by their code.
_REFUSAL_WORDS: dict[str, str] = {
    "block_work": gettext_noop(
        "This text has long runs of lines without a blank line between them (around "
        "%(excerpt)s), which Markdown takes apart line by line and which would take too long "
        "to render. Put blank lines between its headings, paragraphs and lists."
    ),
    "inline_work": gettext_noop(
        "A paragraph of this text holds so many links, formulas, marks or backslashes that it "
        "would take too long to render (the longest starts %(excerpt)s). Break it up with blank "
        "lines."
    ),
    "memory": gettext_noop("This text needs more memory to render than a note may use."),
}
# Those with a count: the singular and plural forms, and which parameter is the count.
_REFUSAL_COUNTED: dict[str, tuple[tuple[str, str], str]] = {
    "formulas": (
        ngettext_noop(
            "This text has more than %(most)d formula; split it into several notes.",
            "This text has more than %(most)d formulas; split it into several notes.",
        ),
        "most",
    ),
    "elements": (
        ngettext_noop(
            "This text would make more than %(most)d HTML element (headings, list items, "
            "links, formulas, emphasis…), more than a note may have. Split it into several "
            "notes.",
            "This text would make more than %(most)d HTML elements (headings, list items, "
            "links, formulas, emphasis…), more than a note may have. Split it into several "
            "notes.",
        ),
        "most",
    ),
    "raw_html_depth": (
        ngettext_noop(
            "The raw HTML in this text nests more than %(most)d element deep; close the tags "
            "it opens.",
            "The raw HTML in this text nests more than %(most)d elements deep; close the tags "
            "it opens.",
        ),
        "most",
    ),
    "code_fences": (
        ngettext_noop(
            "This text has %(fences)d code fence line (``` or ~~~); the most a note may have "
            "is %(most)d. Split it into several notes.",
            "This text has %(fences)d code fence lines (``` or ~~~); the most a note may have "
            "is %(most)d. Split it into several notes.",
        ),
        "fences",
    ),
}


def render_note_body(*, author: User, body: str, id_prefix: str) -> Rendered:
    """Render a note's (or comment's) Markdown as ``author`` would publish it.

    ``{N}`` becomes a link only to notes the author may read, so a reference never
    reveals someone else's private note. ``id_prefix`` starts the ids the text brings
    (``rendering.note_id_prefix``, ``comment_id_prefix`` or ``PREVIEW_ID_PREFIX``). The
    render runs in the render child within the CPU budget of ``RENDER_CPU_SECONDS``;
    raises TooComplexToRender when it passes it or the renderer refuses the text.
    """
    numbers = {int(n) for n in NOTE_NUMBER_RE.findall(body)}
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
            macros=settings.SITE_MACROS,
            note_href=note_href,
        )
    except render_worker.RenderTimeout as exc:
        metrics.render_timeout()
        raise TooComplexToRender from exc
    except RenderRefused as exc:
        raise TooComplexToRender.refused(exc) from exc


def note_href(number: int) -> str:
    """The address a text's ``{N}`` links to: note N's page (``notes:note``), as a path from
    the site's root. Stored HTML is shown to every request, so it never carries the script
    prefix of the request (or job) that happened to render it."""
    return "/" + reverse("notes:note", args=[number]).removeprefix(get_script_prefix())


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
    counted_before = frozenset() if note._state.adding else public_counts.keys_of(note)
    # The tag vocabulary's rows are written only when the tags change (a new note's always).
    tags_before = None if note._state.adding else list(note.tag_names)
    note.body = content.body
    note.body_html = rendered.html
    note.body_text = rendered.text
    note.body_size = len(content.body.encode())
    note.tag_names = sorted(set(content.tags))
    note.visibility = content.visibility
    note.edit_message = content.edit_message
    note.modified = timezone.now()
    note._history_user = user  # type: ignore[attr-defined]
    search.set_search_data(note)
    # A new note comes with its reserved id: an INSERT, without first trying an UPDATE.
    note.save(force_insert=note._state.adding)
    if note.tag_names != tags_before:
        note.tags.set(note.tag_names, clear=False)
    _set_note_references(note, rendered)
    public_counts.record_change(counted_before, public_counts.keys_of(note))


# Locks, in the one order every writer takes them: a paper's row, then note rows (by id when
# there are several), then the rows they point to (only the "key share" locks of foreign-key
# checks, at commit). The public counts and generation come last of all, at commit (see
# notes.caching.generations). A note is locked FOR NO KEY UPDATE and only its own row: that is
# enough to make two saves take turns, and it leaves alone the author's and paper's rows and
# the key-share locks of rows that refer to the note (comments, votes, references).
# Each write runs through ``retrying``, which runs it again when PostgreSQL still breaks a
# deadlock by failing it.


def locked_note(pk: int) -> Note:
    """Note ``pk`` read afresh with its author and paper (not its search documents, which
    a save replaces), its row locked (FOR NO KEY UPDATE, in the order above) until the
    transaction ends: call it inside one (``retrying``). Every writer of a note's text takes
    this lock, so two of them take turns; raises ``Note.DoesNotExist`` when there is no such
    note."""
    return (
        Note.objects.select_for_update(no_key=True, of=("self",))
        .select_related("author", "paper")
        .without_search_data()
        .get(pk=pk)
    )


def note_create(*, paper: Paper, author: User, content: NoteContent) -> Note:
    """Write ``author``'s first note on ``paper``.

    Raises ``EditConflict`` with the note that exists when the author already has one (two
    tabs saving their first text at once): nothing is overwritten, and the caller gives the
    text back.
    """
    pk = reserve_id(Note)
    rendered = render_note_body(author=author, body=content.body, id_prefix=note_id_prefix(pk))

    def create() -> Note:
        note = Note(pk=pk, paper=paper, author=author, revision=0)
        _apply(note, content, rendered, user=author)
        notifications.note_saved(note, actor=author, previous_body=None, was_public=False)
        return note

    try:
        return retrying(create)
    except IntegrityError as exc:
        raise _conflict_or_raise(exc, paper=paper, author=author) from exc


def _conflict_or_raise(exc: IntegrityError, *, paper: Paper, author: User) -> EditConflict:
    """The conflict with the note ``author`` has on ``paper`` when ``exc`` broke the
    one-note-per-paper rule; any other integrity error is raised as it is."""
    if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) != (
        "notes_one_note_per_paper"
    ):
        raise exc
    return EditConflict(
        Note.objects.select_related("author", "paper").get(paper=paper, author=author)
    )


def note_save(*, note: Note, user: User, content: NoteContent, base_revision: int) -> Note:
    """Save a new revision, unless someone saved since ``base_revision``.

    The row lock makes two saves from the same base take turns: the first wins, the
    second sees the new head and raises ``EditConflict`` instead of overwriting it.
    """
    rendered = render_note_body(
        author=note.author, body=content.body, id_prefix=note_id_prefix(note.pk)
    )

    def save() -> Note:
        head = locked_note(note.pk)
        if head.revision != base_revision:
            raise EditConflict(head)
        save_revision(head, content, rendered, user=user)
        return head

    return retrying(save)


def note_revert(*, note: Note, user: User, revision: int) -> Note:
    """Make a new revision equal to an old one; nothing is overwritten."""
    old = note.revisions().get(revision=revision)
    content = NoteContent(
        body=old.body,
        tags=list(old.tag_names),
        visibility=old.visibility,
        edit_message=f"Reverted to revision {revision}",
    )
    rendered = render_note_body(
        author=note.author, body=content.body, id_prefix=note_id_prefix(note.pk)
    )

    def save() -> Note:
        head = locked_note(note.pk)
        save_revision(head, content, rendered, user=user)
        return head

    return retrying(save)


def save_revision(head: Note, content: NoteContent, rendered: Rendered, *, user: User) -> None:
    """Write ``content``, rendered as ``rendered``, as ``head``'s next revision, by ``user``.

    ``head`` comes from ``locked_note`` in the same transaction. The revision number, text,
    tags, references, search data, public counts and history change together; whom the
    revision concerns is told (``notifications.note_saved``), and when the note became public
    or stopped being so, what cites it is rendered again after the commit
    (``relink_after_commit``).
    """
    previous_body, was_public = head.body, head.is_public
    head.revision += 1
    _apply(head, content, rendered, user=user)
    notifications.note_saved(head, actor=user, previous_body=previous_body, was_public=was_public)
    if head.is_public != was_public:
        relink_after_commit(head)


def _cited(body: str, rendered: Rendered, *, source: int | None = None) -> set[int]:
    """The existing notes ``body`` cites as ``{N}`` (linked or not), ``source`` left out."""
    left_out = {source} if source is not None else set()
    numbers = {int(n) for n in NOTE_NUMBER_RE.findall(body)} - rendered.note_refs - left_out
    found = set(Note.objects.filter(pk__in=numbers).values_list("pk", flat=True))
    return (found | rendered.note_refs) - left_out


def _set_note_references(note: Note, rendered: Rendered) -> None:
    """Keep ``note``'s reference rows equal to what its current text cites and links."""
    cited = _cited(note.body, rendered, source=note.pk)
    NoteReference.objects.filter(source=note).exclude(target_id__in=cited).delete()
    NoteReference.objects.bulk_create(
        [NoteReference(source=note, target_id=pk, linked=pk in rendered.note_refs) for pk in cited],
        update_conflicts=True,
        update_fields=["linked"],
        unique_fields=["source", "target"],
    )


def set_comment_references(*, comment: Comment, rendered: Rendered) -> None:
    """Keep ``comment``'s reference rows equal to what its current text cites."""
    cited = _cited(comment.body, rendered)
    CommentReference.objects.filter(comment=comment).exclude(target_id__in=cited).delete()
    CommentReference.objects.bulk_create(
        [CommentReference(comment=comment, target_id=pk) for pk in cited], ignore_conflicts=True
    )


def relink_after_commit(target: Note) -> None:
    """Once the change of who may read ``target`` is committed, render again what cites it.

    A job queued in the writing transaction (``papernotes.jobs.relink_references``): it
    runs after the commit, so the texts are rendered as their authors may read ``target``
    from then on, outside the request and without holding its locks; it is retried when it
    fails, and it never undoes the change itself.
    """
    queue.defer("relink_references", target_id=target.pk)


def relink_references_to(*, target: Note) -> int:
    """Render again the current text of the notes and comments that cite ``target``; how
    many changed.

    Called when ``target``'s visibility, trash or hidden state changes: ``{N}`` is a link
    only while the citing text's author may read N, so making N private, trashing or
    hiding it turns the links into plain text, and publishing or restoring it brings them
    back. Same text, same revision: the stored HTML follows the target's state, so no
    history row is written (an UPDATE), and a text saved meanwhile (a new revision, an
    edit) is left as its own save rendered it. The reference rows stay, so the next change
    finds the texts again.
    """
    changed = 0
    notes = (
        Note.objects.filter(references__target=target)
        .exclude(pk=target.pk)
        .select_related("author")
        .only("body", "revision", "author")
    )
    for source in notes:
        rendered = _rendered_again(
            source.author,
            source.body,
            id_prefix=note_id_prefix(source.pk),
            what=f"note {source.pk}",
        )
        if rendered is None:
            continue
        with transaction.atomic():
            if Note.objects.filter(pk=source.pk, revision=source.revision).update(
                body_html=rendered.html, body_text=rendered.text
            ):
                _set_note_references(source, rendered)
                changed += 1
    comments = (
        Comment.objects.filter(references__target=target, deleted_at__isnull=True)
        .select_related("author")
        .only("body", "author")
    )
    for comment in comments:
        rendered = _rendered_again(
            comment.author,
            comment.body,
            id_prefix=comment_id_prefix(comment.pk),
            what=f"comment {comment.pk}",
        )
        if rendered is not None:
            changed += Comment.objects.filter(pk=comment.pk, body=comment.body).update(
                body_html=rendered.html, body_text=rendered.text
            )
    return changed


def _rendered_again(author: User, body: str, *, id_prefix: str, what: str) -> Rendered | None:
    try:
        return render_note_body(author=author, body=body, id_prefix=id_prefix)
    except TooComplexToRender:
        # It rendered when it was saved; keep the stored HTML rather than lose the text.
        logger.warning("Could not render %s again for its references; left as it was.", what)
        return None


def save_state(instance: Model, fields: list[str]) -> None:
    """Save state that is not a version of the text (trash, take-downs, moderation):
    these ``fields`` only, and no history row."""
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        instance.save(update_fields=fields)
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]


def _set_trash(note: Note, deleted_at: object) -> Note:
    def save() -> Note:
        # The stored counts need the note's state as it is in the database, not as it was
        # read.
        head = (
            Note.objects.select_for_update(no_key=True)
            .only("visibility", "tag_names", "deleted_at", "hidden_at")
            .get(pk=note.pk)
        )
        counted_before = public_counts.keys_of(head)
        in_trash_before = head.deleted_at is not None
        head.deleted_at = deleted_at
        note.deleted_at = deleted_at
        save_state(note, ["deleted_at"])
        public_counts.record_change(counted_before, public_counts.keys_of(head))
        if head.in_trash != in_trash_before:
            relink_after_commit(note)
        return note

    return retrying(save)


def note_trash(*, note: Note) -> Note:
    return _set_trash(note, timezone.now())


def note_restore(*, note: Note) -> Note:
    return _set_trash(note, None)


# ------------------------------------------------- papers from sources, imports (exchange)


@dataclass(frozen=True)
class ImportedRevision:
    """One revision of a note from an archive: its content and when it was written."""

    content: NoteContent
    date: object  # an aware datetime


def note_import(
    *, pk: int, paper: Paper, author: User, revisions: list[ImportedRevision], reason: str
) -> Note:
    """Write a note with its whole history from an archive, as ``author``'s: revision 0
    to the last, each with its own date and edit message; ``reason`` (where it came from,
    who wrote it) is recorded with every revision. ``pk`` was reserved (``reserve_id``)
    so that references between imported notes could be renumbered first.

    Raises TooComplexToRender before anything is written; ``EditConflict`` when the author
    has a note on ``paper`` already.
    """
    rendered = [
        render_note_body(author=author, body=r.content.body, id_prefix=note_id_prefix(pk))
        for r in revisions
    ]

    def create() -> Note:
        note = Note(pk=pk, paper=paper, author=author, revision=0)
        for number, (revision, html) in enumerate(zip(revisions, rendered, strict=True)):
            note.revision = number
            note._history_date = revision.date  # type: ignore[attr-defined]
            note._change_reason = reason  # type: ignore[attr-defined]
            _apply(note, revision.content, html, user=author)
        note.created, note.modified = revisions[0].date, revisions[-1].date
        save_state(note, ["created", "modified"])
        return note

    try:
        return retrying(create)
    except IntegrityError as exc:
        raise _conflict_or_raise(exc, paper=paper, author=author) from exc


def note_render_again(*, note: Note) -> bool:
    """Render ``note``'s current text again (same revision, no history row), for links to
    notes that did not exist when it was saved; whether it changed."""
    rendered = _rendered_again(
        note.author, note.body, id_prefix=note_id_prefix(note.pk), what=f"note {note.pk}"
    )
    if rendered is None:
        return False
    with transaction.atomic():
        if Note.objects.filter(pk=note.pk, revision=note.revision).update(
            body_html=rendered.html, body_text=rendered.text
        ):
            _set_note_references(note, rendered)
            return True
    return False

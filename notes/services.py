"""Writes that touch several models: a note with its tags, references and history.

Every save of a note goes through here, so that rendering, tags, references and the
revision counter change together, in one transaction, and history is written by
``save()`` (django-simple-history records nothing for ``QuerySet.update()``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import User
from notes import follows, notifications, public_counts, render_worker, search
from notes.models import Comment, CommentReference, Note, NoteReference, Paper
from notes.rendering import Rendered, RenderRefused, comment_id_prefix, note_id_prefix
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


_NOTE_NUMBER_RE = re.compile(r"\{([1-9][0-9]{0,9})\}")

logger = logging.getLogger(__name__)


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
            macros=settings.SITE_MACROS,
        )
    except render_worker.RenderTimeout as exc:
        metrics.render_timeout()
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
    counted_before = frozenset() if note._state.adding else public_counts.keys_of(note)
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
    _set_note_references(note, rendered)
    search.refresh(note_ids=[note.pk])
    public_counts.record_change(counted_before, public_counts.keys_of(note))


# Locks, in the one order every writer takes them: a paper's row, then note rows (by id when
# there are several), then the rows they point to (only the "key share" locks of foreign-key
# checks, at commit). The public counts and generation come last of all, at commit (see
# notes.generations). A note is locked FOR NO KEY UPDATE and only its own row: that is
# enough to make two saves take turns, and it leaves alone the author's and paper's rows and
# the key-share locks of rows that refer to the note (comments, votes, references).
# Each write runs through ``retrying``, which runs it again when PostgreSQL still breaks a
# deadlock by failing it.


def _locked_note(pk: int) -> Note:
    return (
        Note.objects.select_for_update(no_key=True, of=("self",))
        .select_related("author", "paper")
        .get(pk=pk)
    )


IDENTIFIER_FIELDS = ("doi", "arxiv_id", "pmid")


class PaperExists(Exception):
    """Another paper carries one of this paper's identifiers: ``paper`` is that one, and
    ``fields`` the identifiers the two share."""

    def __init__(self, paper: Paper, fields: list[str]) -> None:
        super().__init__(f"paper {paper.pk} has the same {', '.join(fields)}")
        self.paper = paper
        self.fields = fields


def _same_identifiers(paper: Paper) -> PaperExists | None:
    found = Paper.objects.by_identifier(
        doi=paper.doi or "", arxiv_id=paper.arxiv_id or "", pmid=paper.pmid or ""
    )
    if found is None or found.pk == paper.pk:
        return None
    shared = [
        f for f in IDENTIFIER_FIELDS if getattr(paper, f) and getattr(paper, f) == getattr(found, f)
    ]
    return PaperExists(found, shared)


def paper_add(*, paper: Paper, user: User) -> Paper:
    """Add ``paper``, created by ``user``, unless a paper with any of its identifiers is
    here already: then raises ``PaperExists`` with it, whether it was found first or added
    by someone else while this one was being written."""
    if clash := _same_identifiers(paper):
        raise clash
    paper.created_by = user
    paper._history_user = user  # type: ignore[attr-defined]

    def add() -> Paper:
        # Inserted afresh on every attempt (an attempt rolled back leaves its id).
        paper.pk, paper._state.adding = None, True
        paper.save()
        return paper

    try:
        return retrying(add)
    except IntegrityError:
        if clash := _same_identifiers(paper):
            raise clash from None
        raise


def paper_save(*, paper: Paper, user: User) -> Paper:
    """Save a paper's details; its notes' search data and sort keys follow. Raises
    ``PaperExists`` when another paper has one of the identifiers it is given."""
    if clash := _same_identifiers(paper):
        raise clash

    def save() -> Paper:
        paper._history_user = user  # type: ignore[attr-defined]
        paper.save()
        # The notes in id order, so that two writers of several notes never wait in a ring.
        note_ids = list(
            Note.objects.filter(paper_id=paper.pk)
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )
        if note_ids:
            search.refresh(note_ids=note_ids)
        return paper

    try:
        return retrying(save)
    except IntegrityError:
        # Another writer gave the same identifier to another paper meanwhile.
        if clash := _same_identifiers(paper):
            raise clash from None
        raise


# Rendering happens before the transaction: it can take a while for a long text and
# needs no lock. Raises TooComplexToRender before anything is written.


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
        head = _locked_note(note.pk)
        if head.revision != base_revision:
            raise EditConflict(head)
        _save_revision(head, content, rendered, user=user)
        return head

    return retrying(save)


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

    def save() -> Note:
        head = _locked_note(note.pk)
        _save_revision(head, content, rendered, user=user)
        return head

    return retrying(save)


def _save_revision(head: Note, content: NoteContent, rendered: Rendered, *, user: User) -> None:
    previous_body, was_public = head.body, head.is_public
    head.revision += 1
    _apply(head, content, rendered, user=user)
    notifications.note_saved(head, actor=user, previous_body=previous_body, was_public=was_public)
    if head.is_public != was_public:
        relink_after_commit(head)


@dataclass
class TagsRenamed:
    """What ``tags_rename`` did: the notes given a new revision, and those left as they
    were because their text could not be rendered again within its budget."""

    notes: int = 0
    not_rendered: list[int] = field(default_factory=list)


def tags_rename(*, names: Iterable[str], to: str, user: User) -> TagsRenamed:
    """Rename the tags ``names`` to ``to`` in every note that carries one of them; several
    names, or a ``to`` that exists already, make a merge.

    The notes are found through taggit's rows (the tag vocabulary). Each changes by a new
    revision written by ``user`` (counts, search data and history follow, as for any save),
    one note per transaction, so that a long rename holds no lock on many notes at once;
    running it again finishes what an interrupted run left. Follows of an old name move to
    ``to``, and an old name no note carries any more leaves the vocabulary.
    """
    from taggit.models import Tag

    old = set(names) - {to}
    done = TagsRenamed()
    message = f"Tags renamed: {', '.join(sorted(old))} → {to}"
    note_ids = Note.objects.filter(tags__name__in=old).order_by("pk").values_list("pk", flat=True)
    for pk in list(dict.fromkeys(note_ids)):
        while True:
            note = Note.objects.select_related("author").get(pk=pk)
            if not old & set(note.tag_names):
                break
            try:
                rendered = render_note_body(
                    author=note.author, body=note.body, id_prefix=note_id_prefix(pk)
                )
            except TooComplexToRender:
                done.not_rendered.append(pk)
                break

            def save(read: Note = note, rendered: Rendered = rendered) -> bool:
                head = _locked_note(read.pk)
                if head.revision != read.revision:
                    return False  # saved meanwhile: read it again
                content = NoteContent(
                    body=head.body,
                    tags=sorted((set(head.tag_names) - old) | {to}),
                    visibility=head.visibility,
                    edit_message=message,
                )
                _save_revision(head, content, rendered, user=user)
                return True

            if retrying(save):
                done.notes += 1
                break
    follows.tags_renamed(old=old, to=to)
    Tag.objects.filter(name__in=old, notes_taggednote_items__isnull=True).delete()
    return done


def _cited(body: str, rendered: Rendered, *, source: int | None = None) -> set[int]:
    """The existing notes ``body`` cites as ``{N}`` (linked or not), ``source`` left out."""
    left_out = {source} if source is not None else set()
    numbers = {int(n) for n in _NOTE_NUMBER_RE.findall(body)} - rendered.note_refs - left_out
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

PAPER_DETAIL_FIELDS = ("title", "authors", "year", "venue", "abstract", "url")
PAPER_IDENTIFIER_FIELDS = IDENTIFIER_FIELDS


def paper_refresh(*, paper: Paper, details: dict[str, object], user: User) -> list[str]:
    """Update ``paper`` with what its source says now, as a new revision of its details;
    the names of the fields that changed (nothing is saved when none did).

    Details the source leaves empty keep what the paper has; an identifier is added only
    where the paper has none and no other paper holds it.
    """
    changed = []
    for name in PAPER_DETAIL_FIELDS:
        value = details.get(name)
        if value not in (None, "") and getattr(paper, name) != value:
            setattr(paper, name, value)
            changed.append(name)
    for name in PAPER_IDENTIFIER_FIELDS:
        value = details.get(name)
        if (
            value
            and not getattr(paper, name)
            and not Paper.objects.filter(**{name: value}).exclude(pk=paper.pk).exists()
        ):
            setattr(paper, name, value)
            changed.append(name)
    if changed:
        paper._change_reason = "Refreshed from source"  # type: ignore[attr-defined]
        paper_save(paper=paper, user=user)
    return changed


def paper_find_or_create(*, fields: dict[str, object], user: User) -> tuple[Paper, bool]:
    """The paper with any of these identifiers, else a new one; and whether it is new.

    For imports: ``fields`` are the paper's details and identifiers, already normalised and
    within the model's sizes; what they leave out is empty. ``paper_add_or_find`` does the
    rest.
    """
    details = {f: fields.get(f) or "" for f in PAPER_DETAIL_FIELDS if f != "year"}
    identifiers = {f: fields.get(f) for f in PAPER_IDENTIFIER_FIELDS}
    return paper_add_or_find(
        user=user, fields={**details, "year": fields.get("year"), **identifiers}
    )


def papers_create(*, fields: list[dict[str, object]], user: User) -> list[tuple[Paper, bool]]:
    """Many new papers at once (an import), with their first history rows; each with
    whether it is new. ``fields`` are normalised and within the model's sizes, and carry no
    identifier another paper has. When someone added one of them meanwhile (a unique
    identifier clashes), they are taken one by one, the clashing ones matched instead."""
    from simple_history.utils import bulk_create_with_history

    if not fields:
        return []
    papers = [
        Paper(
            created_by=user,
            **{f: row.get(f) or "" for f in PAPER_DETAIL_FIELDS if f != "year"},
            year=row.get("year"),
            **{f: (row.get(f) or None) for f in PAPER_IDENTIFIER_FIELDS},
        )
        for row in fields
    ]
    try:
        with transaction.atomic():
            created = bulk_create_with_history(papers, Paper, default_user=user)
    except IntegrityError:
        return [paper_find_or_create(fields=row, user=user) for row in fields]
    return [(paper, True) for paper in created]


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


# ---------------------------------------------------------------------- papers, and doors
# The writes below are the ones every door (the pages, the API) uses; those that live in a
# module of their own are reached through here, so that a caller needs only this module.


def note_tags(text: str) -> list[str]:
    """Tags as the editor reads them (space or comma separated, ``#`` and case dropped),
    sorted; raises ``ValueError`` saying which are not tags, or that there are too many."""
    from django.core.exceptions import ValidationError

    from notes.tag_rules import checked_tags

    try:
        return checked_tags(text)
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from exc


def normalized_identifier(name: str, value: str) -> str:
    """A paper identifier (``doi``, ``arxiv_id`` or ``pmid``) in its stored form; raises
    ``ValueError`` with a message fit to show when it is not one."""
    from notes import identifiers

    normalize = {
        "doi": identifiers.normalize_doi,
        "arxiv_id": identifiers.normalize_arxiv_id,
        "pmid": identifiers.normalize_pmid,
    }[name]
    return normalize(value)


def paper_add_or_find(*, user: User, fields: dict[str, object]) -> tuple[Paper, bool]:
    """Add a paper with ``fields`` (identifiers already normalised), or find the one that
    already carries any of its identifiers; returns it and whether it was added."""
    identifiers = {name: fields.get(name) or None for name in IDENTIFIER_FIELDS}
    try:
        return paper_add(paper=Paper(**{**fields, **identifiers}), user=user), True
    except PaperExists as exists:
        return exists.paper, False


class WriteRefused(Exception):
    """A write refused for a reason to tell its author (``message``); ``retry_after``: in
    how many seconds it may be tried again, when waiting helps."""

    def __init__(self, message: str, *, retry_after: int | None = None, status: int = 429) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        # With ``retry_after``: 429 (too many), or 503 (cannot be counted just now).
        self.status = status


def comment_post(*, note: Note, author: User, body: str, parent: Comment | None = None) -> Comment:
    """``notes.comments.comment_post``; its refusals as ``WriteRefused``."""
    from notes import comments

    try:
        return comments.comment_post(note=note, author=author, body=body, parent=parent)
    except comments.RateLimited as exc:
        raise WriteRefused(exc.message, retry_after=exc.seconds, status=exc.status) from exc
    except comments.ReplyNotAllowed as exc:
        raise WriteRefused(exc.message) from exc


def comment_edit(*, comment: Comment, user: User, body: str) -> Comment:
    from notes import comments

    return comments.comment_edit(comment=comment, user=user, body=body)


def comment_delete(*, comment: Comment) -> Comment:
    from notes import comments

    return comments.comment_delete(comment=comment)


def comment_remove(*, comment: Comment, user: User) -> Comment:
    from notes import comments

    return comments.comment_remove(comment=comment, user=user)


def note_vote(*, note: Note, user: User, vote: bool) -> int:
    from notes import reactions

    return reactions.note_vote(note=note, user=user, vote=vote)


def paper_rate(*, paper: Paper, user: User, stars: int | None) -> object:
    from notes import reactions

    return reactions.paper_rate(paper=paper, user=user, stars=stars)


def follow(*, follower: User, **target: object) -> object:
    """``notes.follows.follow``; its refusals as ``WriteRefused``."""
    from notes import follows

    try:
        return follows.follow(follower=follower, **target)  # type: ignore[arg-type]
    except follows.CannotFollow as exc:
        raise WriteRefused(exc.message) from exc


def unfollow(*, follower: User, **target: object) -> None:
    from notes import follows

    follows.unfollow(follower=follower, **target)  # type: ignore[arg-type]


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    return notifications.mark_read(user=user, ids=ids)

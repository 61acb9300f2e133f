"""Who may read what: the one statement of the rule, in every form the code needs.

Notes
    A note is readable by a reader when it is out of the trash and either public and not
    hidden by moderators, or the reader's own. Nobody has an exception: staff read other
    people's private notes no more than anyone else. The author also reaches their own
    note while it is in the trash, to restore it (``note_reachable``), but it is listed,
    counted and linked for nobody.

    The rule comes as a ``Q`` for querysets (``notes_q``, with a prefix for a related
    model), as a SQL condition for hand-written statements (``notes_sql``), and as a
    predicate for a note in hand (``note_readable``). What anonymous readers may read is
    the *public* state (``public_q``, ``public_sql``, ``is_public_now``): the stored counts
    and the shared caches are made of it.

Comments
    A comment's text is readable when its note's page is (``note_reachable``: the thread
    shows there), it is not deleted, and it is not hidden by moderators unless the reader
    wrote it (``comment_readable``, ``comments_q``). In a thread, a hidden comment is shown
    only to its author (``comment_hidden_from``).

Revisions
    A past revision is readable by others only if it was public when it was written: its
    own history row's visibility, not the note's current one (``revisions_q``,
    ``revision_readable``). The author reads every revision of their note; others first
    need to be able to read the note itself.

Papers
    A paper's page is reachable by anyone who knows its address or identifier; what is
    private is who reads it. A paper is *listed* for a reader (``/papers/``, "did you
    mean") only if it has a note that reader may read, or the reader added it
    (``papers_listed_q``); staff follow the same rule. The paper's details history names
    who made a change only to readers who may read a note by that person on the paper, and
    to that person (``paper_change_named``); everyone else reads "someone".

Moderation
    Staff act on flagged or hidden notes and comments they may read when moderation is set
    aside (``ignoring_moderation``): a note its author has made private or trashed since it
    was flagged, or a deleted comment, is theirs no more than anyone else's.

Notifications
    Notifications about a note or comment that moderators hid are not listed, except a
    hidden note's own author's (``notification_hidden_q``). The others always are, but
    say what they are about (the note's title, the comment's excerpt) only while their
    recipient may open it (``notification_note_readable``, ``notification_excerpt``); else a
    neutral line ("a note you can no longer see").

The SQL forms are conditions on a notes table alias, with the public value written in
(a constant) and the reader's id as the one parameter (NULL for an anonymous reader), so a
statement that uses them stays the same text for every reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import BooleanField, Exists, OuterRef, Q, Value
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from notes.models import Comment, Note, Notification


PUBLIC = "public"


class Reader(Protocol):
    """A user or an anonymous visitor, as requests carry them."""

    pk: Any
    is_authenticated: bool


def reader_id(reader: Reader | None) -> int | None:
    """The reader's id, or ``None`` for an anonymous visitor."""
    if reader is None or not reader.is_authenticated:
        return None
    return reader.pk


# ------------------------------------------------------------------------------- notes


def public_q(prefix: str = "") -> Q:
    """Notes anyone may read: public, out of the trash, not hidden by moderators."""
    return Q(
        **{
            f"{prefix}visibility": PUBLIC,
            f"{prefix}deleted_at__isnull": True,
            f"{prefix}hidden_at__isnull": True,
        }
    )


def notes_q(reader: Reader | None, prefix: str = "", *, ignoring_moderation: bool = False) -> Q:
    """Notes ``reader`` may read; ``prefix`` names the note from another model
    (``"notes__"`` from a paper, ``"note__"`` from a comment). ``ignoring_moderation``: as
    if moderators had hidden nothing (what staff may moderate)."""
    shown = Q(**{f"{prefix}visibility": PUBLIC})
    if not ignoring_moderation:
        shown &= Q(**{f"{prefix}hidden_at__isnull": True})
    own = reader_id(reader)
    if own is not None:
        shown |= Q(**{f"{prefix}author_id": own})
    return Q(**{f"{prefix}deleted_at__isnull": True}) & shown


def own_unlisted_q(reader: Reader) -> Q:
    """The reader's own notes that the public state leaves out (private or hidden), out of
    the trash: what a reader's lists add to the public counts."""
    return Q(
        ~Q(visibility=PUBLIC) | Q(hidden_at__isnull=False),
        author_id=reader_id(reader),
        deleted_at__isnull=True,
    )


def has_unlisted(reader: Reader | None) -> RawSQL | Value:
    """Whether ``reader`` has notes of their own that ``own_unlisted_q`` picks, as an
    expression to read with another query (a note's or a paper's): a reader who has none
    may read exactly what anyone may, so the pieces of a page made for anyone are theirs
    too. Raw SQL (``own_unlisted_sql``): an ``Exists`` of a queryset costs more to build
    and compile than the query it is read with."""
    own = reader_id(reader)
    if own is None:
        return Value(False)
    return RawSQL(HAS_UNLISTED_SQL, [own], output_field=BooleanField())  # noqa: S611 - constants; the reader's id is a parameter


def public_sql(alias: str = "notes_note") -> str:
    """``public_q`` as a SQL condition on the notes table ``alias``."""
    return (
        f"({alias}.visibility = '{PUBLIC}' AND {alias}.deleted_at IS NULL"
        f" AND {alias}.hidden_at IS NULL)"
    )


def notes_sql(alias: str = "notes_note", *, reader: str = "%s") -> str:
    """``notes_q`` as a SQL condition on the notes table ``alias``; ``reader`` is the
    placeholder of the reader's id (give ``reader_id``'s value, NULL when anonymous)."""
    return (
        f"({alias}.deleted_at IS NULL AND (({alias}.visibility = '{PUBLIC}'"
        f" AND {alias}.hidden_at IS NULL) OR {alias}.author_id = {reader}))"
    )


def own_unlisted_sql(alias: str = "notes_note", *, reader: str = "%s") -> str:
    """``own_unlisted_q`` as a SQL condition; ``reader`` as for ``notes_sql``."""
    return (
        f"({alias}.deleted_at IS NULL AND ({alias}.visibility <> '{PUBLIC}'"
        f" OR {alias}.hidden_at IS NOT NULL) AND {alias}.author_id = {reader})"
    )


# ``has_unlisted`` as SQL: the reader's id is its one parameter.
HAS_UNLISTED_SQL = f"EXISTS (SELECT FROM notes_note AS u WHERE {own_unlisted_sql('u')})"


def is_public_now(note: Note) -> bool:
    """``public_q`` for a note in hand."""
    return note.visibility == PUBLIC and note.deleted_at is None and note.hidden_at is None


def note_readable(note: Note, reader: Reader | None, *, ignoring_moderation: bool = False) -> bool:
    """``notes_q`` for a note in hand."""
    if note.deleted_at is not None:
        return False
    own = reader_id(reader)
    if own is not None and own == note.author_id:
        return True
    return note.visibility == PUBLIC and (ignoring_moderation or note.hidden_at is None)


def note_reachable(note: Note, reader: Reader | None, *, ignoring_moderation: bool = False) -> bool:
    """Whether ``reader`` may open the note's page: a readable note, or their own one in
    their trash (to restore it)."""
    own = reader_id(reader)
    return (own is not None and own == note.author_id) or note_readable(
        note, reader, ignoring_moderation=ignoring_moderation
    )


# ---------------------------------------------------------------------------- comments


def comment_hidden_from(comment: Comment, reader: Reader | None) -> bool:
    """Whether moderators hid ``comment`` from ``reader`` (everyone but its author)."""
    own = reader_id(reader)
    return comment.hidden_at is not None and (own is None or own != comment.author_id)


def comments_q(reader: Reader | None, prefix: str = "", *, ignoring_moderation: bool = False) -> Q:
    """Comments whose text ``reader`` may read: on a note whose page they may open, not
    deleted, and not hidden by moderators unless they wrote it. ``prefix`` names the
    comment from another model; ``ignoring_moderation`` as for ``notes_q``."""
    shown = Q() if ignoring_moderation else Q(**{f"{prefix}hidden_at__isnull": True})
    on_note = notes_q(reader, f"{prefix}note__", ignoring_moderation=ignoring_moderation)
    own = reader_id(reader)
    if own is not None:
        if not ignoring_moderation:
            shown |= Q(**{f"{prefix}author_id": own})
        on_note |= Q(**{f"{prefix}note__author_id": own})
    return on_note & Q(**{f"{prefix}deleted_at__isnull": True}) & shown


def comment_readable(
    comment: Comment,
    reader: Reader | None,
    *,
    note: Note | None = None,
    ignoring_moderation: bool = False,
) -> bool:
    """``comments_q`` for a comment in hand (``note``: its note, when already loaded)."""
    return (
        comment.deleted_at is None
        and (ignoring_moderation or not comment_hidden_from(comment, reader))
        and note_reachable(
            note if note is not None else comment.note,
            reader,
            ignoring_moderation=ignoring_moderation,
        )
    )


# --------------------------------------------------------------------------- revisions


def reads_every_revision(note: Note, reader: Reader | None) -> bool:
    """Whether ``reader`` reads every revision of ``note``: its author does."""
    own = reader_id(reader)
    return own is not None and own == note.author_id


def revisions_q(note: Note, reader: Reader | None) -> Q:
    """The history rows of ``note`` that ``reader`` may read, for a reader who may open the
    note (``note_reachable``): every one for its author, else those written public."""
    return Q() if reads_every_revision(note, reader) else Q(visibility=PUBLIC)


def revisions_sql(alias: str, *, note: str, reader: str = "%s") -> str:
    """``revisions_q`` as a SQL condition on the history table ``alias``; ``note`` is the
    expression of the note's row (its ``id`` and ``author_id``), ``reader`` as for
    ``notes_sql``."""
    return (
        f"({alias}.id = {note}.id AND ({alias}.visibility = '{PUBLIC}'"
        f" OR {note}.author_id = {reader}))"
    )


def revision_readable(record: Any, note: Note, reader: Reader | None) -> bool:
    """``revisions_q`` for a history row in hand (``record``, a row of ``note``)."""
    return reads_every_revision(note, reader) or record.visibility == PUBLIC


# ------------------------------------------------------------------------------ papers


def papers_listed_q(reader: Reader | None) -> Q:
    """Papers listed for ``reader``: with a note they may read, or added by them."""
    from notes.models import Note

    readable = Note.objects.filter(notes_q(reader), paper_id=OuterRef("pk"))
    listed = Q(Exists(readable))
    own = reader_id(reader)
    if own is not None:
        listed |= Q(created_by_id=own)
    return listed


def paper_change_named(
    user_id: int | None, reader: Reader | None, *, authors_read: frozenset[int]
) -> bool:
    """Whether a change to a paper's details made by ``user_id`` shows who made it to
    ``reader``; ``authors_read``: the authors of the notes on that paper ``reader`` may read
    (``notes_q``)."""
    if user_id is None:
        return False
    return user_id == reader_id(reader) or user_id in authors_read


# ----------------------------------------------------------------------- notifications


def notification_hidden_q(recipient: Any = None) -> Q:
    """Notifications about content moderators hid from their recipient: a hidden comment,
    or a hidden note of someone else. ``recipient``: the recipient's id, or an expression
    for it in the notifications' query (``OuterRef``; by default the row's own
    ``recipient_id``)."""
    from notes.models import Comment, Note

    recipient = OuterRef("recipient_id") if recipient is None else recipient
    # Sets of ids, not joins: the few hidden notes and comments (each kind found from an
    # index of its own) are read once and each notification is looked up in them, so an
    # inbox page walks the recipient's notifications newest first and stops at the page,
    # and its counts read no note. Joined, every notification of the recipient was read
    # with its note and comment before the first could be shown or counted.
    hidden_comments = Comment.objects.filter(hidden_at__isnull=False).values("pk")
    others_hidden_notes = (
        Note.objects.filter(hidden_at__isnull=False).exclude(author_id=recipient).values("pk")
    )
    return Q(comment_id__in=hidden_comments) | Q(note_id__in=others_hidden_notes)


class _Recipient:
    """The recipient of a notification as a reader, from its id alone."""

    is_authenticated = True

    def __init__(self, pk: int) -> None:
        self.pk = pk


def notification_note_readable(notification: Notification) -> bool:
    """Whether the recipient may still read the note a notification is about (open its
    page: the author of a note in their trash still can)."""
    return note_reachable(notification.note, _Recipient(notification.recipient_id))


def notification_excerpt(notification: Notification) -> str:
    """The text of the notification's comment, when its recipient may read it; else ""."""
    comment = notification.comment
    if comment is None:
        return ""
    reader = _Recipient(notification.recipient_id)
    return comment.body_text if comment_readable(comment, reader, note=notification.note) else ""

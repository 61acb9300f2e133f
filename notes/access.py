"""The one place that decides who may read or change a paper or a note.

Another user's private note (or a note in someone else's trash, or one hidden by
moderators) is a 404: its existence is not revealed. Another user's public note is
readable and read-only: writing to it is a 403. Views never check ownership by hand.

Comments follow their note: whoever can read the note reads its comments, and a
logged-in reader may comment while the note is out of the trash. A comment is edited and
deleted by its author only; the note's author and staff may remove it. A comment hidden
by moderators is a 404 for everyone but its author.

Flags and the moderation queue: any logged-in reader may flag what they can see and did
not write; only staff act on flags, and only on an item they may read with moderation set
aside that has open flags (hide, dismiss) or that moderators hid (restore); anything else
is a 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from notes import visibility
from notes.models import Comment, Import, ModerationVerb, Note, Paper
from notes.selectors import revbar
from notes.selectors.papers import papers_for_page
from notes.selectors.statements import RowLookup
from notes.services import moderation

# How a note is read for each kind of page, compiled once (``RowLookup``): by default the
# whole note with its paper and author; for its own page with what the page asks of it
# (``for_page``, the revision bar's numbers); for its history only what that shows.
NOTE = RowLookup(
    Note, lambda reader: Note.objects.select_related("paper", "author").without_search_data()
)
NOTE_PAGE = RowLookup(
    Note,
    lambda reader: Note.objects.for_page(reader).annotate(**revbar.annotations(reader)),
)
NOTE_HISTORY = RowLookup(Note, lambda reader: Note.objects.for_history())
# Who may reach it and its counts, without its texts: for a vote, whose answer shows none.
NOTE_STATE = RowLookup(
    Note,
    lambda reader: Note.objects.only(
        "author_id", "paper_id", "visibility", "deleted_at", "hidden_at", "vote_count"
    ),
)
# A paper: by default its row alone; for its own page with the reader's rating and summary.
PAPER = RowLookup(Paper, lambda reader: Paper.objects.all())
PAPER_PAGE = RowLookup(Paper, papers_for_page)


def get_note_for_user(user: User, pk: int, *, write: bool = False, notes: RowLookup = NOTE) -> Note:
    """The note ``pk`` as ``user`` may see it; with ``write``, only its author passes.

    The author also reaches their own note while it is in the trash (to restore it).
    ``notes`` says what to load with it (``NOTE``, ``NOTE_PAGE``, ``NOTE_HISTORY``); it
    decides what is loaded, never who passes.
    """
    note = notes.get(pk, user)
    if note is None:
        raise Http404(_("No such note."))
    if not visibility.note_reachable(note, user):
        raise Http404(_("No such note."))
    if write and visibility.reader_id(user) != note.author_id:
        raise PermissionDenied(_("Only the author can change this note."))
    return note


def get_paper_for_user(
    user: User, pk: int, *, write: bool = False, papers: RowLookup = PAPER
) -> Paper:
    """The paper ``pk`` (every paper is public); with ``write``, only who may edit it passes.
    ``papers`` says what to load with it (``PAPER``, ``PAPER_PAGE``)."""
    paper = papers.get(pk, user)
    if paper is None:
        raise Http404(_("No such paper."))
    if write and not paper.can_edit(user):
        raise PermissionDenied(_("Only the person who added this paper, or staff, can edit it."))
    return paper


def get_note_for_commenting(user: User, pk: int) -> Note:
    """The note ``pk`` if ``user`` may comment on it (readable, logged in, not in the trash)."""
    note = get_note_for_user(user, pk)
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to comment."))
    if note.in_trash:
        raise PermissionDenied(_("This note is in the trash; comments are closed."))
    return note


COMMENT_ACTIONS = ("read", "edit", "remove")


def get_comment_for_user(user: User, note_pk: int, pk: int, *, action: str = "read") -> Comment:
    """The comment ``pk`` on note ``note_pk``, for ``action``.

    ``read``: anyone who can read the note. ``edit`` (also deleting): the comment's author.
    ``remove``: the note's author or staff. A deleted comment can only be read.
    """
    assert action in COMMENT_ACTIONS
    note = get_note_for_user(user, note_pk)
    comment = Comment.objects.select_related("author").filter(pk=pk, note=note).first()
    if comment is None:
        raise Http404(_("No such comment."))
    comment.note = note
    if not comment.is_visible_to(user):
        raise Http404(_("No such comment."))
    if action == "read":
        return comment
    if comment.is_deleted:
        raise Http404(_("This comment was deleted."))
    if action == "edit" and not (user.is_authenticated and user.pk == comment.author_id):
        raise PermissionDenied(_("Only its author can change this comment."))
    if action == "remove" and not can_moderate(user, note):
        raise PermissionDenied(_("Only the note's author can remove comments on it."))
    return comment


def can_moderate(user: User, note: Note) -> bool:
    """Whether ``user`` may remove other people's comments on ``note``."""
    return user.is_authenticated and (user.is_staff or user.pk == note.author_id)


def can_flag(user: User, *, author_id: int) -> bool:
    """Whether ``user`` may flag an item (already readable to them) written by ``author_id``."""
    return user.is_authenticated and user.pk != author_id


def require_staff(user: User) -> None:
    """Moderation is for staff; anyone else logged in gets a 403."""
    if not (user.is_authenticated and user.is_staff and user.is_active):
        raise PermissionDenied(_("Only staff can moderate."))


def get_item_for_moderation(user: User, *, kind: str, pk: int, verb: str) -> Note | Comment:
    """The note or comment (``kind``) ``pk`` if staff member ``user`` may ``verb`` it.

    An item they could not read (moderation set aside), one without open flags to hide or
    dismiss, or one not hidden to restore, is a 404, as one that does not exist.
    """
    require_staff(user)
    item: Note | Comment | None
    if kind == "note":
        item = Note.objects.select_related("author", "paper").filter(pk=pk).first()
    else:
        item = Comment.objects.select_related("author", "note").filter(pk=pk).first()
    if item is None or not moderation.can_moderate_item(item, user):
        raise Http404(
            _("No such note to moderate.") if kind == "note" else _("No such comment to moderate.")
        )
    if verb == ModerationVerb.RESTORE:
        applies = item.is_hidden
    else:
        applies = moderation.open_flags_on(item).exists()
    if not applies:
        raise Http404(
            _("No such note to moderate.") if kind == "note" else _("No such comment to moderate.")
        )
    return item


def get_import_for_user(user: User, pk: int) -> Import:
    """An import (its progress and results) as its owner sees it; anyone else, staff
    included, gets a 404: what a file held is its owner's alone. The uploaded file itself
    is not loaded."""
    found = (
        Import.objects.defer("upload", "plan")
        .filter(pk=pk, user_id=visibility.reader_id(user))
        .first()
    )
    if found is None:
        raise Http404(_("No such import."))
    return found

"""The API's getters: each object as a reader may see it, by the site's one rule
(``notes.visibility``). Another user's private note, a note in someone else's trash or
one hidden by moderators is a 404; another user's public note is read-only (403 on a
write); a comment follows its note."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from notes import visibility
from notes.models import Comment, Note, Paper


def note_for(reader: Any, pk: int, *, write: bool = False) -> Note:
    note = Note.objects.select_related("paper", "author").without_search_data().filter(pk=pk)
    found = note.first()
    if found is None or not visibility.note_reachable(found, reader):
        raise Http404(_("No such note."))
    if write and visibility.reader_id(reader) != found.author_id:
        raise PermissionDenied(_("Only the author can change this note."))
    return found


def paper_for(pk: int, papers: QuerySet[Paper] | None = None) -> Paper:
    paper = (Paper.objects.all() if papers is None else papers).filter(pk=pk).first()
    if paper is None:
        raise Http404(_("No such paper."))
    return paper


def commentable_note(reader: Any, pk: int) -> Note:
    note = note_for(reader, pk)
    if note.in_trash:
        raise PermissionDenied(_("This note is in the trash; comments are closed."))
    return note


def comment_for(reader: Any, note: Note, pk: int, *, action: str = "read") -> Comment:
    """The comment ``pk`` on ``note`` (already readable to ``reader``) for ``action``:
    ``read``; ``edit`` (also deleting) by its author; ``remove`` by the note's author or
    staff. A deleted comment can only be read."""
    comment = Comment.objects.select_related("author").filter(pk=pk, note=note).first()
    if comment is None or visibility.comment_hidden_from(comment, reader):
        raise Http404(_("No such comment."))
    comment.note = note
    if action == "read":
        return comment
    if comment.is_deleted:
        raise Http404(_("This comment was deleted."))
    own = visibility.reader_id(reader)
    if action == "edit" and own != comment.author_id:
        raise PermissionDenied(_("Only its author can change this comment."))
    if action == "remove" and not (reader.is_staff or own == note.author_id):
        raise PermissionDenied(_("Only the note's author can remove comments on it."))
    return comment

"""The one place that decides who may read or change a paper or a note.

Another user's private note (or a note in someone else's trash) is a 404: its
existence is not revealed. Another user's public note is readable and read-only:
writing to it is a 403. Views never check ownership by hand.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from notes.models import Note, Paper


def get_note_for_user(user: User, pk: int, *, write: bool = False) -> Note:
    """The note ``pk`` as ``user`` may see it; with ``write``, only its author passes.

    The author also reaches their own note while it is in the trash (to restore it).
    """
    note = (
        Note.objects.select_related("paper", "author").without_search_data().filter(pk=pk).first()
    )
    if note is None:
        raise Http404("No such note.")
    is_author = user.is_authenticated and note.author_id == user.pk
    if not is_author and (note.in_trash or not note.is_public):
        raise Http404("No such note.")
    if write and not is_author:
        raise PermissionDenied("Only the author can change this note.")
    return note


def get_paper_for_user(user: User, pk: int, *, write: bool = False) -> Paper:
    paper = Paper.objects.filter(pk=pk).first()
    if paper is None:
        raise Http404("No such paper.")
    if write and not paper.can_edit(user):
        raise PermissionDenied("Only the person who added this paper, or staff, can edit it.")
    return paper

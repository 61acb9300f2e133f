"""Votes on notes and star ratings of papers.

Both answer a plain form with a redirect back to the page it came from, and an in-place
request (``HX-Request``, sent by static/js/notes.js) with the updated fragment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from notes.access import NOTE_STATE, get_note_for_user, get_paper_for_user
from notes.caching import entry_html
from notes.models import Note
from notes.models.reactions import MAX_STARS, MIN_STARS
from notes.services.reactions import OwnNoteVote, note_vote, paper_rate, rating_of
from notes.views import navigation
from papernotes.numbers import parse_int

VOTE_VALUES = {"1": True, "0": False}


def _in_place(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@dataclass(frozen=True)
class Ballot:
    """What a vote button shows of a note: its number, author and votes, and whether the
    reader voted for it."""

    pk: int
    author_id: int
    vote_count: int
    voted: bool
    ref = property(Note.ref.fget)


def vote_buttons(request: HttpRequest, ballots: Iterable[Ballot]) -> dict[int, str]:
    """The reader's vote button (``entry_html.vote_button``) for each note of a list, by
    id; a reader who is not logged in gets the same link for every note."""
    reader, next_path = request.user, request.get_full_path()
    if not reader.is_authenticated:
        link = entry_html.vote_button(
            None, voted=False, reader=reader, csrf_token="", next_path=next_path
        )
        return {ballot.pk: link for ballot in ballots}
    token = get_token(request)
    return {
        ballot.pk: entry_html.vote_button(
            ballot, voted=ballot.voted, reader=reader, csrf_token=token, next_path=next_path
        )
        for ballot in ballots
    }


@login_required
@require_POST
def note_vote_view(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, notes=NOTE_STATE)
    vote = VOTE_VALUES.get(request.POST.get("vote", ""))
    if vote is None:
        return HttpResponse(_("Send vote=1 to vote or vote=0 to take the vote back."), status=400)
    try:
        note.vote_count = note_vote(note=note, user=request.user, vote=vote)
    except OwnNoteVote:
        if _in_place(request):
            return HttpResponse(_(OwnNoteVote.message), status=403)
        return render(request, "403.html", {"reason": _(OwnNoteVote.message)}, status=403)
    if _in_place(request):
        return render(request, "notes/_vote.html", {"note": note, "voted": vote})
    messages.success(
        request,
        (_("Your vote for %(ref)s is counted.") if vote else _("Your vote for %(ref)s is removed."))
        % {"ref": note.ref},
    )
    return navigation.back(request, note.get_absolute_url())


def _stars(value: str) -> int | None:
    return parse_int(value, minimum=MIN_STARS, maximum=MAX_STARS)


@login_required
@require_POST
def paper_rate_view(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_paper_for_user(request.user, pk)
    if "remove" in request.POST:
        stars, error = None, ""
        done = _("Your rating is removed.")
    else:
        stars = _stars(request.POST.get("stars", ""))
        error = (
            ""
            if stars
            else _("Choose from %(least)d to %(most)d stars.")
            % {"least": MIN_STARS, "most": MAX_STARS}
        )
        done = ngettext(
            "You rated this paper %(stars)d star.",
            "You rated this paper %(stars)d stars.",
            stars or 0,
        ) % {"stars": stars or 0}
    if not error:
        totals = paper_rate(paper=paper, user=request.user, stars=stars)
        paper.rating_count, paper.rating_sum = totals.count, totals.total
    if _in_place(request):
        context = {
            "paper": paper,
            "my_rating": rating_of(paper=paper, user=request.user),
            "rating_error": error,
            "rating_done": "" if error else done,
        }
        return render(request, "notes/_rating.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return navigation.back(request, paper.get_absolute_url())

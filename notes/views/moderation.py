"""Flagging notes and comments, and the staff's moderation queue with its audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notes.access import (
    can_flag,
    get_comment_for_user,
    get_item_for_moderation,
    get_note_for_user,
    require_staff,
)
from notes.forms import FlagForm, ModerationForm
from notes.models import Comment, ModerationVerb, Note
from notes.selectors.moderation import audit_log, hidden_items, queue_page
from notes.services import moderation
from papernotes.numbers import page_param

# What the moderator is told after an action, by its verb.
_DONE = {
    ModerationVerb.HIDE: gettext_lazy("You hid %(item)s."),
    ModerationVerb.RESTORE: gettext_lazy("You restored %(item)s."),
    ModerationVerb.DISMISS: gettext_lazy("You dismissed the flags on %(item)s."),
}


def _flag(request: HttpRequest, item: Note | Comment, note: Note) -> HttpResponse:
    if not can_flag(request.user, author_id=item.author_id):
        raise PermissionDenied(_("You cannot flag what you wrote yourself."))
    form = FlagForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        _flag_row, created = moderation.flag(
            flagger=request.user,
            item=item,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
        if created:
            messages.success(request, _("Thank you: moderators will look at it."))
        else:
            messages.info(request, _("You have already flagged this; moderators will look at it."))
        return redirect(item)
    return render(
        request,
        "notes/flag.html",
        {"form": form, "item": item, "note": note, "is_comment": isinstance(item, Comment)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def flag_note(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk)
    if note.in_trash:
        raise Http404(_("No such note."))
    return _flag(request, note, note)


@login_required
@require_http_methods(["GET", "POST"])
def flag_comment(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    comment = get_comment_for_user(request.user, pk, comment_pk)
    if comment.is_deleted:
        raise Http404(_("This comment was deleted."))
    return _flag(request, comment, comment.note)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    return render(
        request,
        "notes/moderation.html",
        {
            "page": queue_page(page_param(request), moderator=request.user),
            "hidden": hidden_items(moderator=request.user),
            "log": audit_log(),
            "query": "",
        },
    )


@login_required
@require_POST
def act(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Bad moderation request."), status=400)
    data = form.cleaned_data
    item = get_item_for_moderation(
        request.user, kind=data["kind"], pk=data["item"], verb=data["verb"]
    )
    try:
        action = moderation.moderate(
            actor=request.user, item=item, verb=data["verb"], message=data["message"]
        )
    except moderation.NothingToDo as nothing:
        messages.info(request, _("Nothing done: %(why)s") % {"why": nothing.message})
    else:
        messages.success(request, _DONE[action.verb] % {"item": action.shown_label})
    return redirect("notes:moderation")

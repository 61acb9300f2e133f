"""Posting, replying, editing, deleting and removing comments, and muting a thread.

Posting works as a plain form (answered by a redirect to the comment's permalink, or a
page with the errors and the text kept) and, with htmx, in place: the answer is the new
comment's HTML, or the errors with a 4xx status that the page's script shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notes.access import can_moderate, get_comment_for_user, get_note_for_commenting
from notes.forms import CommentForm
from notes.models import Comment, Note
from notes.selectors.threads import build_thread, node_for_new, shown_to
from notes.services import TooComplexToRender, notifications
from notes.services.comments import (
    RateLimited,
    ReplyNotAllowed,
    comment_delete,
    comment_edit,
    comment_post,
    comment_remove,
)

_CONTAINER_RE = re.compile(r"^c[0-9]{1,19}-replies$")


def _errors_response(
    request: HttpRequest, note: Note, form: CommentForm, status: int
) -> HttpResponse:
    if request.htmx:
        html = render_to_string("notes/_form_errors_list.html", {"form": form}, request=request)
        return HttpResponse(html, status=status)
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], note=note).first()
    return render(
        request,
        "notes/comment_form.html",
        {"note": note, "form": form, "parent": parent},
        status=status,
    )


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_commenting(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _errors_response(request, note, form, 400)
    parent = None
    if form.cleaned_data["parent"]:
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], note=note).first()
        if parent is None:
            form.add_error(None, _("The comment you answered is not on this note."))
            return _errors_response(request, note, form, 400)
    try:
        comment = comment_post(
            note=note, author=request.user, body=form.cleaned_data["body"], parent=parent
        )
    except RateLimited as limited:
        form.add_error(None, limited.message)
        response = _errors_response(request, note, form, limited.status)
        response["Retry-After"] = str(limited.seconds)
        return response
    except ReplyNotAllowed as refused:
        form.add_error(None, refused.message)
        return _errors_response(request, note, form, 400)
    except TooComplexToRender as refused:
        form.add_error("body", refused.message)
        return _errors_response(request, note, form, 400)
    if request.htmx:
        target = request.htmx.target or ""
        node = node_for_new(comment, target=target if _CONTAINER_RE.match(target) else None)
        note.comment_count = Note.objects.values_list("comment_count", flat=True).get(pk=note.pk)
        return render(
            request,
            "notes/_comment_posted.html",
            {"node": node, "note": note, "can_comment": True},
        )
    messages.success(request, _("Your comment is posted."))
    return redirect(comment)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit_view(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    comment = get_comment_for_user(request.user, pk, comment_pk, action="edit")
    form = CommentForm(
        request.POST if request.method == "POST" else None,
        initial={"body": comment.body},
        label=_("Comment"),
    )
    if form.is_bound and form.is_valid():
        try:
            comment = comment_edit(
                comment=comment, user=request.user, body=form.cleaned_data["body"]
            )
        except TooComplexToRender as refused:
            form.add_error("body", refused.message)
        else:
            messages.success(request, _("Your comment is saved."))
            return redirect(comment)
    return render(
        request,
        "notes/comment_edit.html",
        {"comment": comment, "note": comment.note, "form": form},
        status=400 if form.errors else 200,
    )


def _confirm_then(
    request: HttpRequest, comment: Comment, *, removing: bool, act: Callable[[], None], done: str
) -> HttpResponse:
    """A confirmation page on GET; on POST, ``act``, say ``done`` and show the thread."""
    if request.method == "POST":
        act()
        messages.success(request, done)
        return redirect(comment)
    return render(
        request,
        "notes/comment_confirm.html",
        {"comment": comment, "note": comment.note, "removing": removing},
    )


def _already_down(
    request: HttpRequest, pk: int, comment_pk: int, *, may: Callable[[Comment], bool], done: str
) -> HttpResponse | None:
    """The answer to a second click on delete (or remove): the first one's.

    A double-clicked button sends its form twice; by the second request the comment is
    already down, which ``get_comment_for_user`` would answer with a 404 page. Someone who
    ``may`` take the comment down gets the same redirect and message as the first click;
    anyone else gets the usual answer from the getter. None while the comment is up.
    """
    comment = get_comment_for_user(request.user, pk, comment_pk)
    if not comment.is_deleted or not may(comment):
        return None
    if request.method == "POST":
        messages.success(request, done)
    else:
        messages.info(request, _("That comment is already gone; replies to it stay."))
    return redirect(comment)


@login_required
@require_http_methods(["GET", "POST"])
def comment_delete_view(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    done = _("Your comment is deleted; replies to it stay.")
    again = _already_down(
        request, pk, comment_pk, may=lambda c: c.author_id == request.user.pk, done=done
    )
    if again is not None:
        return again
    comment = get_comment_for_user(request.user, pk, comment_pk, action="edit")
    return _confirm_then(
        request,
        comment,
        removing=False,
        act=lambda: comment_delete(comment=comment),
        done=done,
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_remove_view(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    done = _("The comment is removed; replies to it stay.")
    again = _already_down(
        request, pk, comment_pk, may=lambda c: can_moderate(request.user, c.note), done=done
    )
    if again is not None:
        return again
    comment = get_comment_for_user(request.user, pk, comment_pk, action="remove")
    return _confirm_then(
        request,
        comment,
        removing=True,
        act=lambda: comment_remove(comment=comment, user=request.user),
        done=done,
    )


@require_GET
def comment_history(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    comment = get_comment_for_user(request.user, pk, comment_pk)
    versions = [] if comment.is_deleted else list(comment.revisions().order_by("-history_date"))
    return render(
        request,
        "notes/comment_history.html",
        {"comment": comment, "note": comment.note, "versions": versions},
    )


@login_required
@require_POST
def thread_mute(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_commenting(request.user, pk)
    if request.POST.get("mute") == "1":
        notifications.mute(user=request.user, note=note)
        messages.success(request, _("Thread muted: no more notifications about this note."))
    else:
        notifications.unmute(user=request.user, note=note)
        messages.success(request, _("Thread unmuted."))
    return redirect(f"{note.get_absolute_url()}#comments")


def thread_context(request: HttpRequest, note: Note) -> dict[str, object]:
    """What the note page needs to show its comments: one query for all of them, none
    when there are none. ``note`` is loaded by ``Note.objects.for_page``."""
    comments: list[Comment] = []
    if note.has_comments:
        comments = shown_to(list(Comment.objects.for_thread(note)), request.user)
    can_comment = request.user.is_authenticated and not note.in_trash
    return {
        "thread": build_thread(comments),
        "comment_total": sum(1 for c in comments if c.counts),
        "can_comment": can_comment,
        "can_moderate": can_moderate(request.user, note),
        "comment_form": CommentForm(prefix_id="new-comment") if can_comment else None,
        "muted": can_comment and note.viewer_muted,
    }

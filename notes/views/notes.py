"""A note's page, its editor, print view, trash and restore."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notes.access import NOTE_PAGE, get_note_for_user
from notes.forms import NoteForm
from notes.markup.diffing import tag_changes, word_diff
from notes.models import Note
from notes.selectors import revbar
from notes.selectors.related import related_section, tags_of
from notes.services import (
    EditConflict,
    TooComplexToRender,
    note_restore,
    note_save,
    note_trash,
)
from notes.services.reactions import record_note_view
from notes.views.comments import thread_context
from notes.views.editing import render_preview, wants_preview, with_retry_after
from papernotes.db import Failure, failure_kind
from papernotes.outages import quietly, retry_after


@require_GET
def note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, notes=NOTE_PAGE)
    visible = Note.objects.visible_to(request.user)
    # The note's query says whether there are any at all, readable or not.
    referenced_by: list[Note] = []
    others: list[Note] = []
    if note.has_backlinks:
        referenced_by = list(
            visible.filter(references__target_id=note.pk, references__linked=True)
            .for_links()
            .order_by("-modified")[:50]
        )
    if note.has_other_notes:
        others = list(
            visible.filter(paper_id=note.paper_id)
            .exclude(pk=note.pk)
            .for_cards()
            .order_by("-modified")[:50]
        )
    is_author = request.user.is_authenticated and request.user.pk == note.author_id
    record_note_view(note=note, request=request)
    return render(
        request,
        "notes/note.html",
        {
            "note": note,
            "revbar": revbar.revision_bar(note),
            "referenced_by": referenced_by,
            "others": others,
            "is_author": is_author,
            "voted": not is_author and note.viewer_voted,
            "related": related_section(
                paper=note.paper,
                viewer=request.user,
                tags=tags_of([note, *others]),
                generation=note.public_generation,
                viewer_has_unlisted=note.viewer_has_unlisted,
            ),
            **thread_context(request, note),
        },
    )


@require_GET
def note_print(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk)
    return render(request, "notes/print.html", {"note": note})


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, write=True)
    if note.in_trash:
        messages.info(request, _("This note is in your trash; restore it to edit it."))
        return redirect(note)
    if request.method == "GET":
        form = NoteForm.for_note(note)
        return render(
            request, "notes/note_form.html", {"form": form, "note": note, "paper": note.paper}
        )

    form = NoteForm(request.POST)
    preview = refusal = None
    if form.is_valid():
        base = form.cleaned_data["base_revision"]
        if wants_preview(request):
            preview, refusal = render_preview(request, form)
        elif base is None:
            form.add_error(None, _("The form lost track of the revision you started from."))
        else:
            try:
                note = note_save(
                    note=note, user=request.user, content=form.content(), base_revision=base
                )
            except EditConflict as conflict:
                return conflict_page(request, form, conflict.head)
            except TooComplexToRender as refused:
                form.add_error("body", refused.message)
            except DatabaseError as exc:
                if (kind := busy_failure(exc)) is None:
                    raise
                if kind is Failure.COLLISION:
                    # Collided with other saves every time it was tried: the head may have
                    # moved meanwhile, so the text comes back beside it.
                    head = Note.objects.select_related("author", "paper").get(pk=note.pk)
                    return quietly(conflict_page(request, form, head, busy=True), kind, exc)
                form.add_error(None, BUSY_MESSAGE)
                response = render(
                    request,
                    "notes/note_form.html",
                    {"form": form, "note": note, "paper": note.paper},
                    status=503,
                )
                return quietly(retry_after(response, kind), kind, exc)
            else:
                messages.success(
                    request, _("Saved as revision %(revision)s.") % {"revision": note.revision}
                )
                return redirect(note)
    response = render(
        request,
        "notes/note_form.html",
        {"form": form, "note": note, "paper": note.paper, "preview": preview},
        status=refusal.status if refusal else 200,
    )
    return with_retry_after(response, refusal)


BUSY_MESSAGE = gettext_lazy(
    "The site is too busy to save this just now: nothing was saved, and nothing is lost. "
    "Your text is below; save it again in a few seconds."
)


def busy_failure(exc: DatabaseError) -> Failure | None:
    """The kind of ``exc`` when it means "busy, try again" (a lock or a statement that took
    too long, or collisions that retrying did not get past); a save answers it by giving the
    text back. A database that is down is left to ``papernotes.outages``."""
    kind = failure_kind(exc)
    return None if kind in (None, Failure.UNAVAILABLE) else kind


def conflict_page(
    request: HttpRequest, form: NoteForm, head: Note, *, busy: bool = False
) -> HttpResponse:
    """Nothing is saved and nothing is lost: the user's text comes back beside the head's,
    in a form that saves it on top of the head.

    ``busy``: the save collided with others until it gave up, rather than finding that the
    note had changed since the editor opened it.
    """
    mine = form.content()
    data = request.POST.copy()
    data["base_revision"] = str(head.revision)
    added, removed = tag_changes(head.tag_names, mine.tags)
    return render(
        request,
        "notes/conflict.html",
        {
            "note": head,
            "form": NoteForm(data),
            "diff": word_diff(head.body, mine.body),
            "tags_added": added,
            "tags_removed": removed,
            "started_from": form.cleaned_data["base_revision"],
            "busy": busy,
        },
        status=409,
    )


@login_required
@require_http_methods(["GET", "POST"])
def note_delete(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, write=True)
    if request.method == "POST":
        note_trash(note=note)
        messages.success(
            request,
            _("%(ref)s moved to your trash. Restore it from there at any time.")
            % {"ref": note.ref},
        )
        return redirect("notes:trash")
    return render(request, "notes/delete_confirm.html", {"note": note})


@login_required
@require_POST
def note_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, write=True)
    note_restore(note=note)
    messages.success(request, _("%(ref)s is restored, with its whole history.") % {"ref": note.ref})
    return redirect(note)


@login_required
@require_GET
def trash(request: HttpRequest) -> HttpResponse:
    notes = (
        Note.objects.filter(author=request.user, deleted_at__isnull=False)
        .select_related("paper")
        .order_by("-deleted_at")
    )
    return render(request, "notes/trash.html", {"notes": notes})

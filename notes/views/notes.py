"""A note's page, its editor, print view, trash and restore."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notes.access import get_note_for_user
from notes.diffing import tag_changes, word_diff
from notes.forms import NoteForm
from notes.models import Note
from notes.reactions import record_note_view
from notes.related import related_section, tags_of
from notes.revbar import revision_bar
from notes.services import (
    EditConflict,
    TooComplexToRender,
    note_restore,
    note_save,
    note_trash,
)
from notes.views.comments import thread_context
from notes.views.editing import render_preview, wants_preview


@require_GET
def note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, notes=Note.objects.for_page(request.user))
    visible = Note.objects.visible_to(request.user)
    # The note's query says whether there are any at all, readable or not.
    referenced_by: list[Note] = []
    others: list[Note] = []
    if note.has_backlinks:
        referenced_by = list(
            visible.filter(references__target_id=note.pk).for_links().order_by("-modified")[:50]
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
            "revbar": revision_bar(note),
            "referenced_by": referenced_by,
            "others": others,
            "is_author": is_author,
            "voted": not is_author and note.viewer_voted,
            "related": related_section(
                paper=note.paper,
                viewer=request.user,
                tags=tags_of([note, *others]),
                generation=note.public_generation,
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
        messages.info(request, "This note is in your trash; restore it to edit it.")
        return redirect(note)
    if request.method == "GET":
        form = NoteForm.for_note(note)
        return render(
            request, "notes/note_form.html", {"form": form, "note": note, "paper": note.paper}
        )

    form = NoteForm(request.POST)
    preview = None
    if form.is_valid():
        base = form.cleaned_data["base_revision"]
        if wants_preview(request):
            preview = render_preview(request, form)
        elif base is None:
            form.add_error(None, "The form lost track of the revision you started from.")
        else:
            try:
                note = note_save(
                    note=note, user=request.user, content=form.content(), base_revision=base
                )
            except EditConflict as conflict:
                return _conflict(request, form, conflict.head)
            except TooComplexToRender as refused:
                form.add_error("body", refused.message)
            else:
                messages.success(request, f"Saved as revision {note.revision}.")
                return redirect(note)
    return render(
        request,
        "notes/note_form.html",
        {"form": form, "note": note, "paper": note.paper, "preview": preview},
    )


def _conflict(request: HttpRequest, form: NoteForm, head: Note) -> HttpResponse:
    """Nothing is saved and nothing is lost: the user's text comes back beside the head's."""
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
            request, f"{{{note.pk}}} moved to your trash. Restore it from there at any time."
        )
        return redirect("trash")
    return render(request, "notes/delete_confirm.html", {"note": note})


@login_required
@require_POST
def note_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, write=True)
    note_restore(note=note)
    messages.success(request, f"{{{note.pk}}} is restored, with its whole history.")
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


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """A minimal page: one indexed query and a tiny template (also the benchmark's floor)."""
    latest = Note.objects.order_by("-modified", "-id").values_list("pk", flat=True).first()
    return render(request, "notes/health.html", {"latest": latest})

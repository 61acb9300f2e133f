"""What the note editor shares between writing a new summary and revising one."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from notes.forms import NoteForm
from notes.services import TooComplexToRender, render_note_body


def wants_preview(request: HttpRequest) -> bool:
    """Whether the editor's "Preview" button, not "Save", sent the form."""
    return "preview" in request.POST


def render_preview(request: HttpRequest, form: NoteForm) -> SafeString | None:
    """The rendered body, or None with an error on the form when it cannot be rendered."""
    try:
        rendered = render_note_body(author=request.user, body=form.cleaned_data["body"])
    except TooComplexToRender:
        form.add_error("body", TooComplexToRender.message)
        return None
    return mark_safe(rendered.html)


@require_POST
def note_preview(request: HttpRequest) -> HttpResponse:
    """The preview fragment for in-place updates; the editor's Preview button is the fallback."""
    if not request.user.is_authenticated:
        return HttpResponse("Log in to preview.", status=403)
    form = NoteForm(request.POST)
    form.is_valid()
    if "body" in form.errors:
        return render(request, "notes/_preview.html", {"errors": form.errors["body"]})
    try:
        rendered = render_note_body(author=request.user, body=form.cleaned_data["body"])
    except TooComplexToRender:
        return render(request, "notes/_preview.html", {"errors": [TooComplexToRender.message]})
    html = mark_safe(rendered.html)
    return render(request, "notes/_preview.html", {"preview": html})

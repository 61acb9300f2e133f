"""What the note editor shares between writing a new summary and revising one.

Previews render like a save (the same CPU-bounded render child) but write nothing, so they
are rate-limited per user like comments: PREVIEW_RATE_LIMIT within
PREVIEW_RATE_WINDOW_SECONDS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts import throttle
from accounts.models import User
from notes.forms import NoteForm
from notes.markup.rendering import PREVIEW_ID_PREFIX
from notes.services import TooComplexToRender, render_note_body

RATE_KEY_PREFIX = "preview-rate"


def wants_preview(request: HttpRequest) -> bool:
    """Whether the editor's "Preview" button, not "Save", sent the form."""
    return "preview" in request.POST


def preview_wait(user: User) -> int:
    """Count one preview for ``user``: the seconds to wait if that was one too many, else 0.

    Raises ``throttle.Unavailable`` when the counters cannot be reached.
    """
    return throttle.count_in_window(
        f"{RATE_KEY_PREFIX}:{user.pk}",
        throttle.now(),
        window=settings.PREVIEW_RATE_WINDOW_SECONDS,
        limit=settings.PREVIEW_RATE_LIMIT,
    )


def rate_limited_message(seconds: int) -> str:
    if seconds < 60:
        when = ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    else:
        minutes = math.ceil(seconds / 60)
        when = ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    limit = settings.PREVIEW_RATE_LIMIT
    too_fast = ngettext(
        "You are previewing faster than %(limit)d preview in %(window)d seconds.",
        "You are previewing faster than %(limit)d previews in %(window)d seconds.",
        limit,
    ) % {"limit": limit, "window": settings.PREVIEW_RATE_WINDOW_SECONDS}
    kept = gettext("Your text is kept; preview it again in %(when)s, or save it.") % {"when": when}
    return f"{too_fast} {kept}"


UNAVAILABLE_MESSAGE = gettext_lazy(
    "Previews cannot be counted right now, so none is shown. Your text is kept; "
    "preview it again in a minute, or save it."
)


@dataclass(frozen=True)
class Refusal:
    """Why no preview is shown: the message, the status to answer with and when to retry."""

    message: str
    status: int
    retry_after: int


def preview_refusal(user: User) -> Refusal | None:
    """Count one preview for ``user``; a refusal when it is one too many or cannot be counted."""
    try:
        wait = preview_wait(user)
    except throttle.Unavailable:
        return Refusal(str(UNAVAILABLE_MESSAGE), 503, throttle.Unavailable.seconds)
    if wait:
        return Refusal(rate_limited_message(wait), 429, wait)
    return None


def with_retry_after(response: HttpResponse, refusal: Refusal | None) -> HttpResponse:
    if refusal is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def render_preview(
    request: HttpRequest, form: NoteForm
) -> tuple[SafeString | None, Refusal | None]:
    """The rendered body, or None with an error on the form when it cannot be rendered.

    The refusal, when previews were refused, gives the editor page its status.
    """
    if refusal := preview_refusal(request.user):
        form.add_error("body", refusal.message)
        return None, refusal
    try:
        rendered = render_note_body(
            author=request.user, body=form.cleaned_data["body"], id_prefix=PREVIEW_ID_PREFIX
        )
    except TooComplexToRender as refused:
        form.add_error("body", refused.message)
        return None, None
    # The formulas that could not be rendered are listed above the text, as in place.
    html = render_to_string(
        "notes/_preview.html",
        {"preview": mark_safe(rendered.html), "math_errors": rendered.math_errors},
    )
    return html, None


@require_POST
def note_preview(request: HttpRequest) -> HttpResponse:
    """The preview fragment for in-place updates; the editor's Preview button is the fallback."""
    if not request.user.is_authenticated:
        return HttpResponse(gettext("Log in to preview."), status=403)
    if refusal := preview_refusal(request.user):
        response = render(
            request, "notes/_preview.html", {"errors": [refusal.message]}, status=refusal.status
        )
        return with_retry_after(response, refusal)
    form = NoteForm(request.POST)
    form.is_valid()
    if "body" in form.errors:
        return render(request, "notes/_preview.html", {"errors": form.errors["body"]})
    try:
        rendered = render_note_body(
            author=request.user, body=form.cleaned_data["body"], id_prefix=PREVIEW_ID_PREFIX
        )
    except TooComplexToRender as refused:
        return render(request, "notes/_preview.html", {"errors": [refused.message]})
    html = mark_safe(rendered.html)
    return render(
        request,
        "notes/_preview.html",
        {"preview": html, "math_errors": rendered.math_errors},
    )

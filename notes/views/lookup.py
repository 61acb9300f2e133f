"""Adding a paper from an identifier, and refreshing a paper's details from its source."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notes.access import get_paper_for_user
from notes.forms import PaperForm
from notes.lookup import identifiers
from notes.lookup.details import LookupFailed
from notes.lookup.finding import find, paper_identifiers
from notes.models import Paper
from notes.services import paper_refresh


def _form_page(
    request: HttpRequest,
    *,
    typed: str,
    initial: dict[str, object],
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "notes/paper_form.html",
        {
            "form": PaperForm(initial=initial),
            "adding": True,
            "identifier": typed,
            "lookup_error": error,
        },
        status=status,
    )


@login_required
@require_POST
def paper_lookup(request: HttpRequest) -> HttpResponse:
    """Fetch the details an identifier names and show them in the paper form to confirm.

    A paper that already has the identifier opens; a failed lookup shows why and the
    manual form, with what was typed kept.
    """
    typed = request.POST.get("identifier", "")[: identifiers.MAX_LENGTH * 2]
    try:
        identifier = identifiers.parse(typed)
    except ValueError as exc:
        return _form_page(request, typed=typed, initial={}, error=str(exc), status=400)
    if identifier.field:
        existing = Paper.objects.by_identifier(**{identifier.field: identifier.value})
        if existing is not None:
            messages.info(request, _("This paper is already here, so we opened it for you."))
            return redirect(existing)
    try:
        details = find(identifier, user=request.user)
    except LookupFailed as failure:
        initial = {identifier.field: identifier.value} if identifier.field else {}
        return _form_page(request, typed=typed, initial=initial, error=failure.message)
    existing = Paper.objects.by_identifier(
        doi=details.doi, arxiv_id=details.arxiv_id, pmid=details.pmid
    )
    if existing is not None:
        messages.info(request, _("This paper is already here, so we opened it for you."))
        return redirect(existing)
    messages.success(
        request,
        _("Found on %(source)s. Check the details, correct them if needed, and add the paper.")
        % {"source": details.source},
    )
    return _form_page(request, typed=typed, initial=details.form_initial())


@login_required
@require_POST
def paper_refresh_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Refresh a paper's details from the source of its identifiers, as a new revision."""
    paper = get_paper_for_user(request.user, pk, write=True)
    found = paper_identifiers(doi=paper.doi, arxiv_id=paper.arxiv_id, pmid=paper.pmid)
    if not found:
        messages.error(request, _("This paper has no DOI, arXiv id or PMID to refresh it from."))
        return redirect(paper)
    failure: LookupFailed | None = None
    for identifier in found:
        try:
            details = find(identifier, user=request.user)
        except LookupFailed as exc:
            failure = exc
            continue
        changed = paper_refresh(paper=paper, details=details.form_initial(), user=request.user)
        if changed:
            messages.success(
                request, _("Details refreshed from %(source)s.") % {"source": details.source}
            )
        else:
            messages.info(
                request,
                _("%(source)s has nothing new about this paper.") % {"source": details.source},
            )
        return redirect(paper)
    assert failure is not None
    messages.error(request, _("Nothing was changed. %(why)s") % {"why": failure.message})
    return redirect(paper)

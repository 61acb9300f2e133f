"""BibTeX and CSL-JSON exports, the BibTeX import, and the notes archive out and in."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from notes import visibility
from notes.access import get_import_for_user, get_paper_for_user
from notes.exchange import archive, bibtex_import, citations, imports
from notes.exchange.uploads import Refused
from notes.forms import ListingForm
from notes.models import Paper
from notes.selectors import browse
from notes.views.browse import url_tags
from notes.wording import words

FORMATS = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}
# An export of a list takes at most this many papers (the newest first).
MAX_EXPORT_PAPERS = 10_000
_PAPER_FIELDS = ("title", "authors", "year", "venue", "abstract", "url", "doi", "arxiv_id", "pmid")


def _citations(papers: list[Paper], fmt: str, name: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404(_("No such format."))
    content_type, extension = FORMATS[fmt]
    if fmt == "bibtex":
        body = citations.to_bibtex(papers)
    else:
        body = json.dumps(citations.to_csl_json(papers), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@require_GET
def export_paper(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    paper = get_paper_for_user(request.user, pk)
    name = citations.citation_keys([paper])[paper.pk]
    return _citations([paper], fmt, name)


@require_GET
def export_notes(request: HttpRequest, fmt: str) -> HttpResponse:
    """The papers of the notes a list shows, filtered as the list pages are (``?tag=``,
    ``?user=``, ``?q=``): the reader's own notes with ``?user=<their name>``."""
    listing = ListingForm(request.GET).listing(url_tags(request))
    notes = browse.notes_for(request.user, listing).order_by()
    ids = notes.values("paper_id")
    papers = _papers(Paper.objects.filter(pk__in=ids))
    return _citations(papers, fmt, "notes")


@require_GET
def export_papers(request: HttpRequest, fmt: str) -> HttpResponse:
    """The papers list as the reader sees it (``notes.visibility.papers_listed_q``)."""
    return _citations(
        _papers(Paper.objects.filter(visibility.papers_listed_q(request.user))), fmt, "papers"
    )


def _papers(papers: QuerySet[Paper]) -> list[Paper]:
    return list(papers.only(*_PAPER_FIELDS).order_by("-pk")[:MAX_EXPORT_PAPERS])


# ---------------------------------------------------------------------- BibTeX import


@login_required
@require_http_methods(["GET", "POST"])
def bibtex_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a .bib file: checked whole here (a bad file is refused at once), imported by
    a job; the answer is the import's status page."""
    notes = request.POST.get("notes", bibtex_import.NOTES_FROM_ENTRY)
    context = {
        "choices": bibtex_import.NOTES_CHOICES,
        "notes": notes,
        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
    }
    if request.method == "GET":
        return render(request, "notes/exchange/bibtex_import.html", context)
    if notes not in dict(bibtex_import.NOTES_CHOICES):
        notes = bibtex_import.NOTES_FROM_ENTRY
    try:
        started = imports.start_bibtex(
            user=request.user, upload=request.FILES.get("file"), notes=notes
        )
    except Refused as refused:
        return render(
            request,
            "notes/exchange/bibtex_import.html",
            {**context, "error": refused.message},
            status=400,
        )
    return redirect("notes:import_status", started.pk)


@login_required
@require_GET
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress while its job runs (the page reloads itself with a meta
    refresh: no script), then what became of each entry."""
    record = get_import_for_user(request.user, pk)
    # Reasons and titles are stored as message ids: said here in the reader's language.
    results = [
        {**r, "title": words(r.get("title")), "reason": words(r.get("reason"))}
        for r in (record.results if record.is_finished else [])
    ]
    notes = [r for r in results if r.get("section", "notes") == "notes"]
    community = [r for r in results if r.get("section") == "community"]

    def count(items: list[dict], outcome: str) -> int:
        return sum(r["outcome"] == outcome for r in items)

    return render(
        request,
        "notes/exchange/import_status.html",
        {
            "record": record,
            "error": words({"text": record.error, "args": record.error_args})
            if record.error
            else "",
            "refresh_seconds": IMPORT_REFRESH_SECONDS,
            "results": notes,
            "community": community,
            "counts": {
                outcome: count(notes, outcome)
                for outcome in ("created", "matched", "exists", "skipped")
            },
            "community_counts": {
                outcome: count(community, outcome) for outcome in ("created", "exists", "skipped")
            },
        },
    )


IMPORT_REFRESH_SECONDS = 2


# ------------------------------------------------------------------- the notes archive


@login_required
@require_GET
def notes_download(request: HttpRequest) -> StreamingHttpResponse:
    day = timezone.now().strftime("%Y-%m-%d")
    response = StreamingHttpResponse(
        archive.export_stream(request.user), content_type="application/zip"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="papernotes-{request.user.pk}-{day}.zip"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def notes_import_view(request: HttpRequest) -> HttpResponse:
    """Upload an archive of notes: checked whole here (every note in it, before any is
    written), imported by a job; the answer is the import's status page."""
    if request.method == "GET":
        return render(request, "notes/exchange/notes_import.html", {})
    try:
        started = imports.start_archive(user=request.user, upload=request.FILES.get("file"))
    except Refused as refused:
        return render(
            request, "notes/exchange/notes_import.html", {"error": refused.message}, status=400
        )
    return redirect("notes:import_status", started.pk)

"""BibTeX and CSL-JSON exports, the BibTeX import, and the notes archive out and in."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from notes import visibility
from notes.access import get_paper_for_user
from notes.exchange import archive, bibtex_import, citations
from notes.exchange.uploads import Refused, read_text
from notes.forms import ListingForm
from notes.models import Paper
from notes.selectors import browse
from notes.views.browse import url_tags

FORMATS = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}
# An export of a list takes at most this many papers (the newest first).
MAX_EXPORT_PAPERS = 10_000
_PAPER_FIELDS = ("title", "authors", "year", "venue", "abstract", "url", "doi", "arxiv_id", "pmid")


def _citations(papers: list[Paper], fmt: str, name: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such format.")
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
    """Upload a .bib file; the answer streams the progress, then what became of each
    entry. The whole file is read and checked before anything is written."""
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
        entries, broken = bibtex_import.parse_library(read_text(request.FILES.get("file")))
    except Refused as refused:
        return render(
            request,
            "notes/exchange/bibtex_import.html",
            {**context, "error": refused.message},
            status=400,
        )
    page = render_to_string(
        "notes/exchange/bibtex_import_results.html",
        {"total": len(entries) + len(broken)},
        request=request,
    )
    head, tail = page.split("<!--results-->", 1)

    def stream() -> Iterator[str]:
        yield head
        results: list[bibtex_import.Result] = []
        for batch in bibtex_import.import_entries(entries, user=request.user, notes=notes):
            results += batch
            yield render_to_string(
                "notes/exchange/_import_progress.html",
                {"done": len(results), "total": len(entries)},
            )
        results += broken
        yield render_to_string(
            "notes/exchange/_bibtex_results.html",
            {
                "results": results,
                "created": sum(r.outcome == bibtex_import.CREATED for r in results),
                "matched": sum(r.outcome == bibtex_import.MATCHED for r in results),
                "skipped": sum(r.outcome == bibtex_import.SKIPPED for r in results),
            },
        )
        yield tail

    return StreamingHttpResponse(stream(), content_type="text/html; charset=utf-8")


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
    """Upload an archive of notes; every note in it is checked before any is written."""
    if request.method == "GET":
        return render(request, "notes/exchange/notes_import.html", {})
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise Refused("Choose a file to upload.")
        origin, planned = archive.read_archive(upload)
    except Refused as refused:
        return render(
            request, "notes/exchange/notes_import.html", {"error": refused.message}, status=400
        )
    results = archive.import_archive(planned, origin=origin, user=request.user)
    return render(
        request,
        "notes/exchange/notes_import.html",
        {
            "results": results,
            "created": sum(r.outcome == "created" for r in results),
            "existing": sum(r.outcome == "exists" for r in results),
            "skipped": sum(r.outcome == "skipped" for r in results),
        },
    )

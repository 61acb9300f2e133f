"""Adding, showing and editing papers, and writing your summary of one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from notes import generations, visibility
from notes.access import get_paper_for_user
from notes.forms import NoteForm, PaperForm
from notes.fragments import entries_of, render_entries
from notes.models import Note, Paper
from notes.reactions import rating_of, record_paper_view
from notes.related import related_section, tags_of
from notes.services import TooComplexToRender, note_create, paper_save
from notes.views.community import Ballot, vote_buttons
from notes.views.editing import render_preview, wants_preview
from notes.views.follows import follow_button
from papernotes.numbers import page_param

IDENTIFIER_FIELDS = ("doi", "arxiv_id", "pmid")


@login_required
@require_http_methods(["GET", "POST"])
def paper_new(request: HttpRequest) -> HttpResponse:
    form = PaperForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        existing = form.existing_paper()
        if existing is None:
            paper = form.save(commit=False)
            paper.created_by = request.user
            try:
                with transaction.atomic():
                    paper.save()
            except IntegrityError:
                # Someone added the same paper a moment ago.
                existing = form.existing_paper()
                if existing is None:
                    raise
            else:
                messages.success(request, "Paper added. Now write your summary of it.")
                return redirect(paper)
        messages.info(request, "This paper is already here, so we opened it for you.")
        return redirect(existing)
    return render(request, "notes/paper_form.html", {"form": form, "adding": True})


@require_GET
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The public generation is read with the paper, before the summaries ("Read also").
    papers = Paper.objects.annotate(public_generation=generations.annotation())
    paper = get_paper_for_user(request.user, pk, papers=papers)
    by_votes = request.GET.get("order") == "votes"
    order = ("-vote_count", "-modified", "-id") if by_votes else ("-modified", "-id")
    # The summaries as entry rows, with what their vote buttons need, in one query; a
    # note's text is read only to render an entry that is not remembered.
    rows = entries_of(
        Note.objects.visible_to(request.user).filter(paper=paper),
        order,
        voter=request.user if request.user.is_authenticated else None,
    )
    summaries = [entry for entry, _, _ in rows]
    ballots = [Ballot(e.pk, author, e.vote_count, voted) for e, author, voted in rows]
    render_entries(summaries, vote_buttons=vote_buttons(request, ballots))
    own = None
    if request.user.is_authenticated:
        own = Note.objects.filter(paper=paper, author=request.user).only("deleted_at").first()
    record_paper_view(paper=paper, request=request)
    return render(
        request,
        "notes/paper.html",
        {
            "paper": paper,
            "summaries": summaries,
            "by_votes": by_votes,
            "own_note": own,
            "can_edit": paper.can_edit(request.user),
            "my_rating": rating_of(paper=paper, user=request.user),
            "related": related_section(
                paper=paper,
                viewer=request.user,
                tags=tags_of(summaries),
                generation=paper.public_generation,
            ),
            "follow": follow_button(request, paper=paper),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def paper_edit(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_paper_for_user(request.user, pk, write=True)
    form = PaperForm(request.POST or None, instance=paper)
    if request.method == "POST" and form.is_valid():
        clash = form.existing_paper()
        if clash is not None:
            for field in IDENTIFIER_FIELDS:
                if form.cleaned_data.get(field) and form.cleaned_data[field] == getattr(
                    clash, field
                ):
                    form.add_error(field, f"Another paper already has this: “{clash.title}”.")
        else:
            paper = paper_save(paper=form.save(commit=False), user=request.user)
            messages.success(request, "Paper updated.")
            return redirect(paper)
    return render(request, "notes/paper_form.html", {"form": form, "paper": paper})


@require_GET
def paper_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The changes to a paper's details; who made each shows only as ``notes.visibility``
    allows (what someone reads stays private), else "someone"."""
    paper = get_paper_for_user(request.user, pk)
    records = list(paper.history.select_related("history_user").order_by("-history_date"))
    authors_read = frozenset(
        Note.objects.visible_to(request.user)
        .filter(paper=paper)
        .values_list("author_id", flat=True)
    )
    for record in records:
        named = visibility.paper_change_named(
            record.history_user_id, request.user, authors_read=authors_read
        )
        record.shown_user = record.history_user if named else None
    return render(request, "notes/paper_history.html", {"paper": paper, "records": records})


@login_required
@require_http_methods(["GET", "POST"])
def note_write(request: HttpRequest, pk: int) -> HttpResponse:
    """Write your summary of a paper; a second attempt opens the one you have."""
    paper = get_paper_for_user(request.user, pk)
    existing = Note.objects.filter(paper=paper, author=request.user).first()
    if existing is not None:
        if existing.in_trash:
            messages.info(request, "Your summary of this paper is in your trash: restore it.")
            return redirect(existing)
        messages.info(request, "You already have a summary of this paper; here it is to edit.")
        return redirect("note_edit", existing.pk)

    form = NoteForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        if wants_preview(request):
            preview = render_preview(request, form)
        else:
            try:
                note = note_create(paper=paper, author=request.user, content=form.content())
            except IntegrityError:
                # A double submit: the first one created the note.
                note = Note.objects.get(paper=paper, author=request.user)
            except TooComplexToRender:
                form.add_error("body", TooComplexToRender.message)
                note = None
            if note is not None:
                messages.success(request, f"Your summary {{{note.pk}}} is saved.")
                return redirect(note)
    return render(
        request,
        "notes/note_form.html",
        {"form": form, "paper": paper, "preview": preview, "creating": True},
    )


@require_GET
def paper_list(request: HttpRequest) -> HttpResponse:
    """The papers listed for the reader (``notes.visibility``): those with a note they may
    read, and those they added; adding a paper to write a private note reveals nothing."""
    papers = (
        Paper.objects.filter(visibility.papers_listed_q(request.user))
        .annotate(summary_count=Count("notes", filter=visibility.public_q("notes__")))
        .order_by("-created")
    )
    page = Paginator(papers, 50).get_page(page_param(request))
    return render(request, "notes/paper_list.html", {"page": page})

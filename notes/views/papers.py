"""Adding, showing and editing papers, and writing your summary of one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from notes import visibility
from notes.access import PAPER_PAGE, get_paper_for_user
from notes.caching.fragments import entries_of, render_entries
from notes.forms import NoteForm, PaperForm
from notes.models import Note, Paper
from notes.selectors.papers import own_note
from notes.selectors.related import related_section, tags_of
from notes.services import (
    EditConflict,
    PaperExists,
    TooComplexToRender,
    note_create,
    paper_add,
    paper_save,
)
from notes.services.reactions import record_paper_view
from notes.views.community import Ballot, vote_buttons
from notes.views.editing import render_preview, wants_preview, with_retry_after
from notes.views.follows import follow_button
from notes.views.notes import BUSY_MESSAGE, busy_failure, conflict_page
from papernotes.numbers import page_param
from papernotes.outages import quietly, retry_after


def _busy_form(request: HttpRequest, exc: DatabaseError, context: dict) -> HttpResponse:
    """The form again, with what was typed, when the database is too busy to save it."""
    if (kind := busy_failure(exc)) is None:
        raise exc
    context["form"].add_error(None, BUSY_MESSAGE)
    response = render(request, "notes/paper_form.html", context, status=503)
    return quietly(retry_after(response, kind), kind, exc)


@login_required
@require_http_methods(["GET", "POST"])
def paper_new(request: HttpRequest) -> HttpResponse:
    form = PaperForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            paper = paper_add(paper=form.save(commit=False), user=request.user)
        except PaperExists as exists:
            messages.info(request, _("This paper is already here, so we opened it for you."))
            return redirect(exists.paper)
        except DatabaseError as exc:
            return _busy_form(request, exc, {"form": form, "adding": True})
        messages.success(request, _("Paper added. Now write your summary of it."))
        return redirect(paper)
    return render(request, "notes/paper_form.html", {"form": form, "adding": True})


@require_GET
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The public generation is read with the paper, before the summaries ("Read also").
    # So are the reader's own rating and summary (``notes.selectors.papers``).
    paper = get_paper_for_user(request.user, pk, papers=PAPER_PAGE)
    by_votes = request.GET.get("order") == "votes"
    order = ("-vote_count", "-modified", "-id") if by_votes else ("-modified", "-id")
    # The summaries as entry rows, with what their vote buttons need, in one query; a
    # note's text is read only to render an entry that is not cached.
    rows = entries_of(
        Note.objects.visible_to(request.user).filter(paper=paper),
        order,
        voter=request.user if request.user.is_authenticated else None,
    )
    summaries = [entry for entry, _, _ in rows]
    ballots = [Ballot(e.pk, author, e.vote_count, voted) for e, author, voted in rows]
    render_entries(summaries, vote_buttons=vote_buttons(request, ballots))
    record_paper_view(paper=paper, request=request)
    return render(
        request,
        "notes/paper.html",
        {
            "paper": paper,
            "summaries": summaries,
            "by_votes": by_votes,
            "own_note": own_note(paper),
            "can_edit": paper.can_edit(request.user),
            "my_rating": paper.viewer_rating,
            "related": related_section(
                paper=paper,
                viewer=request.user,
                tags=tags_of(summaries),
                generation=paper.public_generation,
                viewer_has_unlisted=paper.viewer_has_unlisted,
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
        try:
            paper = paper_save(paper=form.save(commit=False), user=request.user)
        except PaperExists as clash:
            for field in clash.fields:
                form.add_error(
                    field,
                    _("Another paper already has this: “%(title)s”.")
                    % {"title": clash.paper.title},
                )
        except DatabaseError as exc:
            return _busy_form(request, exc, {"form": form, "paper": paper})
        else:
            messages.success(request, _("Paper updated."))
            return redirect(paper)
    return render(request, "notes/paper_form.html", {"form": form, "paper": paper})


@require_GET
def paper_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The changes to a paper's details; who made each shows only as ``notes.visibility``
    allows (what someone reads stays private), else "someone"."""
    paper = get_paper_for_user(request.user, pk)
    records = list(paper.revisions().select_related("history_user").order_by("-history_date"))
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
    """Write your summary of a paper; a second attempt opens the one you have.

    A text sent when the summary already exists (written from another tab, or by a double
    submit) is never dropped: it comes back on the conflict page, beside the summary, ready
    to be saved on top of it.
    """
    paper = get_paper_for_user(request.user, pk)
    existing = Note.objects.filter(paper=paper, author=request.user).first()
    if existing is not None and request.method == "GET":
        if existing.in_trash:
            messages.info(request, _("Your summary of this paper is in your trash: restore it."))
            return redirect(existing)
        messages.info(request, _("You already have a summary of this paper; here it is to edit."))
        return redirect("notes:note_edit", existing.pk)

    form = NoteForm(request.POST or None)
    preview = refusal = None
    if request.method == "POST" and form.is_valid():
        if existing is not None:
            return _written_meanwhile(request, form, paper, existing)
        if wants_preview(request):
            preview, refusal = render_preview(request, form)
        else:
            try:
                note = note_create(paper=paper, author=request.user, content=form.content())
            except EditConflict as conflict:
                return _written_meanwhile(request, form, paper, conflict.head)
            except TooComplexToRender as refused:
                form.add_error("body", refused.message)
            except DatabaseError as exc:
                if (kind := busy_failure(exc)) is None:
                    raise
                form.add_error(None, BUSY_MESSAGE)
                response = _write_form(request, form, paper, preview, status=503)
                return quietly(retry_after(response, kind), kind, exc)
            else:
                messages.success(request, _("Your summary %(ref)s is saved.") % {"ref": note.ref})
                return redirect(note)
    response = _write_form(request, form, paper, preview, status=refusal.status if refusal else 200)
    return with_retry_after(response, refusal)


def _write_form(
    request: HttpRequest, form: NoteForm, paper: Paper, preview: object, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "notes/note_form.html",
        {"form": form, "paper": paper, "preview": preview, "creating": True},
        status=status,
    )


def _written_meanwhile(
    request: HttpRequest, form: NoteForm, paper: Paper, head: Note
) -> HttpResponse:
    if head.in_trash:
        # It cannot be saved on top of a note in the trash; the text stays in the form.
        form.add_error(
            None,
            _(
                "Your summary of this paper is in your trash: nothing was saved. Copy your "
                "text, restore the summary from your trash, and add the text to it."
            ),
        )
        return _write_form(request, form, paper, None, status=409)
    return conflict_page(request, form, head)


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

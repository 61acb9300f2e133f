"""A note's history: the list of revisions, one revision as it was, diffs, revert."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from notes.access import get_note_for_user
from notes.diffing import revision_diff, tag_changes, word_diff
from notes.fragments import render_history_rows
from notes.models import Note
from notes.services import TooComplexToRender, note_revert
from papernotes.numbers import MAX_REVISION, query_int

HISTORY_FIELDS = (
    "history_id",
    "revision",
    "history_date",
    "history_user__username",
    "history_user__display_name",
    "edit_message",
    "body_size",
    "tag_names",
    "visibility",
)


def _revision(note: Note, number: int):
    return _revisions(note, number)[0]


def _revisions(note: Note, *numbers: int, bodies: bool = True) -> list[Any]:
    """The history rows of revisions ``numbers`` of ``note``, in that order, in one query.

    Without ``bodies``, the texts are left unread (a remembered diff needs none of them).
    """
    records = note.history.filter(revision__in=numbers).select_related("history_user")
    if not bodies:
        records = records.defer("body", "body_html", "body_text")
    found = {record.revision: record for record in records}
    for number in numbers:
        if number not in found:
            raise Http404(f"This note has no revision {number}.")
    return [found[number] for number in numbers]


def _url_maker(name: str, pk: int, *numbers: int) -> str:
    """``reverse(name, pk, …)`` with ``{}`` in place of the numbers, to fill per row.

    A long history links every row to its revision and its diff; reversing once per page
    instead of once per link keeps the page's cost in the database, not in URL building.
    """
    marker = 987654321
    return (
        reverse(name, args=[pk, *(marker + i for i in range(len(numbers)))])
        .replace(str(marker), "{0}")
        .replace(str(marker + 1), "{1}")
    )


def _table_rows(note: Note, records: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The history table's rows, newest first, from ``HISTORY_FIELDS`` in revision order."""
    revision_url = _url_maker("note_revision", note.pk, 0)
    diff_url = _url_maker("note_diff", note.pk, 0, 0)
    rows = []
    previous_size = 0
    for record in records:
        row = dict(zip(HISTORY_FIELDS, record, strict=True))
        row["size_change"] = row["body_size"] - previous_size
        previous_size = row["body_size"]
        row["author_name"] = row["history_user__display_name"] or row["history_user__username"]
        number = row["revision"]
        row["url"] = revision_url.format(number)
        row["previous_diff_url"] = diff_url.format(number - 1, number) if number else ""
        saved = timezone.localtime(row["history_date"])
        row["saved_iso"] = saved.isoformat()
        row["saved"] = saved.strftime("%Y-%m-%d %H:%M")
        rows.append(row)
    rows.reverse()
    return rows


@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, notes=Note.objects.for_history())
    records = list(note.history.order_by("revision").values_list(*HISTORY_FIELDS))
    return render(
        request,
        "notes/history.html",
        {
            "note": note,
            "revision_count": len(records),
            "rows_html": render_history_rows(note, records, _table_rows),
        },
    )


@require_GET
def revision(request: HttpRequest, pk: int, rev: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk)
    record = _revision(note, rev)
    return render(
        request,
        "notes/revision.html",
        {
            "note": note,
            "record": record,
            "body_html": mark_safe(record.body_html),
        },
    )


@require_GET
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """The history page's "compare" form, sent to the canonical diff URL."""
    note = get_note_for_user(request.user, pk)
    a = query_int(request, "a", maximum=MAX_REVISION)
    b = query_int(request, "b", maximum=MAX_REVISION)
    if a is None or b is None:
        messages.error(request, "Choose two revisions to compare.")
        return redirect("note_history", note.pk)
    return redirect("note_diff", note.pk, min(a, b), max(a, b))


@require_GET
def diff(request: HttpRequest, pk: int, a: int, b: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk)
    old, new = _revisions(note, a, b, bodies=False)
    added, removed = tag_changes(old.tag_names, new.tag_names)
    return render(
        request,
        "notes/diff.html",
        {
            "note": note,
            "old": old,
            "new": new,
            "diff": revision_diff(old, new),
            "tags_added": added,
            "tags_removed": removed,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def revert(request: HttpRequest, pk: int, rev: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, write=True)
    record = _revision(note, rev)
    if request.method == "POST":
        try:
            note = note_revert(note=note, user=request.user, revision=rev)
        except TooComplexToRender:
            messages.error(request, TooComplexToRender.message)
            return redirect("note_revision", note.pk, rev)
        messages.success(
            request,
            f"Reverted: revision {note.revision} is a copy of revision {rev}. "
            "Nothing was deleted; every revision is still in the history.",
        )
        return redirect(note)
    return render(
        request,
        "notes/revert_confirm.html",
        {"note": note, "record": record, "diff": word_diff(note.body, record.body)},
    )

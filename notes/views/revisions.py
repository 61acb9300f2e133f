"""A note's history: the list of revisions, one revision as it was, diffs, revert.

A past revision keeps the privacy it was written with (``notes.visibility``): someone other
than the note's author reads only the revisions that were public when saved, and the
others are left out of the history, the links and the choices to compare, and are a 404.
The numbers stay the note's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from notes import visibility
from notes.access import NOTE_HISTORY, get_note_for_user
from notes.caching.diffs import revision_diff
from notes.caching.fragments import render_history_rows
from notes.markup.diffing import tag_changes, word_diff
from notes.models import Note
from notes.selectors.browse import ListPaginator
from notes.services import TooComplexToRender, note_revert
from papernotes.dates import date_format
from papernotes.numbers import MAX_REVISION, page_param, query_int

# Revisions per history page, newest first: a page costs the same whatever the note's
# number of revisions.
HISTORY_PAGE_SIZE = 50

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


def _revision(note: Note, number: int, reader: Any):
    return _revisions(note, number, reader=reader)[0]


def _revisions(note: Note, *numbers: int, reader: Any, bodies: bool = True) -> list[Any]:
    """The history rows of revisions ``numbers`` of ``note``, in that order, in one query;
    a revision ``reader`` may not read is a 404, as one that does not exist.

    Without ``bodies``, the texts are left unread (a cached diff needs none of them).
    """
    records = (
        note.revisions()
        .filter(visibility.revisions_q(note, reader), revision__in=numbers)
        .select_related("history_user")
    )
    if not bodies:
        records = records.defer("body", "body_html", "body_text")
    found = {record.revision: record for record in records}
    for number in numbers:
        if number not in found:
            raise Http404(_("This note has no revision %(number)s.") % {"number": number})
    return [found[number] for number in numbers]


def _neighbours(note: Note, reader: Any, low: int, high: int) -> tuple[int | None, int | None]:
    """The revisions ``reader`` may read just before ``low`` and just after ``high``.

    The author reads them all, so theirs are the adjacent numbers without a query.
    """
    if visibility.reads_every_revision(note, reader):
        return (low - 1 if low > 0 else None), (high + 1 if high < note.revision else None)
    return tuple(
        note.revisions()
        .filter(visibility.revisions_q(note, reader))
        .aggregate(
            before=Max("revision", filter=Q(revision__lt=low)),
            after=Min("revision", filter=Q(revision__gt=high)),
        )
        .values()
    )  # type: ignore[return-value]


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
    revision_url = _url_maker("notes:note_revision", note.pk, 0)
    diff_url = _url_maker("notes:note_diff", note.pk, 0, 0)
    # The reader's time zone and date format once a page, not once a row.
    zone = timezone.get_current_timezone()
    saved_format = get_format("SHORT_DATETIME_FORMAT")
    rows = []
    previous_size, previous = 0, None
    for record in records:
        row = dict(zip(HISTORY_FIELDS, record, strict=True))
        # Against the previous row shown: a revision left out shows neither its size nor
        # itself as the other side of a diff.
        row["size_change"] = row["body_size"] - previous_size
        previous_size = row["body_size"]
        row["author_name"] = row["history_user__display_name"] or row["history_user__username"]
        number = row["revision"]
        row["url"] = revision_url.format(number)
        row["previous_diff_url"] = diff_url.format(previous, number) if previous is not None else ""
        previous = number
        saved = timezone.localtime(row["history_date"], zone)
        row["saved_iso"] = saved.isoformat()
        row["saved"] = date_format(saved, saved_format)
        row["head"] = number == note.revision
        rows.append(row)
    rows.reverse()
    return rows


class _HistoryWindow:
    """A note's readable history rows for a paginator: counted by index, cut as rows in
    revision order with the readable revision just older than the cut (for its size
    change and "prev" link), in one query each."""

    def __init__(self, note: Note, readable: Q) -> None:
        self.rows = note.revisions().filter(readable)

    def count(self) -> int:
        return self.rows.count()

    def __getitem__(self, cut: slice) -> list[tuple[Any, ...]]:
        # The page's rows are cut from the newest down by the revision index (a walk that
        # stops at the page), then read by their ids with their authors: joined before the
        # cut, every row of the history would be read with its author to keep fifty.
        cut_ids = self.rows.order_by("-revision").values("history_id")
        rows = self.rows.model.objects.filter(history_id__in=cut_ids[cut.start : cut.stop + 1])
        return list(rows.order_by("revision", "history_id").values_list(*HISTORY_FIELDS))


@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, notes=NOTE_HISTORY)
    readable = visibility.revisions_q(note, request.user)
    paginator = ListPaginator(_HistoryWindow(note, readable), HISTORY_PAGE_SIZE)  # type: ignore[arg-type]
    page = paginator.get_page(page_param(request))
    records = list(page.object_list)
    shown = records[1:] if page.has_next() else records
    return render(
        request,
        "notes/history.html",
        {
            "note": note,
            "all_revisions": visibility.reads_every_revision(note, request.user),
            "revision_count": paginator.count,
            "page": page,
            "newest_shown": shown[-1][1] if shown else None,
            "oldest_shown": shown[0][1] if shown else None,
            # The oldest record of a page that has a next one is read only for its neighbour.
            "rows_html": render_history_rows(
                note, records, lambda note, records: _table_rows(note, records)[:HISTORY_PAGE_SIZE]
            ),
        },
    )


@require_GET
def revision(request: HttpRequest, pk: int, rev: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk)
    record = _revision(note, rev, request.user)
    previous, _ = _neighbours(note, request.user, rev, rev)
    return render(
        request,
        "notes/revision.html",
        {
            "note": note,
            "record": record,
            "previous": previous,
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
        messages.error(request, _("Choose two revisions to compare."))
        return redirect("notes:note_history", note.pk)
    return redirect("notes:note_diff", note.pk, min(a, b), max(a, b))


@require_GET
def diff(request: HttpRequest, pk: int, a: int, b: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk)
    old, new = _revisions(note, a, b, reader=request.user, bodies=False)
    previous, following = _neighbours(note, request.user, old.revision, new.revision)
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
            "previous": previous,
            "following": following,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def revert(request: HttpRequest, pk: int, rev: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk, write=True)
    record = _revision(note, rev, request.user)
    if request.method == "POST":
        try:
            note = note_revert(note=note, user=request.user, revision=rev)
        except TooComplexToRender as refused:
            messages.error(request, refused.message)
            return redirect("notes:note_revision", note.pk, rev)
        messages.success(
            request,
            _(
                "Reverted: revision %(revision)s is a copy of revision %(old)s. "
                "Nothing was deleted; every revision is still in the history."
            )
            % {"revision": note.revision, "old": rev},
        )
        return redirect(note)
    return render(
        request,
        "notes/revert_confirm.html",
        {"note": note, "record": record, "diff": word_diff(note.body, record.body)},
    )

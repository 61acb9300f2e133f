"""Lists of notes: the index, tags, a user's notes, search, and tag autocomplete."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from notes.caching.fragments import render_entries, render_results
from notes.forms import ListingForm, parse_tags, url_tags
from notes.selectors import browse, search
from notes.selectors.browse import Listing
from notes.views.follows import follow_button
from papernotes.numbers import page_param


def _paging_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _listing_page(
    request: HttpRequest, template: str, listing: Listing, form: ListingForm, **context: Any
) -> HttpResponse:
    page = browse.listing_page(request.user, listing, page_param(request))
    render_entries(page.object_list)
    return render(
        request,
        template,
        {
            "page": page,
            "form": form,
            "listing": listing,
            "query": _paging_query(request),
            "chronology": listing.sort == "created",
            **context,
        },
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = ListingForm(request.GET)
    return _listing_page(request, "notes/index.html", form.listing(url_tags(request)), form)


@require_GET
def tag_detail(request: HttpRequest, tag: str) -> HttpResponse:
    names = parse_tags(tag)
    name = " ".join(names)
    form = ListingForm(request.GET)
    listing = form.listing(url_tags(request, name))
    follow = follow_button(request, tag=names[0]) if len(names) == 1 else None
    return _listing_page(request, "notes/index.html", listing, form, tag=name, follow=follow)


@require_GET
def tag_index(request: HttpRequest) -> HttpResponse:
    counts = browse.tag_counts(request.user)
    by_count = request.GET.get("sort") == "count"
    if by_count:
        tags = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    else:
        tags = sorted(counts.items())
    return render(request, "notes/tags.html", {"tags": tags, "by_count": by_count})


@require_GET
def tag_autocomplete(request: HttpRequest) -> JsonResponse:
    found = browse.autocomplete(request.user, request.GET.get("q", "")[:100])
    return JsonResponse({"tags": [{"name": name, "count": count} for name, count in found]})


@require_GET
def user_notes(request: HttpRequest, username: str) -> HttpResponse:
    owner = browse.find_user(username)
    if owner is None:
        raise Http404(_("No such user."))
    if owner.username != username:
        return redirect("notes:profile", owner.username, permanent=True)
    form = ListingForm(request.GET)
    listing = form.listing(url_tags(request))
    page = browse.page_of(
        browse.notes_for(browse.list_reader(request.user), listing).filter(author=owner),
        page_param(request),
        ahead=browse.count_ahead(listing),
    )
    render_entries(page.object_list)
    return render(
        request,
        "notes/user.html",
        {
            "profile_user": owner,
            "page": page,
            "form": form,
            "listing": listing,
            "query": _paging_query(request),
            "chronology": listing.sort == "created",
            "follow": follow_button(request, user=owner),
        },
    )


@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    raw = params.get("q", "")
    truncated = len(raw) > search.MAX_QUERY_LENGTH
    if truncated:
        params["q"] = raw[: search.MAX_QUERY_LENGTH]
    form = ListingForm(params)
    listing = form.listing(url_tags(request))
    by_date = request.GET.get("sort") == "date"
    listing = Listing(**{**listing.__dict__, "sort": "modified" if by_date else "relevance"})
    context: dict[str, Any] = {
        "form": form,
        "raw_query": params.get("q", ""),
        "truncated": truncated,
        "by_date": by_date,
        "listing": listing,
        "query": _paging_query(request),
        "switch_query": _switch_query(params, by_date),
    }
    if not (listing.text or listing.tags or listing.users):
        return render(request, "notes/search.html", context)
    page = browse.listing_page(request.user, listing, page_param(request))
    extracts = search.snippets(page.object_list, listing.text)
    for note in page:
        note.snippet = extracts.get(note.pk)
    render_results(page.object_list)
    suggestion = None
    if listing.text and page.paginator.count < 3:
        suggestion = search.did_you_mean(listing.text, reader=request.user)
    return render(
        request,
        "notes/search.html",
        {**context, "searched": True, "page": page, "suggestion": suggestion},
    )


def _switch_query(params: QueryDict, by_date: bool) -> str:
    query = params.copy()
    query.pop("page", None)
    if by_date:
        query.pop("sort", None)
    else:
        query["sort"] = "date"
    return query.urlencode()

"""Following a tag, a person or a paper, and the Following page of what they bring.

The follow buttons are plain forms (answered with a redirect back) that htmx swaps in
place when it is loaded (answered with the new button).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from notes.access import get_paper_for_user
from notes.caching.fragments import digest, render_entries
from notes.forms import parse_tags
from notes.models import Note, Paper
from notes.selectors import browse
from notes.selectors.follows import followed_by, is_following
from notes.services import follows
from notes.services.follows import CannotFollow
from notes.views import navigation
from papernotes.numbers import page_param


def follow_button(
    request: HttpRequest, *, tag: str = "", user: User | None = None, paper: Paper | None = None
) -> dict[str, Any]:
    """What ``notes/_follow_button.html`` needs to show the button for one target."""
    if tag:
        url, label = reverse("notes:follow_tag", args=[tag]), f"#{tag}"
    elif user is not None:
        url, label = reverse("notes:follow_user", args=[user.username]), user.name
    else:
        assert paper is not None
        url, label = reverse("notes:follow_paper", args=[paper.pk]), gettext("this paper")
    back = request.get_full_path()
    if request.htmx and request.htmx.current_url:
        # Swapped in place: the plain-form fallback should still return to the page.
        back = urlsplit(request.htmx.current_url)._replace(scheme="", netloc="").geturl()
    return {
        "url": url,
        "label": label,
        "next": back,
        "following": is_following(request.user, tag=tag, user=user, paper=paper),
        "is_self": user is not None and user.pk == request.user.pk,
    }


def _answer(request: HttpRequest, target_url: str, **target: Any) -> HttpResponse:
    wanted = request.POST.get("follow") == "1"
    try:
        if wanted:
            follows.follow(follower=request.user, **target)
        else:
            follows.unfollow(follower=request.user, **target)
    except CannotFollow as refused:
        if request.htmx:
            return HttpResponse(refused.message, status=400)
        messages.error(request, refused.message)
        return redirect(target_url)
    if request.htmx:
        return render(
            request, "notes/_follow_button.html", {"follow": follow_button(request, **target)}
        )
    what = follow_button(request, **target)["label"]
    messages.success(
        request,
        (_("You follow %(what)s.") if wanted else _("You no longer follow %(what)s."))
        % {"what": what},
    )
    return navigation.back(request, target_url)


@login_required
@require_POST
def follow_tag(request: HttpRequest, tag: str) -> HttpResponse:
    names = parse_tags(tag)
    if len(names) != 1:
        raise Http404(_("No such tag."))
    return _answer(request, reverse("notes:tag", args=[names[0]]), tag=names[0])


@login_required
@require_POST
def follow_user(request: HttpRequest, username: str) -> HttpResponse:
    followed = browse.find_user(username)
    if followed is None:
        raise Http404(_("No such user."))
    return _answer(request, reverse("notes:profile", args=[followed.username]), user=followed)


@login_required
@require_POST
def follow_paper(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_paper_for_user(request.user, pk)
    return _answer(request, paper.get_absolute_url(), paper=paper)


@login_required
@require_GET
def following(request: HttpRequest) -> HttpResponse:
    """New notes from what the user follows, newest first, and the follows themselves."""
    followed = followed_by(request.user)
    notes = (
        Note.objects.visible_to(request.user)
        .filter(followed.matching())
        .order_by("-modified", "-id")
    )
    # Tags are matched note by note: the page reads one note past itself instead of
    # counting pages ahead (as a tag's own list does, ``browse.count_ahead``).
    page = browse.page_of(notes, page_param(request), ahead=0)
    render_entries(page.object_list)
    # The list of follows is cached under everything it shows.
    follows_key = digest(
        "follows",
        [
            (f.pk, f.tag, f.followed_user_id and (f.username, f.user_name), f.paper_title)
            for f in followed.follows
        ],
    )
    return render(
        request,
        "notes/following.html",
        {"followed": followed, "page": page, "query": "", "follows_key": follows_key},
    )

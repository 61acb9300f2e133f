"""The notifications inbox, marking read, and the per-kind notification settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notes.caching.fragments import render_notification_rows
from notes.forms import NotificationSettingsForm
from notes.models import Notification, NotificationKind
from notes.selectors.inbox import inbox_counts, inbox_page, notifications_of
from notes.services import notifications
from papernotes.numbers import page_param, query_int


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    total, unread = inbox_counts(request.user)
    page = inbox_page(request.user, page_param(request), total)
    rows = render_notification_rows(page.object_list, notifications_of)
    # The header's badge is the unread count just read, not a count of its own.
    context = {"page": page, "rows": rows, "unread_notifications": unread}
    return render(request, "notes/notifications.html", context)


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to what it is about, marking it read on the way."""
    notification = (
        Notification.objects.filter(pk=pk, recipient=request.user)
        .select_related("note", "comment")
        .first()
    )
    if notification is None:
        raise Http404(_("No such notification."))
    notifications.mark_read(user=request.user, ids=[notification.pk])
    if not notification.is_readable:
        messages.info(request, _("You can no longer see that note."))
        return redirect("notes:notifications")
    return redirect(notification.get_absolute_url())


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or, without it, all of them read."""
    if request.POST.get("id", ""):
        number = query_int(request, "id", minimum=1)
        if number is None:
            return HttpResponse(
                _("Bad notification id: send one notification's number."), status=400
            )
        notifications.mark_read(user=request.user, ids=[number])
    else:
        count = notifications.mark_read(user=request.user)
        messages.success(
            request,
            ngettext(
                "Marked %(count)d notification read.", "Marked %(count)d notifications read.", count
            )
            % {"count": count},
        )
    return redirect("notes:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    current = {kind: notifications.delivery_for(request.user, kind) for kind in NotificationKind}
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None, initial_from=current
    )
    if form.is_bound and form.is_valid():
        notifications.save_preferences(user=request.user, deliveries=form.deliveries())
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notes:notification_settings")
    return render(request, "notes/notification_settings.html", {"form": form})

"""The settings page for personal access tokens: make one (its secret shown once), see
each one's scope and last use, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from api import tokens as token_service
from api.forms import TokenForm
from api.models import ApiToken

NEW_TOKEN_KEY = "api-new-token"  # noqa: S105 - a session key, not a secret


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm()
    # The new token's secret, shown once: kept in the session only until this page shows it.
    secret = request.session.pop(NEW_TOKEN_KEY, None) if request.method == "GET" else None
    status = 200
    if request.method == "POST" and "revoke" in request.POST:
        try:
            pk = int(request.POST["revoke"][:20])
        except ValueError:
            pk = 0
        if token_service.token_revoke(user=request.user, pk=pk):
            messages.success(request, gettext("Token revoked: it no longer works."))
        else:
            messages.error(request, gettext("No such token to revoke."))
        return redirect("accounts:tokens")
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                _, made = token_service.token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                )
            except token_service.TooManyTokens as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                request.session[NEW_TOKEN_KEY] = made
                return redirect("accounts:tokens")
        else:
            status = 400
    listed = ApiToken.objects.active().filter(user=request.user).order_by("-created")
    return render(
        request,
        "api/tokens.html",
        {"form": form, "secret": secret, "tokens": listed},
        status=status,
    )

"""Sign-up, login and logout, password change, and editing your profile.

Password reset uses Django's views, wired in ``accounts/urls.py``: they carry the token
checks and the one-time link handling that would otherwise be copied here. The public
profile page, /u/<username>/, lists the user's notes and lives in ``notes.views.browse``;
it extends ``accounts/profile.html``.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import addresses, languages, sessions, signups, throttle
from accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    SignupForm,
    save_or_add_errors,
)
from accounts.models import User

WRONG_LOGIN = gettext_lazy(
    "That username and password do not match an account. Passwords are case-sensitive."
)
LOCKED_OUT_HELP = gettext_lazy(
    "Only attempts from this address are paused: you can log in from another one, or "
    "reset your password by e-mail, whose link logs you in."
)
LOGIN_UNAVAILABLE = gettext_lazy(
    "Logging in is paused for a moment: failed attempts cannot be counted right now. "
    "Please try again in a minute."
)


class AuthenticatedRequest(HttpRequest):
    """The request as seen behind ``@login_required``."""

    user: User


def _next_url(request: HttpRequest) -> str:
    """The ``next`` parameter when it stays on this site, else LOGIN_REDIRECT_URL.

    The header's "Log in" link on the login and sign-up pages points back at them; going
    there after logging in would only show the form again.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    parts = urlsplit(candidate)
    if (
        # A path or a full URL: ``redirect()`` would read a bare word ("x") as a view's name.
        (candidate.startswith("/") or parts.scheme)
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and parts.path not in {reverse("accounts:login"), reverse("accounts:signup")}
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _next_for_template(request: HttpRequest) -> str:
    """``next`` to carry through the form, or "" when it is the default anyway."""
    next_url = _next_url(request)
    return "" if next_url == resolve_url(settings.LOGIN_REDIRECT_URL) else next_url


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignupForm(request.POST if request.method == "POST" else None)
    status, wait = 200, 0
    if form.is_bound and form.is_valid():
        email = form.cleaned_data["email"]
        limited = rate_limited(
            request,
            "signup",
            email,
            limit=settings.SIGNUP_RATE_LIMIT,
            window=settings.SIGNUP_RATE_WINDOW_SECONDS,
        )
        if limited is None:
            # The same answer whether or not the address has an account: only its owner
            # learns which, from the e-mail.
            signups.signup_requested(
                username=form.cleaned_data["username"],
                email=email,
                password=form.cleaned_data["password1"],
                next_url=_next_for_template(request),
                absolute=request.build_absolute_uri,
            )
            return redirect("accounts:signup_sent")
        message, status, wait = limited
        form.add_error(None, message)
    response = render(
        request,
        "accounts/signup.html",
        {"form": form, "next": _next_for_template(request)},
        status=status,
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


@require_GET
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html", {"days": signups.CONFIRM_DAYS})


@never_cache
@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation e-mail: a page with a button, which makes the account.

    Following the link only shows the page: mail scanners that open every link must not
    use it up, nor be logged in.
    """
    if request.method == "GET":
        pending = signups.pending_for(token)
        return render(
            request,
            "accounts/signup_confirm.html",
            {"pending": pending},
            status=200 if pending else 404,
        )
    result = signups.confirm(token=token)
    if result is None:
        return render(request, "accounts/signup_confirm.html", {"pending": None}, status=404)
    if result.user is None:
        return render(request, "accounts/signup_confirm.html", {"result": result}, status=409)
    auth_login(request, result.user, backend=sessions.ACCOUNT_BACKEND)
    response = redirect(result.next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    languages.remember_at_login(request, response, result.user)
    messages.success(
        request,
        _("Welcome to %(site)s, %(username)s! You are logged in.")
        % {"site": settings.SITE_NAME, "username": result.user.username},
    )
    return response


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None)
    wait, status = 0, 200
    if form.is_bound and form.is_valid():
        username = form.cleaned_data["username"]
        keys = throttle.login_keys(username, throttle.client_address(request))
        try:
            wait = throttle.start_attempt(keys)
            if not wait:
                user = authenticate(
                    request, username=username, password=form.cleaned_data["password"]
                )
                if user is not None:
                    throttle.attempt_succeeded(keys)
                    auth_login(request, user)
                    response = redirect(_next_url(request))
                    languages.remember_at_login(request, response, user)
                    messages.success(request, _("Welcome back, %(name)s.") % {"name": user.name})
                    return response
                # This failure may have used up the last attempt.
                wait = throttle.seconds_locked(keys)
        except throttle.Unavailable:
            # The attempts cannot be counted: refuse rather than allow unlimited guesses.
            form.add_error(None, LOGIN_UNAVAILABLE)
            wait, status = throttle.Unavailable.seconds, 503
        else:
            if wait:
                form.add_error(None, f"{throttle.retry_message(wait)} {LOCKED_OUT_HELP}")
                status = 429
            else:
                form.add_error(None, WRONG_LOGIN)
    response = render(
        request,
        "registration/login.html",
        {"form": form, "next": _next_for_template(request)},
        status=status,
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


@require_GET
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login page sends people to ours, so one throttled login guards both."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You have logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        form.save()
        # Changing the password ends every session; this one stays logged in.
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:profile_edit")
    return render(request, "registration/password_change_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthenticatedRequest) -> HttpResponse:
    # A fresh copy: a rejected form writes its values into its instance, and the page
    # header must keep showing the saved name, not the one that was refused.
    instance = User.objects.get(pk=request.user.pk)
    address = instance.email
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=instance)
    status, wait = 200, 0
    if form.is_bound and form.is_valid():
        asked = form.cleaned_data["email"]
        changing = not addresses.same_address(asked, address)
        limited = None
        if changing:
            limited = rate_limited(
                request,
                "address-change",
                asked,
                limit=settings.SIGNUP_RATE_LIMIT,
                window=settings.SIGNUP_RATE_WINDOW_SECONDS,
            )
        if limited is not None:
            message, status, wait = limited
            form.add_error("email", message)
        else:
            # The address in use stays until the link sent to the new one is followed.
            instance.email = address if changing else asked
            if save_or_add_errors(form) is not None:
                messages.success(request, _("Your profile has been saved."))
                if changing:
                    # The same answer whether or not another account has the address.
                    addresses.change_requested(
                        user=instance, email=asked, absolute=request.build_absolute_uri
                    )
                    messages.info(
                        request,
                        ngettext(
                            "We sent a link to %(new)s: follow it within %(days)d day to "
                            "use that address. Until then we keep using %(old)s.",
                            "We sent a link to %(new)s: follow it within %(days)d days to "
                            "use that address. Until then we keep using %(old)s.",
                            signups.CONFIRM_DAYS,
                        )
                        % {"new": asked, "days": signups.CONFIRM_DAYS, "old": address},
                    )
                return redirect(instance)
    response = render(request, "accounts/profile_edit.html", {"form": form}, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def address_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail sent to a new address: a page with a button, which makes it
    the account's address (mail scanners that open every link must not use it up)."""
    change = addresses.open_change(token)
    if change is None:
        return render(request, "accounts/address_confirm.html", {"change": None}, status=404)
    if request.method == "GET":
        return render(request, "accounts/address_confirm.html", {"change": change})
    if not addresses.confirm(change):
        return render(
            request, "accounts/address_confirm.html", {"change": change, "taken": True}, status=409
        )
    messages.success(request, _("Your e-mail address is now %(email)s.") % {"email": change.email})
    return redirect("accounts:profile_edit" if request.user == change.user else "accounts:login")


def rate_limited(
    request: HttpRequest, kind: str, email: str, *, limit: int, window: int
) -> tuple[str, int, int] | None:
    """Charge one event of ``kind`` to the client's address and to ``email``.

    None while both are under ``limit`` within ``window``; else the message, the status
    (429, or 503 when the counters cannot be reached) and the seconds to wait. The answer
    is the same whether or not an account uses ``email``.
    """
    try:
        wait = throttle.charge(
            kind, [throttle.client_address(request), email], limit=limit, window=window
        )
    except throttle.Unavailable:
        return throttle.Unavailable.message, 503, throttle.Unavailable.seconds
    if not wait:
        return None
    minutes = max(1, math.ceil(wait / 60))
    message = ngettext(
        "Too many requests from here or for this e-mail address. Try again in %(minutes)d minute.",
        "Too many requests from here or for this e-mail address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    return message, 429, wait


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view (token checks, one-time links), rate-limited per client address
    and per e-mail address before any mail is sent."""

    extra_email_context = {"site_name": settings.SITE_NAME}
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        limited = rate_limited(
            self.request,
            "reset",
            form.cleaned_data["email"],
            limit=settings.PASSWORD_RESET_RATE_LIMIT,
            window=settings.PASSWORD_RESET_RATE_WINDOW_SECONDS,
        )
        if limited is None:
            return super().form_valid(form)
        message, status, wait = limited
        form.add_error(None, message)
        response = self.form_invalid(form)
        response.status_code = status
        response["Retry-After"] = str(wait)
        return response

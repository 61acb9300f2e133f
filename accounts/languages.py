"""The reader's interface language: chosen with the footer's switch, kept in a cookie, and
for a logged-in reader on the account too, so that it follows them to another browser at
login and their e-mails are written in it.

Without a choice, Django's LocaleMiddleware takes the browser's Accept-Language, then
English.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.models import User


def is_known(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (the cookie, the redirect back to ``next``), remembered on
    the account of a logged-in reader.

    The switch is on every page. For a reader who is not logged in it carries no CSRF
    token, so their pages stay the same for everyone (cacheable, and no cookie set on a
    first visit); all it can change is that browser's language cookie. A logged-in reader's
    switch carries the token and is checked here, as it changes the account."""
    if request.user.is_authenticated:
        refused = CsrfViewMiddleware(lambda request: HttpResponse()).process_view(
            request, None, (), {}
        )
        if refused is not None:
            return refused
    response = django_set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and is_known(code) and request.user.language != code:
        request.user.language = code
        request.user.save(update_fields=["language"])
    return response


def remember_at_login(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """At login: a language saved on the account wins over the browser's, from this response
    on; an account without one takes the language its owner is reading in now."""
    if is_known(user.language):
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    elif is_known(current := translation.get_language() or ""):
        user.language = current
        user.save(update_fields=["language"])

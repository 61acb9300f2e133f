"""What a request may do by how it is authenticated; what it may read or change of a
given object is the site's rule (``notes.visibility`` and the getters in ``api.access``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_lazy
from rest_framework import permissions
from rest_framework.request import Request

from api.models import ApiToken


class TokenScope(permissions.BasePermission):
    """Anyone may read; writing needs a logged-in user, and a token with the write scope."""

    message = gettext_lazy("Log in or send a token to do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        if isinstance(request.auth, ApiToken) and not request.auth.can_write:
            self.message = gettext(
                "This token may only read; make one with the read and write scope."
            )
            return False
        return True


class LoggedIn(permissions.BasePermission):
    """For what only exists for a person (``/me``, notifications, follows)."""

    message = gettext_lazy("Log in or send a token to do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

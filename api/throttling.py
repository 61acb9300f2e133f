"""Rate limits: per token, per logged-in user (session), per address (anonymous).

Answers 429 with ``Retry-After``. The counts live in the cache (Redis with ``REDIS_URL``),
so every process shares them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.throttle import client_address
from api.models import ApiToken


class _Throttle(SimpleRateThrottle):
    setting = ""

    def get_rate(self) -> str:
        # Read at each request, so that a changed setting (and a test's) takes effect.
        return getattr(settings, self.setting)


class TokenRateThrottle(_Throttle):
    scope = "token"
    setting = "API_RATE_TOKEN"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(_Throttle):
    scope = "user"
    setting = "API_RATE_USER"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AddressRateThrottle(_Throttle):
    scope = "address"
    setting = "API_RATE_ANONYMOUS"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}

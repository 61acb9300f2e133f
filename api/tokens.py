"""Making, finding and revoking personal access tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from api.models import ApiToken, TokenScope

TOKEN_PREFIX = "pn_"  # noqa: S105 - a marker, not a secret
# Writing the last-used time on every request would make each read a write; once a minute
# is precise enough for "last used".
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_TOKENS_PER_USER = 50


class TooManyTokens(Exception):
    @property
    def message(self) -> str:
        return ngettext(
            "You already have %(count)d token; revoke one first.",
            "You already have %(count)d tokens; revoke one first.",
            MAX_TOKENS_PER_USER,
        ) % {"count": MAX_TOKENS_PER_USER}


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and its secret, which is never stored."""
    if scope not in TokenScope.values:
        raise ValueError(f"scope must be one of {', '.join(TokenScope.values)}")
    if ApiToken.objects.active().filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise TooManyTokens
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, digest=digest_of(raw), prefix=raw[:10]
    )
    return token, raw


def token_for(raw: str) -> ApiToken | None:
    """The active token whose secret is ``raw``, with its user, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(digest=digest_of(raw), user__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


def token_revoke(*, user: User, pk: int) -> bool:
    """Revoke ``user``'s token ``pk``; whether there was one to revoke."""
    return bool(
        ApiToken.objects.active().filter(user=user, pk=pk).update(revoked_at=timezone.now())
    )

"""Response headers that Django's SecurityMiddleware and django-csp do not send.

``Permissions-Policy`` switches off the powerful browser features the site never uses, so a
slip in the sanitiser cannot reach the camera or the location either; and
``Cross-Origin-Resource-Policy`` keeps other sites from loading our pages, feeds and static
files as their own subresources (what a Spectre-style side channel needs).

The middleware sits before WhiteNoise in ``MIDDLEWARE`` so static files get the headers too.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    # settings.py imports this module: it must not import django.http at that point.
    from django.http import HttpRequest, HttpResponseBase


def permissions_policy(features: Mapping[str, tuple[str, ...]]) -> str:
    """The header value for ``{"camera": ()}``-style settings: ``camera=()``, one per feature."""
    return ", ".join(f"{name}=({' '.join(origins)})" for name, origins in features.items())


def inline_style_source(path: Path) -> str:
    """The CSP source that allows exactly one inline ``<style>``: the file's content.

    The standalone error pages (400, 500) carry their style sheet inline, because they must
    look right when static files are what failed; they include this file verbatim between
    ``<style>`` and ``</style>``, and the policy allows that text by its SHA-256 and nothing else.
    """
    digest = hashlib.sha256(path.read_bytes()).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def security_headers(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    policy = permissions_policy(settings.PERMISSIONS_POLICY)
    resource_policy = settings.CROSS_ORIGIN_RESOURCE_POLICY

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        # A view that needs something else may set its own value; none does today.
        response.headers.setdefault("Permissions-Policy", policy)
        response.headers.setdefault("Cross-Origin-Resource-Policy", resource_policy)
        return response

    return middleware

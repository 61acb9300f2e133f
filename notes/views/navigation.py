"""Where a form sends its user once it has done its work."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page the form was on (its ``next`` field), if it is one of ours."""
    target = request.POST.get("next", "")
    # Only a path on this site; ``redirect()`` is not used because it would read a bare
    # word as the name of a view.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target)

"""The one HTTP client of the lookups: bounded in time and size, polite, never raising
anything but ``NotFound`` or ``SourceUnavailable``."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop

from notes.lookup.details import NotFound, SourceUnavailable

logger = logging.getLogger(__name__)

# No source's answer about one paper comes near this; more is not an answer about one paper.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


def user_agent() -> str:
    """Named after the site, with the contact address the APIs ask for (Crossref's
    "polite pool", NCBI's rules)."""
    return (
        f"{settings.SITE_NAME}/1.0 (+{settings.SITE_URL}; mailto:{settings.LOOKUP_CONTACT_EMAIL})"
    )


def get(url: str, *, source: str, params: dict[str, Any] | None = None) -> bytes:
    """The body of a GET of ``url``, within ``LOOKUP_TIMEOUT_SECONDS`` in all.

    404 (and 410) raise ``NotFound``; anything else that is not a 200 (5xx, 429, a
    redirect loop), a timeout, a refused connection or a body past the size cap raise
    ``SourceUnavailable`` naming ``source``.
    """
    # Imported here: httpx takes a quarter of a second to import, which every web worker
    # would otherwise pay when it loads the URLs, lookups or not.
    import httpx

    budget = settings.LOOKUP_TIMEOUT_SECONDS
    deadline = time.monotonic() + budget
    unavailable = SourceUnavailable(
        gettext_noop(
            "%(source)s could not be reached or did not answer in time. "
            "Try again later, or enter the details by hand."
        ),
        source=source,
    )
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(budget),
                headers={"User-Agent": user_agent(), "Accept": "*/*"},
                follow_redirects=True,
                max_redirects=3,
                trust_env=False,
            ) as client,
            client.stream("GET", url, params=params) as response,
        ):
            if response.status_code in (404, 410):
                raise NotFound(
                    gettext_noop("%(source)s does not know this identifier."), source=source
                )
            if response.status_code != 200:
                logger.warning("lookup: %s answered %s", source, response.status_code)
                raise unavailable
            body = bytearray()
            # The timeout bounds each wait; the deadline bounds a body that trickles in.
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES or time.monotonic() > deadline:
                    logger.warning("lookup: %s answer too large or too slow", source)
                    raise unavailable
            return bytes(body)
    except httpx.HTTPError as exc:
        logger.warning("lookup: %s failed: %s", source, type(exc).__name__)
        raise unavailable from exc

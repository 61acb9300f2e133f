"""A lookup as views ask for it: from the cache, else from the source, within the user's
rate limit."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

from accounts import throttle
from accounts.models import User
from notes.lookup import identifiers, sources
from notes.lookup.details import LookupFailed, PaperDetails
from notes.lookup.identifiers import Identifier
from notes.wording import ngettext_noop, said, said_counted

logger = logging.getLogger(__name__)

RATE_KEY_PREFIX = "lookup-rate"
CACHE_KEY_PREFIX = "lookup"

_FETCHERS = {
    identifiers.ARXIV: sources.arxiv,
    identifiers.DOI: sources.doi,
    identifiers.PMID: sources.pubmed,
    identifiers.PMCID: sources.pmcid,
}


class RateLimited(LookupFailed):
    """The user looked up too many identifiers lately."""


def _cache_key(identifier: Identifier) -> str:
    digest = hashlib.sha256(identifier.value.encode()).hexdigest()
    return f"{CACHE_KEY_PREFIX}:{identifier.kind}:{digest}"


def find(identifier: Identifier, *, user: User) -> PaperDetails:
    """The details of the paper ``identifier`` names; raises ``LookupFailed`` (``NotFound``,
    ``SourceUnavailable``, ``RateLimited``) with a message for the user.

    A cached answer costs nothing; a lookup that goes to the source counts against the
    user's ``LOOKUP_RATE_LIMIT``.
    """
    key = _cache_key(identifier)
    try:
        cached = cache.get(key)
    except Exception:  # a cache that cannot be reached is a cache that holds nothing
        cached = None
    if cached is not None:
        return PaperDetails.from_cache(cached)
    _charge(user)
    details = _FETCHERS[identifier.kind](identifier.value)
    try:
        cache.set(key, details.to_cache(), timeout=settings.LOOKUP_CACHE_SECONDS)
    except Exception:
        logger.warning("lookup: could not cache the answer")
    return details


def _charge(user: User) -> None:
    try:
        wait = throttle.count_in_window(
            f"{RATE_KEY_PREFIX}:{user.pk}",
            throttle.now(),
            window=settings.LOOKUP_RATE_WINDOW_SECONDS,
            limit=settings.LOOKUP_RATE_LIMIT,
        )
    except throttle.Unavailable:
        raise RateLimited(str(throttle.Unavailable.message)) from None
    if wait:
        raise RateLimited(
            [
                said_counted(
                    ngettext_noop(
                        "You looked up more than %(limit)d identifier in %(window)d seconds.",
                        "You looked up more than %(limit)d identifiers in %(window)d seconds.",
                    ),
                    "limit",
                    limit=settings.LOOKUP_RATE_LIMIT,
                    window=settings.LOOKUP_RATE_WINDOW_SECONDS,
                ),
                said(
                    gettext_noop("Try again in %(when)s, or enter the details by hand."),
                    when=said_counted(
                        ngettext_noop("%(count)d second", "%(count)d seconds"), "count", count=wait
                    ),
                ),
            ]
        )


def paper_identifiers(
    *, doi: str | None, arxiv_id: str | None, pmid: str | None
) -> list[Identifier]:
    """A paper's identifiers in the order its details are best refreshed from: the
    published version's DOI, then arXiv, then PubMed."""
    found = [
        (identifiers.DOI, doi),
        (identifiers.ARXIV, arxiv_id),
        (identifiers.PMID, pmid),
    ]
    return [Identifier(kind, value) for kind, value in found if value]

"""Optional error reporting to Sentry (or anything that speaks its protocol).

With ``SENTRY_DSN`` set, unhandled exceptions in requests, error log lines (a job that
failed, say) and their tracebacks are sent there, with the Django integration; nothing
about who made the request (``send_default_pii`` off). Unset, the SDK is not even
imported. The 503 answers to database and cache outages are not errors of the site and
are not sent: they are counted (papernotes.metrics) and logged once per interval.
"""

from __future__ import annotations


def start(*, dsn: str, environment: str, traces_sample_rate: float) -> bool:
    """Start reporting to ``dsn``; whether it was started (not without a DSN)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment,
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
    return True

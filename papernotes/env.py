"""Small helpers that read settings from the environment and fail loudly.

Every helper raises ``ImproperlyConfigured`` naming the variable and the value it
could not use, so a typo in a deployment is an error at start-up, not a surprise later.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
FALSE_VALUES = frozenset({"0", "false", "no", "off", ""})

MIN_SECRET_KEY_LENGTH = 50


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    source = os.environ if environ is None else environ
    value = source.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "", *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum of {maximum}.")
    return number


def env_choice(
    name: str, default: str, choices: tuple[str, ...], *, environ: Mapping[str, str] | None = None
) -> str:
    """One of ``choices`` (compared in lower case)."""
    value = env_str(name, default, environ=environ).lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}.")
    return value


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> float:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name}={value!r} is not a finite number.")
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number:g} is below the minimum of {minimum:g}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number:g} is above the maximum of {maximum:g}.")
    return number


_RATE_RE = re.compile(r"^[1-9][0-9]{0,9}/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    """A rate as ``<count>/<second|minute|hour|day>`` (Django REST framework's form)."""
    value = env_str(name, default, environ=environ).strip().lower() or default
    if not _RATE_RE.match(value):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate such as 1200/hour (second, minute, hour or day)."
        )
    return value


def env_list(
    name: str, default: list[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name, environ)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_origins(name: str, *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Comma-separated origins such as ``https://example.org``; each must carry its scheme."""
    origins = env_list(name, environ=environ)
    for origin in origins:
        if not origin.startswith(("http://", "https://")):
            raise ImproperlyConfigured(
                f"{name} entry {origin!r} must start with http:// or https://."
            )
    return origins


def env_networks(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``)."""
    networks = []
    for item in env_list(name, default, environ=environ):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} entry {item!r} is not an IP address or network."
            ) from None
    return networks


def env_secret_key(
    name: str, *, debug: bool, dev_default: str, environ: Mapping[str, str] | None = None
) -> str:
    """The secret key; a development key is allowed only while DEBUG is on."""
    value = _raw(name, environ)
    if not value:
        if debug:
            return dev_default
        raise ImproperlyConfigured(
            f"{name} is not set. With DEBUG off PaperNotes refuses to start without a secret "
            f"key: set {name} to a random string of at least {MIN_SECRET_KEY_LENGTH} characters, "
            "for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if not debug and (len(value) < MIN_SECRET_KEY_LENGTH or value == dev_default):
        raise ImproperlyConfigured(
            f"{name} is too weak for production: use at least {MIN_SECRET_KEY_LENGTH} random "
            "characters."
        )
    return value


def env_database(name: str, *, environ: Mapping[str, str] | None = None) -> dict | None:
    """A Django DATABASES entry parsed from a URL, or None when the variable is unset."""
    import dj_database_url

    value = _raw(name, environ)
    if not value:
        return None
    if not value.startswith(("postgres://", "postgresql://", "pgsql://")):
        raise ImproperlyConfigured(
            f"{name} must be a PostgreSQL URL such as postgresql://user:password@host:5432/name; "
            f"got a value starting with {value.split(':', 1)[0]!r}."
        )
    try:
        config = dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} could not be parsed: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database, e.g. …/papernotes.")
    return config


def env_redis_url(name: str, *, environ: Mapping[str, str] | None = None) -> str:
    value = env_str(name, environ=environ)
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name} must start with redis://, rediss:// or unix://.")
    return value

"""Where the benchmark's database is: a URL for a Django DATABASES entry, and the
embedded server's benchmark database (used by ``make bench`` when DATABASE_URL is unset)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote


def url_of(settings_dict: Mapping[str, object]) -> str:
    """A ``postgresql://`` URL for a Django DATABASES entry (Unix socket hosts included)."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    host = quote(str(settings_dict.get("HOST") or ""), safe="")
    port = str(settings_dict.get("PORT") or "")
    name = quote(str(settings_dict["NAME"]), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgresql://{credentials}{host}{':' + port if port else ''}/{name}"


def embedded_database_url(name: str, pgdata: Path | None = None) -> str:
    """The URL of database ``name`` on the embedded server (started and created if needed)."""
    from papernotes import embedded_db

    where = pgdata or Path(os.environ.get("VAR_DIR") or "var") / "pgdata"
    return url_of(embedded_db.database_settings(where.resolve(), name=name))

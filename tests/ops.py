"""Helpers for tests that start processes or databases of their own: the test database
as a URL, a fresh empty database on the same server, a free local port, and waiting for a
condition."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from django.db import connection
from psycopg import sql


def database_url() -> str:
    """The test database as a DATABASE_URL, for the processes a test starts."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgresql://{quote(db['USER'], safe='')}{password}@{host}{port}/{db['NAME']}"


def free_port() -> int:
    """A local TCP port where nothing listens (for a server a test starts, or one it expects
    to find gone)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], object], *, seconds: float = 60) -> None:
    """Poll ``condition`` until it holds; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {seconds} s")
        time.sleep(0.2)


def server_connection(dbname: str = "postgres") -> psycopg.Connection:
    """A connection (autocommit) to ``dbname`` on the test database's server."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


@contextlib.contextmanager
def fresh_database(suffix: str) -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards; its URL."""
    name = f"{connection.settings_dict['NAME']}_{suffix}"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with server_connection() as server:
        server.execute(drop)
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(database_url())._replace(path=f"/{name}"))
    finally:
        with server_connection() as server:
            server.execute(drop)

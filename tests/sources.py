"""A local stand-in for the metadata sources (arXiv, Crossref, DataCite, NCBI), for the
lookup tests: a real HTTP server on 127.0.0.1 in a thread, serving the saved responses in
tests/data/lookup/ (in each source's own format) or whatever a test sets, so the site's real
HTTP client runs end to end and no test touches the network.

``sources`` points the LOOKUP_*_URL settings at it; ``serve(path_and_query_part, file or
bytes, status=, delay=)`` says what a request whose URL contains that text gets (the last
rule given wins). Requests it received are in ``requests`` (path and headers).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data" / "lookup"


@dataclass
class Rule:
    part: str
    body: bytes
    status: int
    content_type: str
    delay: float


@dataclass
class Sources:
    base: str
    rules: list[Rule] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def serve(
        self,
        part: str,
        body: str | bytes,
        *,
        status: int = 200,
        content_type: str = "",
        delay: float = 0.0,
    ) -> None:
        """``body``: a file name in tests/data/lookup/, or the bytes themselves."""
        if isinstance(body, str):
            path = DATA / body
            data = path.read_bytes()
            content_type = content_type or {
                ".xml": "application/atom+xml; charset=utf-8",
                ".json": "application/json",
                ".html": "text/html",
            }.get(path.suffix, "text/plain")
        else:
            data = body
        self.rules.append(Rule(part, data, status, content_type or "text/plain", delay))

    def answer(self, path: str) -> Rule | None:
        return next((rule for rule in reversed(self.rules) if rule.part in path), None)


def _handler(sources: Sources) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            sources.requests.append((self.path, dict(self.headers)))
            rule = sources.answer(self.path)
            if rule is None:
                self.send_response(404)
                self.end_headers()
                return
            if rule.delay:
                time.sleep(rule.delay)
            self.send_response(rule.status)
            self.send_header("Content-Type", rule.content_type)
            self.send_header("Content-Length", str(len(rule.body)))
            self.end_headers()
            # The client may have given up waiting, as it should.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(rule.body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def sources(settings) -> Iterator[Sources]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(None))  # type: ignore[arg-type]
    base = f"http://127.0.0.1:{server.server_address[1]}"
    found = Sources(base=base)
    server.RequestHandlerClass = _handler(found)
    server.daemon_threads = True
    # Polled often, so that the shutdown at the end of each test is at once (0.5 s each
    # with the default).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    settings.LOOKUP_ARXIV_URL = f"{base}/arxiv/api/query"
    settings.LOOKUP_CROSSREF_URL = f"{base}/crossref/works/"
    settings.LOOKUP_DATACITE_URL = f"{base}/datacite/dois/"
    settings.LOOKUP_EUTILS_URL = f"{base}/eutils/"
    settings.LOOKUP_TIMEOUT_SECONDS = 2.0
    settings.LOOKUP_CONTACT_EMAIL = "papers@example.org"
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()

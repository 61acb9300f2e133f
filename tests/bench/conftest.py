"""A tiny local HTTP server for the client and load tests, and the seeding helper."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command

from bench.management.commands import seed_bench


def seed(**options: object) -> str:
    """Run seed_bench at a small scale; its output."""
    out = StringIO()
    options = {"notes": 300, "users": 20, "readers": 2, "revisions": 1, "seed": 1, **options}
    options.setdefault("templates", 60)
    # The site does not install the bench app, so the command is given, not looked up.
    call_command(seed_bench.Command(), stdout=out, **options)
    return out.getvalue()


class _Handler(BaseHTTPRequestHandler):
    """/ok/ answers 200, /login/ plays a login form, /echo/ repeats the cookies."""

    def do_GET(self) -> None:
        if self.path == "/accounts/login/":
            self._answer(200, cookies=["csrftoken=secret-token; Path=/; SameSite=Lax"])
        elif self.path == "/echo/":
            self._answer(200, self.headers.get("Cookie", "").encode())
        else:
            self._answer(200 if self.path == "/ok/" else 404)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        token_ok = form.get("csrfmiddlewaretoken") == ["secret-token"]
        if self.path == "/accounts/login/" and token_ok and form.get("password") == ["right"]:
            self._answer(
                302,
                cookies=[
                    "sessionid=s1; HttpOnly; Path=/",
                    "csrftoken=rotated-token; Path=/",
                ],
            )
        else:
            self._answer(403 if not token_ok else 200)

    def _answer(self, status: int, body: bytes = b"ok", cookies: list[str] = ()) -> None:
        self.send_response(status)
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()

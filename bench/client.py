"""A small HTTP client on the standard library: timed requests, cookies, forms, login.

Every request opens a new connection (gunicorn's sync workers close it after each
answer anyway) and sends what a browser sends, so the pages that count views count the
benchmark's reader as a person. A ``Session`` keeps its cookies and posts forms with the
CSRF token from its cookie, as a browser submitting the site's own forms does.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
BASE_HEADERS = {"Accept": "text/html,*/*", "User-Agent": USER_AGENT}
LOGIN_PATH = "/accounts/login/"
TAG_HEADER = "X-Bench-Batch"


@dataclass(frozen=True)
class Answer:
    status: int
    latency_ms: float
    headers: dict[str, list[str]]
    body: bytes = b""

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[-1] if values else ""


def request(
    host: str,
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30.0,
    keep_body: bool = False,
) -> Answer:
    """One request on a new connection, timed from connecting to the last byte read.

    Raises ``OSError`` or ``http.client.HTTPException`` when there is no answer.
    """
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers={**BASE_HEADERS, **(headers or {})})
        response = connection.getresponse()
        content = response.read()
        received: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            received.setdefault(name.lower(), []).append(value)
    finally:
        connection.close()
    latency = (time.perf_counter() - started) * 1000
    return Answer(response.status, latency, received, content if keep_body else b"")


class LoginFailed(Exception):
    pass


@dataclass
class Session:
    """A reader's cookies (none for an anonymous one) and the forms they post."""

    host: str
    port: int
    name: str = "anonymous"
    cookies: dict[str, str] = field(default_factory=dict)
    # Sent as X-Bench-Batch, so the server's CPU log can tell whose requests it measured.
    tag: str = ""

    @property
    def headers(self) -> dict[str, str]:
        headers = {TAG_HEADER: self.tag} if self.tag else {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def keep_cookies(self, answer: Answer) -> None:
        for line in answer.headers.get("set-cookie", []):
            jar = SimpleCookie()
            jar.load(line)
            for key, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[key] = morsel.value
                else:
                    self.cookies.pop(key, None)

    def get(
        self,
        path: str,
        *,
        keep_body: bool = False,
        timeout: float = 30.0,
        remember: bool = True,
        tag: str = "",
    ) -> Answer:
        """GET ``path``; ``remember=False`` leaves the cookies as they are (for threads
        sharing this session's cookies while they read pages); ``tag`` instead of the
        session's."""
        headers = self.headers
        if tag:
            headers[TAG_HEADER] = tag
        answer = request(
            self.host,
            self.port,
            "GET",
            path,
            headers=headers,
            keep_body=keep_body,
            timeout=timeout,
        )
        if remember:
            self.keep_cookies(answer)
        return answer

    def post(self, path: str, data: dict[str, str], *, timeout: float = 30.0) -> Answer:
        """Submit a form as the site's own pages do, with the CSRF token of the cookie."""
        if "csrftoken" not in self.cookies:
            self.get(LOGIN_PATH)  # any page with a form sets the cookie
        fields = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        answer = request(
            self.host,
            self.port,
            "POST",
            path,
            headers={**self.headers, "Content-Type": "application/x-www-form-urlencoded"},
            body=urlencode(fields).encode(),
            timeout=timeout,
        )
        self.keep_cookies(answer)
        return answer

    def login(self, username: str, password: str) -> None:
        """Log in through the login form, as a person would."""
        self.get(LOGIN_PATH)
        answer = self.post(LOGIN_PATH, {"username": username, "password": password})
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise LoginFailed(f"{username} could not log in (HTTP {answer.status}).")
        self.name = username

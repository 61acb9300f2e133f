"""Hostile input for the tests: the corpora's strings, and a check for executable markup in
the pages that show them back."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.corpora import naughty_strings, xss_list_names, xss_payloads

OUR_SCRIPTS = {"/static/js/notes.js", "/static/js/htmx-2.0.10.min.js"}


class _ScriptFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _ in attrs}
        if any(name.startswith("on") for name in names):
            self.problems.append(f"event handler on <{tag}>")
        if tag in {"iframe", "object", "embed", "svg", "base"}:
            self.problems.append(f"<{tag}>")
        if tag == "script" and dict(attrs).get("src") not in OUR_SCRIPTS:
            self.problems.append("a script that is not ours")
        dangerous = ("javascript:", "data:", "vbscript:")
        for name, value in attrs:
            url = (value or "").strip().lower()
            if name in {"href", "src", "action"} and url.startswith(dangerous):
                self.problems.append(f"{name}={value[:40]}")


def executable_markup(html: str) -> list[str]:
    """What in ``html`` could run: event handlers, frames, scripts that are not the site's,
    script URLs."""
    finder = _ScriptFinder()
    finder.feed(html)
    return finder.problems


def all_strings() -> list[str]:
    """Every non-blank string of the naughty-strings list and the XSS payload lists."""
    strings = [s for s in naughty_strings() if s.strip()]
    for name in sorted(xss_list_names()):
        strings.extend(line for line in xss_payloads(name) if line.strip())
    return strings

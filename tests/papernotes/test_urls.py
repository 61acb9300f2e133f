"""URL names are namespaced by app (``notes:``, ``accounts:``, ``api:``, ``site:``), and
templates and code build links by name, never with a bare name or a name that is gone."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

from tests.paths import ROOT

PRODUCT = ("notes", "accounts", "api", "papernotes", "templates", "bench", "tools")
URL_TAG_RE = re.compile(r"\{%\s*url\d?\s+(['\"])([^'\"]+)\1")
REVERSE_RE = re.compile(
    r"\b(?:reverse|reverse_lazy|redirect|resolve_url|_url_maker)\(\s*(['\"])([^'\"/]+)\1"
)
# A name handed to an included template that builds the link (``{% url export_name … %}``).
NAME_VARIABLE_RE = re.compile(r"\b(?:export|url|view)_name=(['\"])([^'\"/ ]+)\1")


def _bare_names(patterns: list, namespace: str | None = None) -> list[str]:
    bare = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            bare += _bare_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name and namespace is None:
            bare.append(pattern.name)
    return bare


def _known_names(patterns: list, prefix: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _known_names(pattern.url_patterns, inner)
        elif pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_named_url_is_in_a_namespace() -> None:
    assert _bare_names(get_resolver().url_patterns) == []


def _uses() -> list[tuple[str, str]]:
    found = []
    for folder in PRODUCT:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".html", ".txt") or "migrations" in path.parts:
                continue
            text = path.read_text(errors="replace")
            for regex in (URL_TAG_RE, REVERSE_RE, NAME_VARIABLE_RE):
                found += [(str(path.relative_to(ROOT)), m.group(2)) for m in regex.finditer(text)]
    return found


def test_links_are_built_from_namespaced_names_that_exist() -> None:
    known = _known_names(get_resolver().url_patterns)
    uses = _uses()
    assert len(uses) > 100  # the scan reads the templates and the code
    assert [(path, name) for path, name in uses if ":" not in name] == []
    assert [(path, name) for path, name in uses if name not in known] == []


def test_the_check_sees_a_bare_name() -> None:
    assert URL_TAG_RE.search("{% url 'note' 5 %}").group(2) == "note"
    assert REVERSE_RE.search('return redirect("index")').group(2) == "index"
    assert REVERSE_RE.search('redirect("/")') is None
    assert (
        NAME_VARIABLE_RE.search('{% with export_name="export_notes" %}').group(2) == "export_notes"
    )

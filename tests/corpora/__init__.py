"""The third-party test corpora kept beside this module (see README.md for their sources).

A test that needs them and cannot find them fails with a clear message: skipping would
hide that the hostile inputs were never tried.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CORPORA = Path(__file__).resolve().parent
XSS_DIR = "payloadsallthethings-xss"


def corpus_file(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.is_file():
        pytest.fail(f"test corpus {path} is missing from the checkout")
    return path


def naughty_strings() -> list[str]:
    """The Big List of Naughty Strings."""
    strings = json.loads(corpus_file("blns", "blns.json").read_text(encoding="utf-8"))
    assert len(strings) > 500
    return strings


def xss_payloads(name: str) -> list[str]:
    """One of the XSS payload lists, a payload a line."""
    lines = corpus_file(XSS_DIR, name).read_text(encoding="utf-8").splitlines()
    assert lines
    return lines


def xss_list_names() -> set[str]:
    return {path.name for path in (CORPORA / XSS_DIR).glob("*.txt")}

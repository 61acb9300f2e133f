"""Messages kept for later and put into words when they are shown, in the reader's language.

An import's results are written by a job that does not know who will read them, nor in
what language. So each reason is stored as its message id (the English text, marked with
``gettext_noop`` so that ``makemessages`` finds it) and its parameters, and the status page
translates it when it shows it. Text stored before this, and the titles of papers, are
plain strings, shown as they are.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

# {"text": msgid, "args": {...}}
Said = dict[str, Any]


def said(text: str, /, **args: Any) -> Said:
    """``text`` (a msgid with ``%(name)s`` placeholders) and its parameters, to store."""
    return {"text": text, "args": args}


def words(stored: Said | list[Said] | str | None) -> str:
    """What ``stored`` says in the active language: a message, messages one after another,
    or a plain string (shown as it is). A parameter that is a message is put into words too."""
    if not stored:
        return ""
    if isinstance(stored, str):
        return stored
    if isinstance(stored, list):
        return " ".join(words(item) for item in stored)
    text = gettext(stored["text"])
    if not stored["args"]:
        return text
    # A parameter may itself be a message (a part of a sentence built in steps).
    args = {k: words(v) if isinstance(v, dict) else v for k, v in stored["args"].items()}
    return text % args

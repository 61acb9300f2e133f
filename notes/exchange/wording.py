"""Messages kept for later and put into words when they are shown, in the reader's language.

An import's results are written by a job that does not know who will read them, nor in
what language. So each reason is stored as its message id (the English text, marked with
``gettext_noop`` so that ``makemessages`` finds it) and its parameters, and the status page
translates it when it shows it. Text stored before this, and the titles of papers, are
plain strings, shown as they are.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, ngettext

# {"text": msgid, "args": {...}}, with "plural" and "n" for a counted message.
Said = dict[str, Any]


def said(text: str, /, **args: Any) -> Said:
    """``text`` (a msgid with ``%(name)s`` placeholders) and its parameters, to store."""
    return {"text": text, "args": args}


def said_n(singular: str, plural: str, n: int, /, **args: Any) -> Said:
    """A counted message: the plural form is chosen when it is shown (Arabic has six)."""
    return {"text": singular, "plural": plural, "n": n, "args": {"count": n, **args}}


def words(stored: Said | list[Said] | str | None) -> str:
    """What ``stored`` says in the active language: a message, messages one after another,
    or a plain string (shown as it is). A parameter that is a message is put into words too."""
    if not stored:
        return ""
    if isinstance(stored, str):
        return stored
    if isinstance(stored, list):
        return " ".join(words(item) for item in stored)
    if "plural" in stored:
        text = ngettext(stored["text"], stored["plural"], stored["n"])
    else:
        text = gettext(stored["text"])
    if not stored["args"]:
        return text
    # A parameter may itself be a message (a part of a sentence built in steps).
    args = {k: words(v) if isinstance(v, dict) else v for k, v in stored["args"].items()}
    return text % args

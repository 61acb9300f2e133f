"""Messages kept for later and put into words when they are shown, in the reader's language.

A refusal raised below the views (a text too complex to render, a comment or follow refused)
and an import's results, written by a job that does not know who will read them, are kept
as a message id (the English text, marked with ``gettext_noop``, or with this module's
``ngettext_noop`` for a count, so that ``makemessages`` finds it) and its parameters;
whoever shows them translates them then, in the language active there. Text stored before
this, and the titles of papers, are plain strings, shown as they are.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, ngettext

# {"text": msgid, "args": {...}}, and for a count {"plural": msgid_plural, "count": "<arg>"}
Said = dict[str, Any]


def ngettext_noop(singular: str, plural: str, /) -> tuple[str, str]:
    """Marks a counted message for ``makemessages`` (``gettext_noop``'s like for a count)
    without translating it; ``said_counted`` takes the pair."""
    return singular, plural


def said(text: str, /, **args: Any) -> Said:
    """``text`` (a msgid with ``%(name)s`` placeholders) and its parameters, to store."""
    return {"text": text, "args": args}


def said_counted(forms: tuple[str, str], counted_by: str, /, **args: Any) -> Said:
    """A message whose form follows the number ``args[counted_by]``: ``forms`` is the
    ``ngettext_noop`` pair (singular, plural)."""
    singular, plural = forms
    return {"text": singular, "plural": plural, "count": counted_by, "args": args}


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
        text = ngettext(stored["text"], stored["plural"], stored["args"][stored["count"]])
    else:
        text = gettext(stored["text"])
    if not stored["args"]:
        return text
    # A parameter may itself be a message (a part of a sentence built in steps).
    args = {k: words(v) if isinstance(v, dict) else v for k, v in stored["args"].items()}
    return text % args

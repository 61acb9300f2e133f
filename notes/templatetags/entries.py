"""Template helpers for the parts of an entry that a list repeats many times.

A list page shows twenty or more entries, each with a date and several links; built the
generic way (``{% url %}`` per link, three date filters per date) they cost more than
everything else on the page. These give the same output for less; the entry itself, its
meta line and a search result are written in ``notes.caching.entry_html``.
"""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.forms import BoundField
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from notes.caching import entry_html

register = template.Library()


@register.simple_tag
def url0(name: str) -> str:
    """``{% url name %}`` for a URL without arguments, cached (the header's links)."""
    return entry_html.url(name)


@register.simple_tag
def url1(name: str, arg: str | int) -> str:
    """``{% url name arg %}`` for a URL with one argument, cached.

    A URL depends only on its name, its argument and the script prefix, so a cached
    one is never stale; lists ask for the same few hundred tag and profile links again
    and again.
    """
    return entry_html.url(name, arg)


@register.simple_tag
def url2(name: str, first: str | int, second: str | int) -> str:
    """``{% url name first second %}``, cached like ``url1``: a note's revision links,
    a comment's links."""
    return entry_html.url(name, first, second)


register.simple_tag(entry_html.modified_time, name="modified_time")
register.simple_tag(entry_html.entry_meta, name="entry_meta")


@register.simple_tag(takes_context=True)
def vote_button(context: template.Context, note: Any, voted: bool) -> str:
    """The reader's vote button for ``note`` (``entry_html.vote_button``), with the page's
    reader, CSRF token and address."""
    request = context["request"]
    return entry_html.vote_button(
        note,
        voted=bool(voted),
        reader=context["user"],
        csrf_token=str(context.get("csrf_token", "")),
        next_path=request.get_full_path(),
    )


# A form's field as ``_field.html`` writes it, when nothing was filled in: the same for
# every note page (the new-comment form), by what the markup is made of. Written through
# the template engine, the label, the text area and the help cost about a millisecond a
# page; kept here, a few entries at most (forms × languages).
_BLANK_FIELDS: dict[tuple[Any, ...], SafeString] = {}
BLANK_FIELDS_KEPT = 64  # a bound, should a page ever write blank fields with ids of their own


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    """``{% include "_field.html" %}`` for ``field``; a field of a form that is not bound
    and has no initial value for it is written once per form class, ids, field settings
    and language."""
    form = field.form
    if form.is_bound or form.get_initial_for_field(field.field, field.name) not in (None, ""):
        return render_to_string("_field.html", {"field": field})
    widget = field.field.widget
    key = (
        type(form),
        form.auto_id,
        form.prefix,
        field.name,
        str(field.label),
        str(field.help_text),
        field.field.required,
        field.field.disabled,
        type(widget),
        tuple(sorted((name, str(value)) for name, value in widget.attrs.items())),
        get_language(),
    )
    html = _BLANK_FIELDS.get(key)
    if html is None:
        html = render_to_string("_field.html", {"field": field})
        if len(_BLANK_FIELDS) < BLANK_FIELDS_KEPT:
            _BLANK_FIELDS[key] = html
    return html


@register.simple_tag
def revision_bar(note: Any, bar: Any) -> SafeString:
    """The note page's line of links to its revisions (``notes.selectors.revbar``): the one
    being read, the newest few and the oldest the reader may read, the head and the full
    history. Through the template engine, ten links each with its translated title cost
    more than the rest of the note's header."""
    prefix, number = get_script_prefix(), entry_html.number
    links = "".join(
        '<span aria-hidden="true">…</span> '
        if n is None
        else (
            f'<a href="{html.escape(entry_html.url("notes:note_revision", note.pk, n))}" '
            f'title="{gettext("revision %(n)s") % {"n": number(n)}}">[{number(n)}]</a> '
        )
        for n in bar.links
    )
    history = (
        f'· <a href="{html.escape(entry_html.number_url("notes:note_history", note.pk, prefix))}">'
        f"{gettext('full history')}</a>"
        if bar.shortened or bar.current
        else ""
    )
    return SafeString(
        f'<p class="revbar">{gettext("revision:")} <strong class="revbar__current" '
        f'title="{gettext("the revision you are reading")}">{number(bar.current)}</strong>\n'
        f"{links}\n"
        f'<a href="{html.escape(entry_html.number_url("notes:note", note.pk, prefix))}" '
        f'title="{gettext("the current revision")}">[{gettext("head")}]</a>\n'
        f"{history}</p>\n"
    )


@register.simple_tag
def comment_count_words(note: Any) -> str:
    """How many comments ``note`` has, in words ("3 comments")."""
    return entry_html.comment_count(note.comment_count)

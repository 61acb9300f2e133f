"""The filter bar above a list of notes and the pager below a list, written in Python.

Every list page shows both (the index, a tag, several tags, a person's notes; the pager
also under search results, a history, the inbox, the papers and the moderation queue).
Through the template engine the filter bar alone cost about as much as a page's twenty
cached entries: some thirty tags of words, options and conditions resolved on every
request. Here the words of each language are looked up once; a request fills in what is
its own: the search words, the tags, the sort and the page numbers.

The markup is the one the templates wrote (``tests/notes/test_listing_tags.py`` compares
the two, kept there as they were). Words written by ``{% translate %}`` go in as the
translation says, as the template did; every value is escaped.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from django import template
from django.core.paginator import Page
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from notes.caching import entry_html
from papernotes.dates import date_format

register = template.Library()


def _escaped(value: object) -> str:
    """``conditional_escape`` with the template's number formatting (``{{ value }}``)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    if isinstance(value, int) and not isinstance(value, bool):
        return entry_html.number(value)
    return html.escape(str(value))


@lru_cache(maxsize=64)
def _toolbar_words(language: str | None) -> dict[str, str]:
    """The filter bar's fixed words in ``language`` (the active one), as ``{% translate %}``
    writes them."""
    return {
        word: gettext(word)
        for word in (
            "Filter and sort",
            "Text",
            "words, &quot;a phrase&quot;, -not",
            "Tag",
            "e.g. attention",
            "Sort by",
            "Order",
            "newest / Z–A first",
            "oldest / A–Z first",
            "Apply",
            "hide all",
            "show all",
            "Showing notes",
            'matching “<span dir="auto">%(text)s</span>”',
            "tagged",
            "and",
            'by <span dir="auto">%(u)s</span>',
            "clear filters",
        )
    }


def _filters(listing: Any, path: str, words: dict[str, str]) -> str:
    """The line saying which filters a list has, with the link that clears them."""
    if not (listing.tags or listing.text or listing.users):
        return ""
    text = (
        words['matching “<span dir="auto">%(text)s</span>”'] % {"text": _escaped(listing.text)}
        if listing.text
        else ""
    )
    tags = (
        f"{words['tagged']} "
        + f" {words['and']} ".join(
            f'<span class="tag" dir="auto">{_escaped(tag)}</span>' for tag in listing.tags
        )
        if listing.tags
        else ""
    )
    users = "".join(
        " " + words['by <span dir="auto">%(u)s</span>'] % {"u": _escaped(user)}
        for user in listing.users
    )
    return (
        f'\n<p class="filters muted">{words["Showing notes"]}\n  {text}\n  {tags}\n  {users}\n'
        f'  · <a href="{_escaped(path)}">{words["clear filters"]}</a></p>\n'
    )


@register.simple_tag(takes_context=True)
def list_toolbar(context: template.Context) -> SafeString:
    """The filter and sort bar above a list of notes (a plain GET form; a script adds tag
    suggestions), and the line saying which filters apply."""
    form, listing, tag = context["form"], context["listing"], context.get("tag")
    words = _toolbar_words(get_language())
    hidden = "".join(
        f'<input type="hidden" name="tag" value="{_escaped(t)}">' for t in listing.tags if t != tag
    )
    options = "".join(
        f'<option value="{_escaped(value)}"{" selected" if listing.sort == value else ""}>'
        f"{_escaped(label)}</option>"
        for value, label in form.fields["sort"].choices
    )
    desc, asc = (" selected", "") if listing.descending else ("", " selected")
    return SafeString(
        "\n"
        f'<form class="toolbar no-print" method="get" aria-label="{words["Filter and sort"]}">\n'
        '  <div class="toolbar__group">\n'
        f'    <label for="tb-q">{words["Text"]}</label>\n'
        '    <input id="tb-q" type="search" name="q" '
        f'value="{_escaped(form["q"].value() or "")}" maxlength="500" dir="auto" '
        f'placeholder="{words["words, &quot;a phrase&quot;, -not"]}">\n'
        "  </div>\n"
        '  <div class="toolbar__group">\n'
        f'    <label for="tb-tag">{words["Tag"]}</label>\n'
        '    <input id="tb-tag" type="text" name="tag" list="tb-tag-options" autocomplete="off" '
        f'dir="auto" placeholder="{words["e.g. attention"]}" '
        f'data-autocomplete="{html.escape(entry_html.url("notes:tag_autocomplete"))}">\n'
        '    <datalist id="tb-tag-options"></datalist>\n'
        "  </div>\n"
        f"  {hidden}\n"
        '  <div class="toolbar__group">\n'
        f'    <label for="tb-sort">{words["Sort by"]}</label>\n'
        '    <select id="tb-sort" name="sort">\n'
        f"      {options}\n"
        "    </select>\n"
        f'    <label for="tb-order" class="visually-hidden">{words["Order"]}</label>\n'
        '    <select id="tb-order" name="order">\n'
        f'      <option value="desc"{desc}>{words["newest / Z–A first"]}</option>\n'
        f'      <option value="asc"{asc}>{words["oldest / A–Z first"]}</option>\n'
        "    </select>\n"
        "  </div>\n"
        f'  <button class="button button--small" type="submit">{words["Apply"]}</button>\n'
        '  <span class="toolbar__group">\n'
        '    <button type="button" class="link-button js-hide-all" hidden>'
        f"{words['hide all']}</button>\n"
        '    <button type="button" class="link-button js-show-all" hidden>'
        f"{words['show all']}</button>\n"
        "  </span>\n"
        "</form>\n"
        f"{_filters(listing, context['request'].path, words)}\n"
    )


@lru_cache(maxsize=64)
def _pager_words(language: str | None) -> dict[str, str]:
    """The pager's fixed words in ``language`` (the active one), as the template wrote them."""
    return {
        word: gettext(word)
        for word in (
            "Pages",
            "← Newer",
            "Older →",
            "Page %(number)s of %(pages)s",
            "Page %(number)s of more than %(pages)s",
            "Page %(number)s",
        )
    }


@register.simple_tag(takes_context=True)
def pager(context: template.Context) -> SafeString:
    """The links to the previous and the next page of ``page`` (with the list's ``query``,
    without its page number), and which page this is of how many.

    A list that knows only that it has more than some number of pages (``capped``,
    ``notes.selectors.browse.ListPaginator``) says so; a plain paginator's pages are all
    counted."""
    page: Page = context["page"]
    if not page.has_other_pages():
        return SafeString("\n")
    words = _pager_words(get_language())
    listing, query = context.get("listing"), context.get("query")
    before = f"{_escaped(query)}&amp;" if query else ""
    paginator = page.paginator
    pages = getattr(paginator, "pages_shown", paginator.num_pages)
    number = _escaped(page.number)
    if not getattr(paginator, "capped", False):
        where = words["Page %(number)s of %(pages)s"] % {"number": number, "pages": _escaped(pages)}
    elif pages > page.number:
        where = words["Page %(number)s of more than %(pages)s"] % {
            "number": number,
            "pages": _escaped(pages),
        }
    else:
        where = words["Page %(number)s"] % {"number": number}
    previous = (
        f'<a rel="prev" href="?{before}page={_escaped(page.previous_page_number())}">'
        f"{_escaped(listing.pager_words[0]) if listing else words['← Newer']}</a>"
        if page.has_previous()
        else ""
    )
    following = (
        f'<a rel="next" href="?{before}page={_escaped(page.next_page_number())}">'
        f"{_escaped(listing.pager_words[1]) if listing else words['Older →']}</a>"
        if page.has_next()
        else ""
    )
    return SafeString(
        f'\n<nav class="pagination" aria-label="{words["Pages"]}">\n'
        f"  {previous}\n  <span>{where}</span>\n  {following}\n</nav>\n\n"
    )


@lru_cache(maxsize=64)
def _no_notes(language: str | None) -> str:
    return gettext("No notes match.")


@register.simple_tag(takes_context=True)
def entry_list(context: template.Context) -> SafeString:
    """A page of entries (``entry_html`` set on each, ``notes.caching.fragments``), under
    month headings when the list is in ``chronology``, or the ``empty_message``; then the
    pager."""
    page = context["page"]
    parts = []
    if context.get("chronology"):
        month_format = formats.get_format("YEAR_MONTH_FORMAT")
        previous = None
        for note in page:
            heading = (
                '<h2 class="month-heading">'
                f"{_escaped(date_format(timezone.localtime(note.created), month_format))}</h2>"
            )
            parts.append(f"\n  {heading if heading != previous else ''}\n  {note.entry_html}\n")
            previous = heading
    else:
        parts.extend(f"\n  \n  {note.entry_html}\n" for note in page)
    if not parts:
        message = context.get("empty_message") or _no_notes(get_language())
        parts.append(f'\n  <div class="empty"><p>{_escaped(message)}</p></div>\n')
    return SafeString("\n" + "".join(parts) + "\n" + pager(context) + "\n")

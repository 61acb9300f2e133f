"""The HTML a page repeats many times, written in Python: a note's entry, its search result
and its meta line, the rows of a history table and the lines of the inbox.

A list page shows twenty or more entries. Cached, an entry costs nothing; but a page of
notes nobody has asked for lately (a deep page, a tag, a search) renders every one of them,
and through the template engine an entry took about 2 ms of CPU, most of such a page's cost.
Written here with ``_html`` (``format_html`` without Django's lazy-string wrappers: every
value escaped unless it is already safe HTML), with the words of the reader's language
looked up once and a note's links made from one reversed URL, the same markup takes a
small fraction of that. The words are the templates' (the same message ids in ``locale/``), so
they are translated as before.

A note here is a ``Note`` with its paper and author (the note page) or, for lists, a
``fragments.EntryNote``: the same attributes, made of the entry row without reading any
model. ``{% entry_meta note %}`` writes this module's meta line on the note page;
``tests/notes/caching/test_entry_html.py`` pins the markup. A history page's fifty rows
cost 15 ms through the templates, a few here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix, reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext, pgettext

from notes.models import Note
from papernotes.dates import date_format, local_format


@lru_cache(maxsize=16384)
def _reverse(name: str, args: tuple[str | int, ...], prefix: str) -> str:
    return reverse(name, args=args)


def url(name: str, *args: str | int) -> str:
    """``reverse(name, args=args)``, cached: a URL depends only on its name, its arguments and
    the script prefix, and lists ask for the same few hundred tag and profile links again."""
    return _reverse(name, args, get_script_prefix())


# A number no note or paper has, reversed in place of one: a note's own links are made by
# putting its number where this one is in its URL (``reverse`` for every note of a cold page
# cost more than the rest of its entry).
_STAND_IN = 918_273_645_546_372_819


@lru_cache(maxsize=256)
def _around_number(name: str, prefix: str) -> tuple[str, str]:
    before, stand_in, after = _reverse(name, (_STAND_IN,), prefix).rpartition(str(_STAND_IN))
    if not stand_in:
        raise ValueError(f"{name} does not take a number")
    return before, after


def number_url(name: str, number: int, prefix: str) -> str:
    """``reverse(name, args=[number])`` for a URL whose one argument is a number."""
    before, after = _around_number(name, prefix)
    return f"{before}{int(number)}{after}"


def modified_time(value: datetime) -> SafeString:
    """``<time>`` with the ISO date-time, the full local date-time as its title and the day
    (the formats of the reader's language), converting to local time once."""
    return SafeString(_time(value))


def _time(value: datetime) -> str:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return '<time datetime="{}" title="{}">{}</time>'.format(
        html.escape(local.isoformat()),  # the date filter's "c"
        html.escape(local_format(local, "DATETIME_FORMAT")),
        html.escape(local_format(local, "SHORT_DATE_FORMAT")),
    )


def _escaped(value: object) -> str:
    """``conditional_escape`` without Django's lazy-string wrapper (the same output)."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _html(template: str, *args: object, **kwargs: object) -> SafeString:
    """``format_html``: every value escaped unless it is already safe HTML."""
    return SafeString(
        template.format(
            *map(_escaped, args), **{key: _escaped(value) for key, value in kwargs.items()}
        )
    )


@lru_cache(maxsize=64)
def _words(language: str | None) -> dict[str, str]:
    """The entry's fixed words in ``language`` (the active one), escaped."""
    return {
        word: html.escape(gettext(word))
        for word in ("modified", "private", "hidden by moderators", "show", "hide", "print")
    }


@lru_cache(maxsize=4096)
def _count_in(language: str | None, singular: str, plural: str, count: int) -> str:
    return ngettext(singular, plural, count) % {"counter": formats.localize(count)}


def _count(singular: str, plural: str, count: int) -> str:
    """``{% blocktranslate count counter=… %}``: the count in the reader's language."""
    return _count_in(get_language(), singular, plural, count)


def vote_count(count: int) -> str:
    return _count("%(counter)s vote", "%(counter)s votes", count)


def comment_count(count: int) -> str:
    return _count("%(counter)s comment", "%(counter)s comments", count)


@lru_cache(maxsize=16384)
def _tag_link(tag: str, prefix: str) -> str:
    """A tag's link in an entry's meta line: a list shows the same few hundred tags again."""
    return _html(
        '<a class="tag" href="{}" dir="auto">{}</a>', _reverse("notes:tag", (tag,), prefix), tag
    )


def entry_meta(note: Note) -> SafeString:
    """The line under an entry's title: the reference, the author, the date, the counts, the
    badges and the tags."""
    return SafeString(_meta(note, get_language(), get_script_prefix()))


def _meta(note: Note, language: str | None, prefix: str) -> str:
    paper, words = note.paper, _words(language)
    ref = (
        f'<span class="entry__ref" dir="ltr">ref: {_escaped(paper.first_author_surname)}-'
        f"{_escaped(paper.year)}</span> ·"
        if paper.year
        else ""
    )
    private = "" if note.is_public else f'<span class="badge">{words["private"]}</span>'
    hidden = (
        f'<span class="badge badge--hidden">{words["hidden by moderators"]}</span>'
        if note.is_hidden
        else ""
    )
    return (
        '<p class="entry__meta">\n  {}\n  <a href="{}" dir="auto">{}</a> ·\n  {} {}\n'
        '  · <span data-sync="votes-{}">{}</span> · {}\n'
        '  · <a class="entry__comments" href="{}#comments">{}</a>\n  {}\n  {}\n  {}\n</p>'
    ).format(
        ref,
        html.escape(_reverse("notes:profile", (note.author.username,), prefix)),
        _escaped(note.author.name),
        words["modified"],
        _time(note.modified),
        int(note.pk),
        html.escape(_count_in(language, "%(counter)s vote", "%(counter)s votes", note.vote_count)),
        html.escape(_count_in(language, "%(counter)s view", "%(counter)s views", note.view_count)),
        html.escape(number_url("notes:note", note.pk, prefix)),
        html.escape(
            _count_in(language, "%(counter)s comment", "%(counter)s comments", note.comment_count)
        ),
        private,
        hidden,
        "".join([_tag_link(tag, prefix) for tag in note.tag_names]),
    )


@lru_cache(maxsize=64)
def _vote_words(language: str | None) -> dict[str, str]:
    """The vote button's words in ``language`` (the active one); the two labels keep
    ``%(ref)s`` for the note's reference, the number people can read out."""
    return {
        "vote": gettext('Vote<span class="visually-hidden"> for %(ref)s</span>'),
        "remove": gettext('Remove vote<span class="visually-hidden"> for %(ref)s</span>'),
        "log_in": gettext("Log in to vote"),
    }


def vote_button(
    note: Any, *, voted: bool, reader: Any, csrf_token: str, next_path: str
) -> SafeString:
    """``reader``'s vote button for ``note`` (anything with ``pk``, ``author_id``,
    ``vote_count`` and ``ref``): a form that votes or takes the vote back, sent to
    ``notes:note_vote`` with ``next_path`` to come back to; a link to log in for a reader
    who is not; nothing on the reader's own note. A paper's page shows one per summary,
    which through the template engine cost more than the rest of the page."""
    words, prefix = _vote_words(get_language()), get_script_prefix()
    if not reader.is_authenticated:
        return _html(
            '<a class="vote" href="{}?next={}">{}</a>',
            _reverse("accounts:login", (), prefix),
            quote(next_path, safe="/"),
            words["log_in"],
        )
    if reader.pk == note.author_id:
        return SafeString("")
    label = words["remove" if voted else "vote"] % {"ref": html.escape(note.ref)}
    return _html(
        '<form class="vote inline-form" method="post" action="{action}" data-inplace>\n'
        '  <input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n'
        '  <input type="hidden" name="next" value="{next}">\n'
        '  <input type="hidden" name="vote" value="{value}">\n'
        '  <button type="submit" class="vote__button link-button" aria-pressed="{pressed}">'
        "{label}</button>\n"
        '  <span class="visually-hidden" role="status" data-sync="votes-{pk}">{count}</span>\n'
        "</form>\n",
        action=number_url("notes:note_vote", note.pk, prefix),
        token=csrf_token,
        next=next_path,
        value="0" if voted else "1",
        pressed="true" if voted else "false",
        label=SafeString(label),  # the translation's markup, the reference escaped
        pk=note.pk,
        count=vote_count(note.vote_count),
    )


def rating_summary(paper: Any) -> SafeString:
    """A paper's average star rating and how many people rated it (a list of papers, "Read
    also", the paper's page; ``notes.templatetags.ratings``)."""
    if paper.rating_count:
        count = paper.rating_count
        said = '<span aria-hidden="true">★</span> ' + ngettext(
            "%(average)s from %(counter)s rating", "%(average)s from %(counter)s ratings", count
        ) % {
            "counter": number(count),
            "average": floatformat(paper.rating_average, 1),
        }
    else:
        said = gettext("not rated yet")
    pk = number(paper.pk)
    return SafeString(f'<span class="rating-summary" data-sync="rating-{pk}">{said}</span>')


def entry(note: Note, *, votable: bool = False) -> SafeString:
    """A note as a full entry in a list; a ``votable`` one has the slot its reader's vote
    button goes in (``notes.caching.fragments.VOTE_SLOT``)."""
    language, prefix = get_language(), get_script_prefix()
    words, pk = _words(language), int(note.pk)
    return SafeString(
        (
            '<article class="entry" id="n{pk}" data-note="{pk}">\n'
            '  <header class="entry__head">\n'
            '    <a class="entry__num" href="{url}">{ref}</a>\n'
            '    <a class="entry__title" href="{paper_url}" dir="auto">{title}</a>\n'
            '    <span class="entry__actions no-print">\n'
            "      {slot}\n"
            '      <button type="button" class="link-button js-hide-toggle" data-note="{pk}" '
            'data-show-label="{show}" aria-expanded="true" hidden>{hide}</button>\n'
            '      <a href="{print_url}">{print}</a>\n'
            "    </span>\n"
            "  </header>\n"
            "  {meta}\n"
            '  <div class="entry__body prose" id="n{pk}-body" dir="auto">{body}</div>\n'
            "</article>\n"
        ).format(
            pk=pk,
            url=html.escape(number_url("notes:note", pk, prefix)),
            ref=_escaped(note.ref),
            paper_url=html.escape(number_url("notes:paper", note.paper_id, prefix)),
            title=_escaped(note.paper.title),
            slot="<!--vote-->" if votable else "",  # a constant
            show=words["show"],
            hide=words["hide"],
            print_url=html.escape(number_url("notes:note_print", pk, prefix)),
            print=words["print"],
            meta=_meta(note, language, prefix),
            body=note.body_html,  # sanitised when saved
        )
    )


def search_result(note: Note, snippet: str | None) -> SafeString:
    """One search result: the entry's head and meta line, and an extract (``snippet``, made
    safe by the search) or the start of the note's text."""
    note_url = number_url("notes:note", note.pk, get_script_prefix())
    extract = snippet or Truncator(note.body_text).chars(240)  # as ``truncatechars``
    return _html(
        '<article class="entry search-result" id="n{pk}">\n'
        '  <header class="entry__head">\n'
        '    <a class="entry__num" href="{url}">{ref}</a>\n'
        '    <a class="entry__title" href="{url}" dir="auto">{title}</a>\n'
        "  </header>\n"
        "  {meta}\n"
        '  <p class="snippet" dir="auto">{extract}</p>\n'
        "</article>\n",
        pk=note.pk,
        url=note_url,
        ref=note.ref,
        title=note.paper.title,
        meta=entry_meta(note),
        extract=extract,
    )


_HISTORY_ROW = (
    "    <tr>\n"
    '      <td data-label="{w_revision}">{revision}</td>\n'
    '      <td class="nowrap" data-label="{w_compare}">\n'
    '        <label class="visually-hidden" for="a{n}">{compare_from}</label>\n'
    '        <input type="radio" name="a" value="{n}" id="a{n}" {a_checked}>\n'
    '        <label class="visually-hidden" for="b{n}">{compare_to}</label>\n'
    '        <input type="radio" name="b" value="{n}" id="b{n}" {b_checked}>\n'
    "        {previous}\n"
    "      </td>\n"
    '      <td data-label="{w_saved}"><time datetime="{iso}">{saved}</time></td>\n'
    '      <td data-label="{w_by}" dir="auto">{author}</td>\n'
    '      <td class="history__message" data-label="{w_message}"><span dir="auto">'
    "{message}</span>{private}</td>\n"
    '      <td data-label="{w_size}" class="nowrap {size_class}"><span dir="ltr">'
    "{sign}{change}</span> {w_bytes}</td>\n"
    '      <td class="history__tags" data-label="{w_tags_then}">{tags}</td>\n'
    "    </tr>\n"
)


@lru_cache(maxsize=64)
def _history_language(language: str | None) -> tuple[str, dict[str, str]]:
    """The history table's row template in ``language`` (the active one), its fixed words
    written in (escaped, their braces doubled), and the words its rows fill in, as
    templates of ``str.format``."""
    words = {
        "w_revision": gettext("Revision"),
        "w_compare": gettext("Compare"),
        "w_saved": gettext("Saved"),
        "w_by": gettext("By"),
        "w_message": gettext("Message"),
        "w_size": gettext("Size"),
        "w_tags_then": gettext("Tags then"),
        "w_bytes": pgettext("bytes", "B"),
    }
    fixed = {
        key: html.escape(word).replace("{", "{{").replace("}", "}}") for key, word in words.items()
    }
    row = _HISTORY_ROW.format_map(_Keep(fixed))

    def template(message: str, name: str) -> str:
        # A translated sentence with its ``%(name)s`` made a ``str.format`` field, its own
        # braces doubled: filled per row without the ``%`` operator's dictionary.
        escaped = html.escape(message).replace("{", "{{").replace("}", "}}")
        return escaped.replace(f"%({name})s", "{0}").replace("%%", "%")

    return row, {
        "head": template(gettext("%(revision)s (head)"), "revision"),
        "compare_from": template(gettext("Compare from revision %(revision)s"), "revision"),
        "compare_to": template(gettext("Compare to revision %(revision)s"), "revision"),
        "prev": html.escape(gettext("prev")),
        "private": f' <span class="badge">{html.escape(gettext("private"))}</span>',
    }


class _Keep(dict):
    """A ``format_map`` mapping that leaves the fields it does not know as they were."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@lru_cache(maxsize=8192)
def _localized_number(language: str | None, number: int) -> str:
    return html.escape(str(formats.localize(number)))


def number(value: int) -> str:
    """``{{ value }}`` for a number: in the reader's language's format, escaped."""
    return _localized_number(get_language(), value)


def history_rows(note: Note, rows: list[dict[str, Any]]) -> SafeString:
    """The rows of a note's history table, newest first (``rows`` as the history view makes
    them: revision, its URL and the previous one's diff URL, date, author, message,
    visibility, size change and tags then).

    A page is fifty rows: the words of the reader's language are looked up once a page, and
    a row is one ``str.format`` of escaped values (what people wrote, tags and messages,
    escaped with ``html.escape``, as ``_html`` does).
    """
    language = get_language()
    row_template, words = _history_language(language)
    escape = html.escape
    note_url = escape(number_url("notes:note", note.pk, get_script_prefix()))
    parts = []
    for i, row in enumerate(rows):
        number = _localized_number(language, row["revision"])
        if row["head"]:
            revision = f'<a href="{note_url}">{words["head"].format(number)}</a>'
        else:
            revision = f'<a href="{escape(row["url"])}">{number}</a>'
        previous = (
            f'<a href="{escape(row["previous_diff_url"])}">{words["prev"]}</a>'
            if row["previous_diff_url"]
            else ""
        )
        change = row["size_change"]
        parts.append(
            row_template.format(
                revision=revision,
                n=number,
                compare_from=words["compare_from"].format(number),
                compare_to=words["compare_to"].format(number),
                a_checked="checked" if i == 1 else "",
                b_checked="checked" if i == 0 else "",
                previous=previous,
                iso=escape(row["saved_iso"]),
                saved=escape(row["saved"]),
                author=escape(str(row["author_name"] or "—")),
                message=escape(str(row["edit_message"])),
                private=words["private"] if row["visibility"] == "private" else "",
                size_class="size-up" if change > 0 else "size-down" if change < 0 else "",
                sign="+" if change > 0 else "",
                change=_localized_number(language, change),
                tags="".join(
                    f'<span class="tag" dir="auto">{escape(tag)}</span> '
                    for tag in row["tag_names"]
                ),
            )
        )
    return SafeString("".join(parts))


@lru_cache(maxsize=64)
def _inbox_words(language: str | None) -> tuple[str, str]:
    """The inbox line's fixed words in ``language`` (the active one), escaped: the unread
    mark and the mark-read button."""
    unread = html.escape(gettext("unread"))
    return f" · <strong>{unread}</strong>", html.escape(gettext("Mark read"))


def notification_lines(notifications: Sequence[Any]) -> SafeString:
    """The lines of a page of the inbox (``notes/notifications.html``'s list): each with
    what happened (``Notification.text``), the comment's excerpt when its reader may read
    it, the date, and for an unread one its mark and the button that marks it read.

    Fifty lines through the template engine cost more than the rest of the page; here the
    words and the date format are looked up once a page.
    """
    escape = html.escape
    unread_mark, mark_read = _inbox_words(get_language())
    short_format = formats.get_format("SHORT_DATETIME_FORMAT")
    zone = timezone.get_current_timezone()
    prefix = get_script_prefix()
    parts = []
    for n in notifications:
        unread = n.read_at is None
        excerpt = n.excerpt
        created = timezone.localtime(n.created, zone)
        parts.append(
            f'\n  <li class="notification{" notification--unread" if unread else ""}">\n'
            f'    <a href="{escape(number_url("notes:notification_open", n.pk, prefix))}">'
            f"{escape(n.text)}</a>\n    "
            + (
                f'<p class="muted notification__excerpt" dir="auto">'
                f"{escape(Truncator(excerpt).chars(160))}</p>"
                if excerpt
                else ""
            )
            + f'\n    <span class="muted"><time datetime="{escape(created.isoformat())}">'
            f"{escape(date_format(created, short_format))}</time>"
            f"{unread_mark if unread else ''}</span>\n    "
            + (
                f'<button class="link-button" type="submit" name="id" value="{n.pk}">'
                f"{mark_read}</button>"
                if unread
                else ""
            )
            + "\n  </li>\n"
        )
    return SafeString("".join(parts) + "\n")

"""A paper's rating: its summary (average and count; ``entry_html.rating_summary``) and the
form that gives or changes a reader's, written in Python.

The summary is shown for each paper of a list (fifty on a page of papers, five in every
"Read also"), and the form's five stars each said their number through a translation
with a plural: through the template engine the rating cost more than the rest of a
paper's page. Here the words are the templates' (the same message ids, translated as
before) and every value is escaped; ``tests/notes/test_rating_tags.py`` compares the
markup with the templates it replaces.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from notes.caching import entry_html
from notes.templatetags.chrome import csrf_input

register = template.Library()

STARS = range(1, 6)


def _text(value: object) -> str:
    """``{{ value }}``: escaped unless already safe, nothing for ``None``-less blanks."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _counted(singular: str, plural: str, count: int, **more: str) -> str:
    """``{% blocktranslate count counter=count %}``, with ``more`` already escaped."""
    return ngettext(singular, plural, count) % {"counter": entry_html.number(count), **more}


rating_summary = register.simple_tag(entry_html.rating_summary, name="rating_summary")


@register.simple_tag(takes_context=True)
def rating_form(context: template.Context) -> SafeString:
    """The paper's rating and, for a logged-in reader, a form to give or change theirs (the
    page's ``paper``, ``my_rating``, and after a rating ``rating_error`` or ``rating_done``)."""
    paper, user, request = context["paper"], context.get("user"), context["request"]
    views = (
        " · " + _counted("%(counter)s view", "%(counter)s views", paper.view_count)
        if paper.view_count
        else ""
    )
    if user is not None and user.is_authenticated:
        mine = context.get("my_rating")
        legend = (
            _counted("Your rating: %(counter)s star", "Your rating: %(counter)s stars", mine)
            if mine
            else gettext("Your rating")
        )
        stars = "".join(
            f'\n        <label><input type="radio" name="stars" value="{n}" required'
            f"{' checked' if str(mine) == str(n) else ''}> "
            f"{_counted('%(counter)s star', '%(counter)s stars', n)}</label>\n      "
            for n in STARS
        )
        remove = (
            '<button type="submit" class="link-button" name="remove" value="1" '
            f"formnovalidate>{gettext('Remove my rating')}</button>"
            if mine
            else ""
        )
        error = context.get("rating_error") or ""
        done = context.get("rating_done") or ""
        action = html.escape(entry_html.url("notes:paper_rate", paper.pk))
        body = (
            f'\n  <form method="post" action="{action}" class="rating__form" data-inplace>\n'
            f"    {csrf_input(context)}\n"
            '    <input type="hidden" name="next" '
            f'value="{html.escape(request.get_full_path())}">\n'
            '    <fieldset class="rating__stars">\n'
            f"      <legend>{legend}</legend>\n"
            f"      {stars}\n"
            "    </fieldset>\n"
            f'    <button type="submit" class="button button--small">{gettext("Rate")}</button>\n'
            f"    {remove}\n"
            '    <p role="status" class="rating__message'
            f'{" rating__message--error" if error else ""}">{_text(error)}{_text(done)}</p>\n'
            "  </form>\n  "
        )
    else:
        paper_url = entry_html.url("notes:paper", paper.pk)
        body = (
            f'\n  <p><a href="{html.escape(entry_html.url("accounts:login"))}?next='
            f'{html.escape(quote(paper_url, safe="/"))}">'
            f"{gettext('Log in to rate this paper')}</a></p>\n  "
        )
    return SafeString(
        "\n"
        '<section class="rating no-print" id="rating" aria-labelledby="rating-heading" '
        "data-inplace-target>\n"
        f'  <h2 id="rating-heading">{gettext("Rating")}</h2>\n'
        f"  <p>{rating_summary(paper)}{views}</p>\n"
        f"  {body}\n"
        "</section>\n"
    )

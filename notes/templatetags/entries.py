"""Template helpers for the parts of an entry that a list repeats many times.

A list page shows twenty or more entries, each with a date and several links; built the
generic way (``{% url %}`` per link, three date filters per date) they cost more than
everything else on the page. These give the same output for less.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import dateformat, formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@lru_cache(maxsize=16384)
def _reverse(name: str, args: tuple[str | int, ...], prefix: str) -> str:
    return reverse(name, args=args)


@register.simple_tag
def url0(name: str) -> str:
    """``{% url name %}`` for a URL without arguments, cached (the header's links)."""
    return _reverse(name, (), get_script_prefix())


@register.simple_tag
def url1(name: str, arg: str | int) -> str:
    """``{% url name arg %}`` for a URL with one argument, cached.

    A URL depends only on its name, its argument and the script prefix, so a cached
    one is never stale; lists ask for the same few hundred tag and profile links again
    and again.
    """
    return _reverse(name, (arg,), get_script_prefix())


@register.simple_tag
def url2(name: str, first: str | int, second: str | int) -> str:
    """``{% url name first second %}``, cached like ``url1``: a note's revision links,
    a comment's links."""
    return _reverse(name, (first, second), get_script_prefix())


@register.simple_tag
def modified_time(value: datetime) -> SafeString:
    """``<time>`` with the ISO date-time, the full local date-time as its title and the day.

    The same as ``datetime="{{ v|date:'c' }}" title="{{ v }}">{{ v|date:"SHORT_DATE_FORMAT" }}``
    (the formats of the reader's language), converting to local time once instead of three times.
    """
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        dateformat.format(local, "c"),
        formats.date_format(local, "DATETIME_FORMAT"),
        formats.date_format(local, "SHORT_DATE_FORMAT"),
    )

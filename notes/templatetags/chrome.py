"""The header and the footer every page shares (``base.html``), written in Python.

Through the template engine the two cost more than most pages' own content: some forty
tags of links, words, the section being read and the language switch, each resolved on
every request. Here the words of each language and the links are made once, escaped, and
a request fills in what is its own: the reader, the unread count, the search words, the
page's address and the form token.

The markup is the one the template wrote (tests compare the two).
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import get_language, get_language_info, gettext

from notes.caching import entry_html

register = template.Library()

escape = html.escape


@lru_cache(maxsize=32)
def _header_parts(language: str | None, prefix: str) -> dict[str, str]:
    """The header's fixed words and links in ``language`` under ``prefix``, escaped."""
    url = entry_html.url
    return {
        "sections": escape(gettext("Sections")),
        "notes": escape(gettext("Notes")),
        "papers": escape(gettext("Papers")),
        "tags": escape(gettext("Tags")),
        "search_label": escape(gettext("Search notes")),
        "placeholder": escape(gettext("Search notes, papers, tags…")),
        "search": escape(gettext("Search")),
        "account": escape(gettext("Account")),
        "following": escape(gettext("Following")),
        "moderation": escape(gettext("Moderation")),
        "notifications": escape(gettext("Notifications")),
        "unread": escape(gettext("unread")),
        "log_out": escape(gettext("Log out")),
        "log_in": escape(gettext("Log in")),
        "sign_up": escape(gettext("Sign up")),
        "index_url": escape(url("notes:index")),
        "papers_url": escape(url("notes:paper_list")),
        "tags_url": escape(url("notes:tags")),
        "following_url": escape(url("notes:following")),
        "moderation_url": escape(url("notes:moderation")),
        "notifications_url": escape(url("notes:notifications")),
        "logout_url": escape(url("accounts:logout")),
        "login_url": escape(url("accounts:login")),
        "signup_url": escape(url("accounts:signup")),
    }


def _current(request: Any, url_name: str) -> str:
    match = getattr(request, "resolver_match", None)
    return ' aria-current="page"' if match is not None and match.url_name == url_name else ""


def csrf_input(context: template.Context) -> str:
    """What ``{% csrf_token %}`` writes in ``context``."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's mark for no token
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


def _next_path(request: Any) -> str:
    """The page's path and query, as the ``urlencode`` filter writes it, escaped."""
    return escape(quote(request.get_full_path(), safe="/"))


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> SafeString:
    """The site's header: its name, the sections, the search form and the reader's links."""
    request = context["request"]
    user = context.get("user")
    words = _header_parts(get_language(), get_script_prefix())
    site_name = escape(str(context.get("SITE_NAME", settings.SITE_NAME)))
    papers = entry_html.url("notes:paper_list")
    papers_current = ' aria-current="page"' if request.path == papers else ""
    query = escape(str(request.GET.get("q", "") or ""))
    if user is not None and user.is_authenticated:
        unread = context.get("unread_notifications")
        count = (
            f' <span class="count">{escape(str(formats.localize(unread)))}'
            f'<span class="visually-hidden"> {words["unread"]}</span></span>'
            if unread
            else ""
        )
        moderation = (
            f'<a href="{words["moderation_url"]}"{_current(request, "moderation")}>'
            f"{words['moderation']}</a>"
            if user.is_staff
            else ""
        )
        profile_url = escape(entry_html.url("notes:profile", user.username))
        account = (
            f'          <a class="site-nav__user" href="{profile_url}" dir="auto">'
            f"{escape(str(user.name))}</a>\n"
            f'          <a href="{words["following_url"]}"{_current(request, "following")}>'
            f"{words['following']}</a>\n"
            f"          {moderation}\n"
            f'          <a class="site-nav__inbox" href="{words["notifications_url"]}"'
            f"{_current(request, 'notifications')}>{words['notifications']}{count}</a>\n"
            f'          <form class="inline-form" action="{words["logout_url"]}" method="post">'
            f'{csrf_input(context)}<button type="submit" class="link-button">'
            f"{words['log_out']}</button></form>\n"
        )
    else:
        after_login = f"?next={_next_path(request)}" if request.path != "/" else ""
        account = (
            f'          <a href="{words["login_url"]}{after_login}">{words["log_in"]}</a>\n'
            f'          <a class="button button--small" href="{words["signup_url"]}">'
            f"{words['sign_up']}</a>\n"
        )
    return SafeString(
        '<header class="site-header">\n'
        '    <div class="wrap site-header__inner">\n'
        f'      <a class="site-name" href="{words["index_url"]}" dir="ltr">{site_name}</a>\n'
        f'      <nav class="site-sections" aria-label="{words["sections"]}">\n'
        f'        <a href="{words["index_url"]}"{_current(request, "index")}>{words["notes"]}</a>\n'
        f'        <a href="{words["papers_url"]}"{papers_current}>{words["papers"]}</a>\n'
        f'        <a href="{words["tags_url"]}"{_current(request, "tags")}>{words["tags"]}</a>\n'
        "      </nav>\n"
        '      <form class="site-search" role="search" action="/search/" method="get">\n'
        '        <label class="visually-hidden" for="site-search-q">'
        f"{words['search_label']}</label>\n"
        '        <input id="site-search-q" type="search" name="q" dir="auto" '
        f'placeholder="{words["placeholder"]}" value="{query}">\n'
        '        <button type="submit" class="site-search__button">'
        f"{words['search']}</button>\n"
        "      </form>\n"
        f'      <nav class="site-nav" aria-label="{words["account"]}">\n'
        f"{account}"
        "      </nav>\n"
        "    </div>\n"
        "  </header>"
    )


@lru_cache(maxsize=32)
def _footer_parts(language: str | None, prefix: str, site_name: str) -> tuple[str, str, str]:
    """The footer in ``language`` under ``prefix``, cut where a request fills in the page's
    address and the form token: (before the address, between the address and the token,
    after the token). The links and words it shares with the header are the header's."""
    words = _header_parts(language, prefix)
    switch_url = escape(entry_html.url("site:set_language"))
    about = gettext(
        "<strong>%(SITE_NAME)s</strong> — notes on papers, written and revised by researchers."
        " Markdown with LaTeX math; every version kept."
    ) % {"SITE_NAME": escape(site_name)}
    before = (
        '<footer class="site-footer">\n'
        '    <div class="wrap site-footer__inner">\n'
        f"      <p>{about}</p>\n"
        f'      <p class="site-footer__links"><a href="{words["index_url"]}">{words["notes"]}</a>'
        f' · <a href="{words["papers_url"]}">{words["papers"]}</a> · '
        f'<a href="#main">{escape(gettext("Back to top"))}</a></p>\n'
        f'      <form class="language-switch" action="{switch_url}?next='
    )
    between = '" method="post">\n  '
    after = [f'\n  <span id="language-switch-label">{escape(gettext("Language:"))}</span>\n  \n']
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        current = ' aria-current="true"' if code == language else ""
        after.append(
            f'    <button type="submit" class="link-button" name="language" '
            f'value="{escape(code)}" lang="{escape(code)}" '
            f'dir="{"rtl" if info["bidi"] else "ltr"}" '
            f'aria-describedby="language-switch-label"{current}>'
            f"{escape(info['name_local'])}</button>\n  \n"
        )
    after.append("</form>\n\n    </div>\n  </footer>")
    return before, between, "".join(after)


@register.simple_tag(takes_context=True)
def site_footer(context: template.Context) -> SafeString:
    """The site's footer: what the site is, its links and the language switch (a form
    token only for a logged-in reader, whose account the choice changes)."""
    request = context["request"]
    user = context.get("user")
    before, between, after = _footer_parts(
        get_language(), get_script_prefix(), str(context.get("SITE_NAME", settings.SITE_NAME))
    )
    token = csrf_input(context) if user is not None and user.is_authenticated else ""
    return SafeString(f"{before}{_next_path(request)}{between}{token}{after}")


@lru_cache(maxsize=256)
def _static(path: str, prefix: str) -> str:
    return static(path)


@receiver(setting_changed)
def _forget_static(*, setting: str, **kwargs: Any) -> None:
    if setting in {"STATIC_URL", "STORAGES", "STATIC_ROOT"}:
        _static.cache_clear()


@register.simple_tag
def static_url(path: str) -> str:
    """``{% static path %}``, kept per path: a page links the same stylesheets and scripts
    on every request, and the storage's lookup of a file's hashed name cost more than the
    rest of the page's head."""
    return _static(path, get_script_prefix())

"""Atom feeds of public notes: all of them, by tag, by author, and of a search.

A feed URL is handed to feed readers and shared freely, so every feed is built for the
anonymous viewer whoever asks for it: a logged-in owner's private notes never leak into
it. Each feed mirrors a page (the index, ``/tags/<tag>/``, ``/u/<username>/``,
``/search/``) with the same filters, always newest modified first, and loads its
items with their paper and author in one query.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import add_domain
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.encoding import iri_to_uri
from django.utils.feedgenerator import Atom1Feed, rfc3339_date
from django.utils.http import http_date, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from notes.caching import entry_html
from notes.caching.entry_html import number_url
from notes.caching.fragments import FRAGMENT_SECONDS, digest
from notes.forms import ListingForm, url_tags
from notes.models import Note
from notes.selectors import browse, search
from notes.selectors.browse import Listing

# Characters XML 1.0 cannot carry at all. Django's generator raises on some of them (a
# 500) and writes others into a document no reader can parse; titles and queries come
# from users, so they are dropped instead.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


# The document is what Django's Atom1Feed writes, byte for byte (xml.sax's XMLGenerator:
# attributes sorted by name, empty elements closed short), but built of whole strings:
# Django's writer makes a dozen calls per item and a write per element, which cost several
# times the feed's one query.


def _text(content: str) -> str:
    """Character data as XMLGenerator writes it: ``&``, ``<`` and ``>`` escaped."""
    return xml_text(content).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _attribute(value: str) -> str:
    """An attribute's value as XMLGenerator writes it: escaped and quoted."""
    return quoteattr(xml_text(value))


def _element(name: str, content: str, attributes: str = "") -> str:
    text = _text(content)
    return f"<{name}{attributes}>{text}</{name}>" if text else f"<{name}{attributes}/>"


def _link(href: str, rel: str) -> str:
    return f"<link href={_attribute(href)} rel={_attribute(rel)}/>"


class ItemRow(NamedTuple):
    """What an item shows of a note, as read: its fields in ``ROW_FIELDS``' order."""

    pk: int
    created: datetime
    modified: datetime
    tag_names: list[str]
    body_html: str
    paper_title: str
    username: str
    display_name: str


def _item(row: ItemRow, root: str, prefix: str) -> str:
    """The ``<entry>`` of a note; ``root`` is the site's scheme and host (no slash),
    ``prefix`` the URL prefix. The note's number and address and the author's name and
    address are what ``Note.ref``, ``Note.get_absolute_url``, ``User.name`` and
    ``User.get_absolute_url`` say, made without a model (an item made two, and reversed
    two addresses: more than the rest of it)."""
    link = iri_to_uri(root + number_url("notes:note", row.pk, prefix))
    profile = entry_html.url("notes:profile", row.username)
    parts = [
        "<entry>",
        _element("title", f"{{{row.pk}}} {row.paper_title}"),
        _link(link, "alternate"),
        _element("published", rfc3339_date(row.created)),
        _element("updated", rfc3339_date(row.modified)),
        "<author>",
        _element("name", row.display_name or row.username),
        _element("uri", iri_to_uri(root + profile)),
        "</author>",
        # The link is the item's id, as Django's Feed makes it when items have no guid.
        _element("id", link),
        # Sanitised and with math as MathML since the note was saved; nothing to render.
        _element("summary", _without_tex(row.body_html), ' type="html"'),
        *[f"<category term={_attribute(tag)}/>" for tag in row.tag_names],
        "</entry>",
    ]
    return "".join(parts)


# Part of every item's key: whoever changes what ``_item`` writes increments it, so that
# no document mixes items written the old way (cached for a day) with new ones.
ENTRY_FORMAT = 2

# A formula's TeX source, kept in its MathML for the page (browsers show only the MathML). A
# feed reader that drops MathML elements would show their text, the TeX among it; a summary
# leaves it out. The final pass writes the element exactly so, its TeX escaped (no "<").
_TEX_ANNOTATION_RE = re.compile(r'<annotation encoding="application/x-tex">[^<]*</annotation>')


def _without_tex(body_html: str) -> str:
    return _TEX_ANNOTATION_RE.sub("", body_html)


def _item_key(row: ItemRow, context: tuple[Any, ...]) -> str:
    """A digest of the whole row (the body by its own digest): all that ``_item`` shows."""
    body = hashlib.sha256(row.body_html.encode()).hexdigest()
    return digest("feed-entry", (context, row._replace(body_html=body)))


def _items(rows: list[ItemRow], root: str) -> list[str]:
    """The items of ``rows``, in order, each written or cached under its key.

    Like the pieces of notes/fragments.py, an item is cached under a digest of all
    it shows (the site's address and URL prefix included), so it is never stale.
    """
    prefix = get_script_prefix()
    context = (ENTRY_FORMAT, root, prefix)
    keys = [_item_key(row, context) for row in rows]
    found = cache.get_many(keys)
    written: dict[str, str] = {}
    for row, key in zip(rows, keys, strict=True):
        if key not in found:
            found[key] = written[key] = _item(row, root, prefix)
    if written:
        cache.set_many(written, FRAGMENT_SECONDS)
    return [found[key] for key in keys]


@dataclass(frozen=True)
class Source:
    """What one feed shows, worked out from its request.

    The feed instance is shared by every request to its URL, so whatever depends on the
    request (the host, the filters) travels in this object rather than on ``self``.
    """

    title: str
    link: str
    feed_url: str
    site_root: str
    notes: QuerySet[Note] | None
    # The ids of ``notes`` in order, where a table lists them more cheaply than the notes
    # (one tag's, ``browse.public_ids``).
    ids: QuerySet[Any] | None = None


def _title(what: str) -> str:
    return f"{settings.SITE_NAME} — {what}"


def _newest_first(listing: Listing) -> Listing:
    # Newest modified first whatever the listing asked for: a feed reader wants what changed.
    return replace(listing, sort="modified", descending=True)


def _anonymous_notes(listing: Listing) -> QuerySet[Note]:
    return browse.notes_for(AnonymousUser(), _newest_first(listing))


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def _source(
    request: HttpRequest,
    *,
    title: str,
    link: str,
    feed_url: str,
    notes: QuerySet[Note] | None = None,
    listing: Listing | None = None,
) -> Source:
    """``notes``, or the public notes of ``listing`` (newest first)."""
    if listing is not None:
        notes = _anonymous_notes(listing)
    return Source(
        title=title,
        link=link,
        feed_url=request.build_absolute_uri(feed_url),
        site_root=request.build_absolute_uri("/"),
        notes=notes,
        ids=None if listing is None else browse.public_ids(_newest_first(listing)),
    )


# What an item shows and nothing more, in ``ItemRow``'s order; ``for_entries`` also
# reads what list pages show (the plain text for snippets, the counts), much of the data.
ROW_FIELDS = (
    *("pk", "created", "modified", "tag_names", "body_html"),
    *("paper__title", "author__username", "author__display_name"),
)


def _load(notes: QuerySet[Note], ids: QuerySet[Any] | None) -> list[ItemRow]:
    """The first page of ``notes``, with their paper and author, in one query.

    Read as rows: a cached item needs no model, and making three per note cost
    more than writing the document from cached items. The page's notes are picked by
    their ids first (a subquery, ``ids`` when given): PostgreSQL then finds them from an
    index alone (a tag's newest from the tag's own rows), where reading the rows' columns
    in the same walk read every note it passed over (at a million notes, 10–25 ms for a
    tag of a few thousand).
    """
    page = (notes.values("id") if ids is None else ids)[: browse.PAGE_SIZE]
    return [ItemRow(*row) for row in notes.filter(pk__in=page).values_list(*ROW_FIELDS)]


@method_decorator(require_safe, name="__call__")
class NotesFeed:
    """An Atom document of the notes a subclass's ``get_object`` picks.

    Not Django's ``Feed``: it asks a dozen methods about every item and has each item
    written an element at a time; the document here is the same, written in whole pieces.
    """

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Source:
        raise NotImplementedError

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        source = self.get_object(request, *args, **kwargs)
        rows = [] if source.notes is None else _load(source.notes, source.ids)
        root = source.site_root.rstrip("/")
        # The feed changed when its newest item was last modified.
        updated = max((row.modified for row in rows), default=None) or timezone.now()
        head = [
            '<?xml version="1.0" encoding="utf-8"?>\n',
            f"<feed xml:lang={_attribute(get_language())} xmlns={_attribute(Atom1Feed.ns)}>",
            _element("title", source.title),
            _link(add_domain(request.get_host(), source.link, request.is_secure()), "alternate"),
            _link(source.feed_url, "self"),
            # The feed's own address identifies it; the page it mirrors is "/" for the
            # index, which would not tell the feeds apart.
            _element("id", source.feed_url),
            _element("updated", rfc3339_date(updated)),
        ]
        items = _items(rows, root)
        response = HttpResponse(
            "".join([*head, *items, "</feed>"]), content_type=Atom1Feed.content_type
        )
        # As Django's Feed does, for conditional GETs.
        response.headers["Last-Modified"] = http_date(updated.timestamp())
        return response


class AllNotesFeed(NotesFeed):
    """``/feeds/notes/``: every public note."""

    def get_object(self, request: HttpRequest) -> Source:
        return _source(
            request,
            title=_title(_("all notes")),
            link=reverse("notes:index"),
            feed_url=reverse("notes:feed_notes"),
            listing=Listing(),
        )


class TagFeed(NotesFeed):
    """``/feeds/tags/<tag>/`` (and ``?tag=b`` for more): public notes with all the tags."""

    def get_object(self, request: HttpRequest, tag: str) -> Source:
        tags = url_tags(request, tag)
        # Unlike the tag page, an empty tag list would make a second "all notes" feed
        # under a misleading title.
        if not tags:
            raise Http404(_("No tag."))
        # The first tag comes from the path, so it fits in one again; the rest go in the
        # query, where any tag fits.
        more = urlencode([("tag", name) for name in tags[1:]])
        return _source(
            request,
            title=_title(_("notes tagged %(tags)s") % {"tags": _(" and ").join(tags)}),
            link=_with_query(reverse("notes:tag", args=[tags[0]]), more),
            feed_url=_with_query(reverse("notes:feed_tag", args=[tags[0]]), more),
            listing=Listing(tags=tuple(tags)),
        )


class UserFeed(NotesFeed):
    """``/feeds/users/<username>/``: a user's public notes; the name matches in any case."""

    def get_object(self, request: HttpRequest, username: str) -> Source:
        owner = browse.find_user(username)
        if owner is None:
            raise Http404(_("No such user."))
        # Self link and id use the stored spelling, so /feeds/users/Alice/ and
        # /feeds/users/alice/ are one feed to a reader.
        return _source(
            request,
            title=_title(_("notes by %(name)s") % {"name": owner.name}),
            link=owner.get_absolute_url(),
            feed_url=reverse("notes:feed_user", args=[owner.username]),
            notes=_anonymous_notes(Listing()).filter(author=owner),
        )


class SearchFeed(NotesFeed):
    """``/feeds/search/?q=…``: the search page's results, newest modified first.

    Takes what ``/search/`` takes (``tag:`` and ``user:`` terms, ``user``, ``year_from``,
    ``year_to``, ``tag``). With nothing to search for it is an empty, valid feed: feed
    readers keep polling a URL once subscribed, and cope with no items better than
    with an error.
    """

    def get_object(self, request: HttpRequest) -> Source:
        params = request.GET.copy()
        params["q"] = params.get("q", "")[: search.MAX_QUERY_LENGTH]
        listing = ListingForm(params).listing(url_tags(request))
        query = _feed_query(params)
        empty = not (listing.text or listing.tags or listing.users)
        if empty:
            what = _("search (nothing to search for)")
        else:
            terms = [f"tag:{name}" for name in listing.tags] + [
                f"user:{name}" for name in listing.users
            ]
            what = _("search: %(query)s") % {"query": params["q"].strip() or " ".join(terms)}
        return _source(
            request,
            title=_title(what),
            link=_with_query(reverse("notes:search"), query),
            feed_url=_with_query(reverse("notes:feed_search"), query),
            listing=None if empty else listing,
        )


def _feed_query(params: QueryDict) -> str:
    # Paging and sorting belong to the page, not to the feed's identity.
    query = params.copy()
    for key in ("page", "sort", "order"):
        query.pop(key, None)
    if not query.get("q"):
        query.pop("q", None)
    return query.urlencode()


all_notes_feed = AllNotesFeed()
tag_feed = TagFeed()
user_feed = UserFeed()
search_feed = SearchFeed()

"""Atom feeds of public notes: all of them, by tag, by author, and of a search.

A feed URL is handed to feed readers and shared freely, so every feed is built for the
anonymous viewer whoever asks for it: a logged-in owner's private notes never leak into
it. Each feed mirrors a page (the index, ``/tags/<tag>/``, ``/u/<username>/``,
``/search/``) with the same filters, always newest modified first, and loads its
entries with their paper and author in one query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_safe

from notes import browse, search
from notes.browse import Listing
from notes.forms import ListingForm
from notes.models import Note
from notes.views.browse import url_tags

# Characters XML 1.0 cannot carry at all. Django's generator raises on some of them (a
# 500) and writes others into a document no reader can parse; titles and queries come
# from users, so they are dropped instead.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


class _XMLSafeGenerator(SimplerXMLGenerator):
    def characters(self, content: str) -> None:
        super().characters(xml_text(content))

    def startElement(self, name: str, attrs: dict[str, str]) -> None:
        super().startElement(name, {key: xml_text(value) for key, value in (attrs or {}).items()})


class NotesAtomFeed(Atom1Feed):
    """Atom, with text that XML cannot hold dropped rather than failing the response."""

    def write(self, outfile: IO[Any], encoding: str) -> None:
        # Atom1Feed.write, with the forgiving generator in place of Django's.
        handler = _XMLSafeGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def latest_post_date(self) -> datetime:
        # The feed changed when its newest entry was last modified; Django's default also
        # weighs creation dates, which only ever trail the modification dates.
        updated = [item["updateddate"] for item in self.items if item["updateddate"]]
        return max(updated, default=None) or super().latest_post_date()


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


def _title(what: str) -> str:
    return f"{settings.SITE_NAME} — {what}"


def _anonymous_notes(listing: Listing) -> QuerySet[Note]:
    # Newest modified first whatever the listing asked for: a feed reader wants what changed.
    listing = replace(listing, sort="modified", descending=True)
    return browse.notes_for(AnonymousUser(), listing)


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def _source(
    request: HttpRequest,
    *,
    title: str,
    link: str,
    feed_url: str,
    notes: QuerySet[Note] | None,
) -> Source:
    return Source(
        title=title,
        link=link,
        feed_url=request.build_absolute_uri(feed_url),
        site_root=request.build_absolute_uri("/"),
        notes=notes,
    )


@method_decorator(require_safe, name="__call__")
class NotesFeed(Feed):
    """The entries every feed shares; subclasses say which notes in ``get_object``."""

    feed_type = NotesAtomFeed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Source:
        raise NotImplementedError

    def title(self, source: Source) -> str:
        return source.title

    def link(self, source: Source) -> str:
        return source.link

    def feed_url(self, source: Source) -> str:
        return source.feed_url

    def feed_guid(self, source: Source) -> str:
        # The feed's own address identifies it; the page it mirrors (``link``) is "/" for
        # the index, which would not tell the feeds apart.
        return source.feed_url

    def items(self, source: Source) -> list[Note]:
        if source.notes is None:
            return []
        notes = list(source.notes.for_entries()[: browse.PAGE_SIZE])
        root = source.site_root.rstrip("/")
        for note in notes:
            # The author's link must be absolute and item methods see only the note.
            note.feed_author_link = root + note.author.get_absolute_url()  # type: ignore[attr-defined]
        return notes

    def item_title(self, note: Note) -> str:
        # Atom titles are text: the XML writer escapes, so nothing is escaped here.
        return f"{note.ref} {note.paper.title}"

    def item_description(self, note: Note) -> str:
        # Sanitised and with math as MathML since the note was saved; nothing to render.
        return note.body_html

    def item_link(self, note: Note) -> str:
        # Also the entry's id: Feed uses the (absolute) link when item_guid is absent.
        return note.get_absolute_url()

    def item_author_name(self, note: Note) -> str:
        return note.author.name

    def item_author_link(self, note: Note) -> str:
        return note.feed_author_link  # type: ignore[attr-defined]

    def item_pubdate(self, note: Note) -> datetime:
        return note.created

    def item_updateddate(self, note: Note) -> datetime:
        return note.modified

    def item_categories(self, note: Note) -> list[str]:
        return note.tag_names


class AllNotesFeed(NotesFeed):
    """``/feeds/notes/``: every public note."""

    def get_object(self, request: HttpRequest) -> Source:
        return _source(
            request,
            title=_title("all notes"),
            link=reverse("index"),
            feed_url=reverse("feed_notes"),
            notes=_anonymous_notes(Listing()),
        )


class TagFeed(NotesFeed):
    """``/feeds/tags/<tag>/`` (and ``?tag=b`` for more): public notes with all the tags."""

    def get_object(self, request: HttpRequest, tag: str) -> Source:
        tags = url_tags(request, tag)
        # Unlike the tag page, an empty tag list would make a second "all notes" feed
        # under a misleading title.
        if not tags:
            raise Http404("No tag.")
        # The first tag comes from the path, so it fits in one again; the rest go in the
        # query, where any tag fits.
        more = urlencode([("tag", name) for name in tags[1:]])
        return _source(
            request,
            title=_title(f"notes tagged {' and '.join(tags)}"),
            link=_with_query(reverse("tag", args=[tags[0]]), more),
            feed_url=_with_query(reverse("feed_tag", args=[tags[0]]), more),
            notes=_anonymous_notes(Listing(tags=tuple(tags))),
        )


class UserFeed(NotesFeed):
    """``/feeds/users/<username>/``: a user's public notes; the name matches in any case."""

    def get_object(self, request: HttpRequest, username: str) -> Source:
        owner = browse.find_user(username)
        if owner is None:
            raise Http404("No such user.")
        # Self link and id use the stored spelling, so /feeds/users/Alice/ and
        # /feeds/users/alice/ are one feed to a reader.
        return _source(
            request,
            title=_title(f"notes by {owner.name}"),
            link=owner.get_absolute_url(),
            feed_url=reverse("feed_user", args=[owner.username]),
            notes=_anonymous_notes(Listing()).filter(author=owner),
        )


class SearchFeed(NotesFeed):
    """``/feeds/search/?q=…``: the search page's results, newest modified first.

    Takes what ``/search/`` takes (``tag:`` and ``user:`` terms, ``user``, ``year_from``,
    ``year_to``, ``tag``). With nothing to search for it is an empty, valid feed: feed
    readers keep polling a URL once subscribed, and cope with no entries better than
    with an error.
    """

    def get_object(self, request: HttpRequest) -> Source:
        params = request.GET.copy()
        params["q"] = params.get("q", "")[: search.MAX_QUERY_LENGTH]
        listing = ListingForm(params).listing(url_tags(request))
        query = _feed_query(params)
        empty = not (listing.text or listing.tags or listing.users)
        if empty:
            what = "search (nothing to search for)"
        else:
            terms = [f"tag:{name}" for name in listing.tags] + [
                f"user:{name}" for name in listing.users
            ]
            what = f"search: {params['q'].strip() or ' '.join(terms)}"
        return _source(
            request,
            title=_title(what),
            link=_with_query(reverse("search"), query),
            feed_url=_with_query(reverse("feed_search"), query),
            notes=None if empty else _anonymous_notes(listing),
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

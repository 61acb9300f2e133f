"""Notes (summaries) of papers, their tags, and the fields lists read."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from notes import visibility as read_rule
from notes.caching import generations
from notes.models.base import Hideable, KeepsCounts, Revised, count_field
from notes.models.papers import Paper


class TaggedNote(TaggedItemBase):
    content_object = models.ForeignKey("Note", on_delete=models.CASCADE)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public — anyone can read it")
    PRIVATE = "private", _("Private — only you")


class NoteQuerySet(models.QuerySet["Note"]):
    def alive(self) -> NoteQuerySet:
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user: settings.AUTH_USER_MODEL) -> NoteQuerySet:
        """Notes the user may read (``notes.visibility``): public ones not hidden by
        moderators, and their own (hidden or not), never anything in a trash."""
        return self.filter(read_rule.notes_q(user))

    def without_search_data(self) -> NoteQuerySet:
        """Leave out the search documents: large, and only ever read by the database."""
        return self.defer("search_vector", "search_head", "search_pairs")

    def for_entries(self) -> NoteQuerySet:
        """What an entry in a list shows: the paper and the author, in the same query.

        Only the fields entries, results and feed items show; not the Markdown source,
        the search documents, the paper's abstract or the author's account details.
        """
        return self.select_related("paper", "author").only(*ENTRY_FIELDS)

    def for_page(self, viewer: settings.AUTH_USER_MODEL) -> NoteQuerySet:
        """What a note's own page shows of it, in one query: with whether ``viewer`` voted
        for it (``viewer_voted``), muted its thread (``viewer_muted``) and has notes only
        they may read (``viewer_has_unlisted``, ``visibility.has_unlisted``), and whether it
        has any comments, backlinks and other notes on its paper at all, readable or not
        (``has_comments``, ``has_backlinks``, ``has_other_notes``), so that the page asks
        for those only when there are some; and the public generation
        (``notes.caching.generations``)
        as ``public_generation``."""
        flags: dict[str, Value | RawSQL] = {name: Value(False) for name in _VIEWER_FLAGS}
        if viewer.is_authenticated:
            flags = {name: _exists(sql, viewer.pk) for name, sql in _VIEWER_FLAGS.items()}
        return (
            self.select_related("paper", "author")
            .only(*PAGE_FIELDS)
            .annotate(**{name: _exists(sql) for name, sql in _NOTE_FLAGS.items()}, **flags)
            .annotate(
                public_generation=generations.annotation(),
                viewer_has_unlisted=read_rule.has_unlisted(viewer),
            )
        )

    def for_history(self) -> NoteQuerySet:
        """What a note's history page shows of the note itself (its number, revision and
        paper's title) and what decides who may read it; not its text."""
        return self.select_related("paper").only(
            *("author", "visibility", "deleted_at", "hidden_at", "revision", "paper__title")
        )

    def for_links(self) -> NoteQuerySet:
        """What a link to a note shows: its number, the paper's title and the author."""
        return self.select_related("paper", "author").only(
            "paper__title", "author__username", "author__display_name"
        )

    def for_cards(self) -> NoteQuerySet:
        """What a card in "Other summaries" shows: the author, the date, the badges and, as
        ``excerpt``, the start of the text (see ``TextStart``). The tags come along for
        "Read also"."""
        return (
            self.select_related("author")
            .only(*CARD_FIELDS)
            .annotate(excerpt=TextStart("body_text", chars=CARD_EXCERPT_CHARS))
        )


ENTRY_FIELDS = (
    *("paper", "author", "body_html", "body_text", "tag_names", "visibility", "revision"),
    *("created", "modified", "deleted_at", "hidden_at"),
    *("comment_count", "vote_count", "view_count"),
    *("paper__title", "paper__year", "paper__authors", "author__username"),
    "author__display_name",
)

# Facts about the note of the row (the outer query's table, ``notes_note``) for its page.
# Raw SQL: ``Exists()`` of a queryset takes Django about a third of a millisecond each to
# build and compile, more than the queries these spare.
_NOTE_FLAGS = {
    "has_comments": "SELECT FROM notes_comment AS c WHERE c.note_id = notes_note.id",
    "has_backlinks": (
        "SELECT FROM notes_notereference AS r WHERE r.target_id = notes_note.id AND r.linked"
    ),
    "has_other_notes": (
        "SELECT FROM notes_note AS o WHERE o.paper_id = notes_note.paper_id"
        " AND o.id <> notes_note.id"
    ),
}
# Whether user %s voted for the note of the row (also read with list entries).
VOTED_SQL = "SELECT FROM notes_notevote AS v WHERE v.note_id = notes_note.id AND v.user_id = %s"
_VIEWER_FLAGS = {
    "viewer_voted": VOTED_SQL,
    "viewer_muted": (
        "SELECT FROM notes_mute AS m WHERE m.note_id = notes_note.id AND m.user_id = %s"
    ),
}


def _exists(sql: str, *params: object) -> RawSQL:
    # Only ever given the constants above; values go in as parameters.
    return RawSQL(f"EXISTS ({sql})", params, output_field=models.BooleanField())  # noqa: S611


# A note's page shows the entry's fields and the paper's authors and venue; the Markdown
# source (only the editor needs it) stays in the database.
PAGE_FIELDS = (
    *(field for field in ENTRY_FIELDS if field != "body_text"),
    "paper__venue",
)

CARD_FIELDS = (
    *("author", "tag_names", "visibility", "modified", "hidden_at"),
    *("author__username", "author__display_name"),
)
# What the cards' ``truncatechars`` shows of a text.
CARD_EXCERPT_CHARS = 280


class TextStart(models.Func):
    """The start of a text, just long enough for ``truncatechars:<chars>`` to give on it
    what it gives on the whole text; the whole text when that cannot be shown cheaply.

    The start is the first ``LENGTH`` characters when at least ``chars`` + 20 of them are
    ASCII, which their size in bytes proves (the database speaks UTF-8, where every other
    character takes two bytes or more). ``truncatechars`` counts every ASCII character,
    and under Unicode normalisation (NFC, which it applies first) nothing before an ASCII
    character combines with anything after it, so the characters it keeps and its
    decision to cut are the same on the start as on the whole text (with 20 to spare).
    Texts mostly in other scripts, or heavy with combining marks, come whole.
    """

    LENGTH = 1000
    template = (
        "CASE WHEN octet_length(left(%(expressions)s, %(length)s)) <= %(most_bytes)s"
        " THEN left(%(expressions)s, %(length)s) ELSE %(expressions)s END"
    )
    output_field = models.TextField()

    def __init__(self, expression: str, *, chars: int) -> None:
        ascii_needed = chars + 20
        assert ascii_needed <= self.LENGTH
        super().__init__(expression, length=self.LENGTH, most_bytes=2 * self.LENGTH - ascii_needed)


# Unknown paper years sort last when newest-first: (year DESC NULLS LAST, id DESC), which
# read backwards is also the oldest-first order (unknown years first).
PUBLIC_SORT_INDEXES = {
    "modified": (F("modified"), F("id")),
    "created": (F("created"), F("id")),
    "paper_year": (F("paper_year").desc(nulls_last=True), F("id").desc()),
    "paper_title": (Lower("paper_title"), F("id")),
}


class Note(Revised, Hideable, KeepsCounts):
    """One user's summary of one paper. The public number ``{N}`` is the primary key."""

    COUNT_FIELDS = ("comment_count", "vote_count", "view_count")

    # No index of their own: (paper, author) leads the unique constraint's index and
    # (author, -modified) the author index. Every index of this table is one more that
    # PostgreSQL weighs when planning each query on it.
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="notes", db_index=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(blank=True, editable=False)
    body_size = models.PositiveIntegerField(default=0, editable=False)
    # The tags as they were at this revision, lower case and sorted; kept beside taggit's
    # rows so that every historical row carries its own tags.
    tag_names = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    tags = TaggableManager(through=TaggedNote, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    revision = models.PositiveIntegerField(default=0, editable=False)
    edit_message = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Derived from the paper and the note by notes.selectors.search (set_search_data on a save,
    # refresh after a paper's): sort keys that lists can page through by index, and the
    # weighted full-text search document.
    paper_year = models.PositiveSmallIntegerField(null=True, editable=False)
    # "natural" (migration 0015): case-insensitive, numbers by value.
    paper_title = models.CharField(
        max_length=500, blank=True, editable=False, db_collation="natural"
    )
    search_vector = SearchVectorField(null=True, editable=False)
    # Live (not deleted or removed) comments, kept by notes.services.comments; votes and views, kept
    # by notes.services.reactions. List pages show them without a join.
    comment_count = count_field()
    vote_count = count_field()
    view_count = count_field()
    # Title, tags and authors only: small enough to rank every match of a common word
    # without reading the whole document (see notes.selectors.search).
    search_head = SearchVectorField(null=True, editable=False)
    # Every pair of adjacent words of the search document, as hashes: a phrase's notes are
    # found from this index instead of by reading each document with both words (see
    # notes.selectors.search).
    search_pairs = ArrayField(models.IntegerField(), null=True, editable=False)
    history = HistoricalRecords(
        excluded_fields=[
            "deleted_at",
            "paper_year",
            "paper_title",
            "search_vector",
            "search_head",
            "search_pairs",
            "hidden_at",
            "hidden_by",
            *COUNT_FIELDS,
        ]
    )

    objects = NoteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "author"], name="notes_one_note_per_paper"),
        ]
        indexes = [
            models.Index(fields=["-modified", "-id"], name="notes_note_modified_idx"),
            models.Index(fields=["author", "-modified"], name="notes_note_author_idx"),
            GinIndex(fields=["search_vector"], name="notes_note_search_idx"),
            GinIndex(fields=["search_head"], name="notes_note_search_head_idx"),
            GinIndex(fields=["search_pairs"], name="notes_note_search_pairs_idx"),
            GinIndex(fields=["tag_names"], name="notes_note_tags_idx"),
            # The few notes moderators hid, which every inbox leaves out of its list and
            # counts (``visibility.notification_hidden_q``).
            models.Index(
                fields=["id", "author"],
                condition=Q(hidden_at__isnull=False),
                name="notes_note_hidden_idx",
            ),
            # What anonymous readers page through: public notes out of the trash and not
            # hidden by moderators, by each sort key, so that a deep page is an index-only
            # walk (a condition the index left out would be checked in every row skipped).
            *(
                models.Index(
                    *keys,
                    condition=read_rule.public_q(),
                    name=f"notes_public_{name}_idx",
                )
                for name, keys in PUBLIC_SORT_INDEXES.items()
            ),
            # The newest public notes of a tag: the date index with each note's tags in it,
            # so that finding them is a walk of the index alone (its tuples checked for
            # the tag without reading the notes). Without it, a tag of a few thousand notes
            # among a million was found either by reading each note of the walk or by
            # reading all of the tag's notes to sort them: 10–25 ms of the database for a
            # first page, against 1–3 ms. The plain date index stays, a third of its size,
            # for the lists of all notes.
            models.Index(
                fields=["modified", "id"],
                include=["tag_names"],
                condition=read_rule.public_q(),
                name="notes_public_tagged_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{{{self.pk}}} {self.paper.title}"

    def get_absolute_url(self) -> str:
        return reverse("notes:note", args=[self.pk])

    @property
    def ref(self) -> str:
        """The public number as written in texts: ``{123}``."""
        return f"{{{self.pk}}}"

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None

    def is_visible_to(self, user: settings.AUTH_USER_MODEL) -> bool:
        """The same rule as ``NoteQuerySet.visible_to``, for a note already in hand."""
        return read_rule.note_readable(self, user)

"""Papers, the notes (summaries) people write about them, and their links.

A note's Markdown is rendered once, at save, by ``notes.rendering``; the HTML and plain
text are stored beside the source. Every save is a revision recorded by
django-simple-history, with the tags and edit message of that revision captured in the
historical row. Writes go through ``notes.services``.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from notes import generations
from notes import visibility as read_rule

# Votes, ratings and daily views live in their own module; imported here so that Django
# finds them as models of this app.
from notes.community import NoteView, NoteVote, PaperRating, PaperView  # noqa: F401

MAX_BODY_BYTES = 200 * 1024


class KeepsCounts(models.Model):
    """A model with counts that single UPDATE statements keep (votes, views, ratings).

    Saving an instance read a moment ago must not write its stale counts back over
    increments made meanwhile, so an ordinary ``save()`` of an existing row leaves them
    out. The counts are not part of the model's history either.
    """

    COUNT_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.COUNT_FIELDS
            ]
        super().save(*args, **kwargs)


def count_field() -> models.PositiveIntegerField:
    # db_default too, so rows loaded in bulk (COPY, raw INSERT) start at zero as well.
    return models.PositiveIntegerField(default=0, db_default=0, editable=False)


class PaperQuerySet(models.QuerySet["Paper"]):
    def by_identifier(self, *, doi: str = "", arxiv_id: str = "", pmid: str = "") -> Paper | None:
        """The paper that already carries any of these (normalised) identifiers."""
        match = Q(pk__in=[])
        if doi:
            match |= Q(doi=doi)
        if arxiv_id:
            match |= Q(arxiv_id=arxiv_id)
        if pmid:
            match |= Q(pmid=pmid)
        return self.filter(match).first()


class Paper(KeepsCounts):
    COUNT_FIELDS = ("view_count", "rating_count", "rating_sum")

    title = models.CharField(max_length=500)
    authors = models.CharField(max_length=2000, blank=True, help_text="Comma separated.")
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1000), MaxValueValidator(2100)],
    )
    venue = models.CharField(max_length=300, blank=True)
    abstract = models.TextField(max_length=20000, blank=True)
    url = models.URLField(max_length=1000, blank=True, verbose_name="URL")
    # Identifiers are stored normalised; NULL (never "") when absent, so uniqueness holds
    # only among papers that have one.
    doi = models.CharField(max_length=200, null=True, blank=True, unique=True, verbose_name="DOI")
    arxiv_id = models.CharField(
        max_length=50, null=True, blank=True, unique=True, verbose_name="arXiv id"
    )
    pmid = models.CharField(max_length=12, null=True, blank=True, unique=True, verbose_name="PMID")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    # Kept by notes.reactions; the average is rating_sum / rating_count.
    view_count = count_field()
    rating_count = count_field()
    rating_sum = count_field()
    history = HistoricalRecords(excluded_fields=list(COUNT_FIELDS))

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [
            # "did you mean" matches misspelt titles by trigram similarity
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="notes_paper_title_trgm"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("paper", args=[self.pk])

    def can_edit(self, user: settings.AUTH_USER_MODEL) -> bool:
        return user.is_authenticated and (user.is_staff or user.pk == self.created_by_id)

    @property
    def rating_average(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def author_list(self) -> list[str]:
        return [name.strip() for name in self.authors.split(",") if name.strip()]

    @property
    def first_author_surname(self) -> str:
        """The first author's family name, as paper-notes wikis cite a paper
        (``ref: Vaswani-2017``): the last word of the first name listed ("Ashish Vaswani",
        "A. Vaswani and N. Shazeer"), or the whole first item of a "Vaswani, A., …" list;
        "" when no authors are known."""
        names = self.author_list
        if not names:
            return ""
        first = re.split(r"\s+and\s+|\s*;\s*|\s*&\s*", names[0])[0]
        first = re.sub(r"\s+et\s+al\.?$", "", first.strip())
        words = first.split()
        return words[-1].strip(".") if words else ""

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


class Hideable(models.Model):
    """Content staff can hide (through ``notes.moderation``): it is then shown to its
    author only, marked hidden. A moderation state, not a version of the text, so the
    models exclude these fields from their history."""

    hidden_at = models.DateTimeField(null=True, blank=True, editable=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class TaggedNote(TaggedItemBase):
    content_object = models.ForeignKey("Note", on_delete=models.CASCADE)


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public — anyone can read it"
    PRIVATE = "private", "Private — only you"


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
        for it (``viewer_voted``) and muted its thread (``viewer_muted``), and whether it
        has any comments, backlinks and other notes on its paper at all, readable or not
        (``has_comments``, ``has_backlinks``, ``has_other_notes``), so that the page asks
        for those only when there are some; and the public generation (``notes.generations``)
        as ``public_generation``."""
        flags: dict[str, Value | RawSQL] = {name: Value(False) for name in _VIEWER_FLAGS}
        if viewer.is_authenticated:
            flags = {name: _exists(sql, viewer.pk) for name, sql in _VIEWER_FLAGS.items()}
        return (
            self.select_related("paper", "author")
            .only(*PAGE_FIELDS)
            .annotate(**{name: _exists(sql) for name, sql in _NOTE_FLAGS.items()}, **flags)
            .annotate(public_generation=generations.annotation())
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


class Note(Hideable, KeepsCounts):
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
    # Derived from the paper and the note by notes.search.refresh(): sort keys that lists
    # can page through by index, and the weighted full-text search document.
    paper_year = models.PositiveSmallIntegerField(null=True, editable=False)
    # "natural" (migration 0015): case-insensitive, numbers by value.
    paper_title = models.CharField(
        max_length=500, blank=True, editable=False, db_collation="natural"
    )
    search_vector = SearchVectorField(null=True, editable=False)
    # Live (not deleted or removed) comments, kept by notes.comments; votes and views, kept
    # by notes.reactions. List pages show them without a join.
    comment_count = count_field()
    vote_count = count_field()
    view_count = count_field()
    # Title, tags and authors only: small enough to rank every match of a common word
    # without reading the whole document (see notes.search).
    search_head = SearchVectorField(null=True, editable=False)
    # Every pair of adjacent words of the search document, as hashes: a phrase's notes are
    # found from this index instead of by reading each document with both words (see
    # notes.search).
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
        ]

    def __str__(self) -> str:
        return f"{{{self.pk}}} {self.paper.title}"

    def get_absolute_url(self) -> str:
        return reverse("note", args=[self.pk])

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


class PublicCount(models.Model):
    """How many public notes out of the trash there are: in all, and with each tag.

    Kept by ``notes.public_counts`` on every change of a note, so that the index and the tag
    pages know their number of pages without counting tens of thousands of rows.
    """

    key = models.CharField(max_length=110, primary_key=True)
    count = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class PublicCountDelta(models.Model):
    """A change to a ``PublicCount`` not yet added to it: rows that live only inside the
    transaction that wrote them.

    ``notes.public_counts`` writes here, without touching the shared count rows; a trigger adds
    the transaction's changes to the counts as it commits, last of all (migration 0012,
    ``notes.generations``), and deletes them.
    """

    key = models.CharField(max_length=110)
    delta = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.delta:+d}"


class Generation(models.Model):
    """A number that changes with every change to what is public of the notes and papers.

    Database triggers (migrations 0009 and 0012) give ``public`` a new number from a
    sequence when a transaction that inserted, deleted or updated the note and paper columns
    that public pieces are made of (not a view being counted) commits. The row changes in
    that transaction, so it is seen changed exactly when the change is, in every process; a
    sequence never gives a number twice, not even after a rollback. ``notes.generations``
    reads it and explains why this is enough.
    """

    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


class NoteReference(models.Model):
    """``{N}`` written in ``source``'s current revision; read as "referenced by" on N while
    it is a link (``linked``).

    Kept for every existing note cited, linkable or not, so that when N's visibility,
    trash or hidden state changes, the notes that cite it are found and rendered again
    (``notes.services.relink_references_to``).
    """

    source = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="references")
    target = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="referenced_by")
    # Whether ``source``'s stored HTML links it: its author could read N when it was rendered.
    linked = models.BooleanField(default=True, db_default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="notes_reference_once"),
        ]

    def __str__(self) -> str:
        return f"{{{self.source_id}}} → {{{self.target_id}}}"


MAX_COMMENT_BYTES = 10 * 1024


class CommentReference(models.Model):
    """``{N}`` written in ``comment``'s current text (linked or not), so that the comment
    is rendered again when N's visibility, trash or hidden state changes."""

    comment = models.ForeignKey("Comment", on_delete=models.CASCADE, related_name="references")
    target = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="cited_by_comments")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "target"], name="notes_comment_reference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.comment_id} → {{{self.target_id}}}"


class CommentQuerySet(models.QuerySet["Comment"]):
    def for_thread(self, note: Note) -> CommentQuerySet:
        """Every comment of a note with what its display needs, oldest first, in one query.

        Not the Markdown source or plain text (only editing and e-mails need them), nor
        the authors' account details.
        """
        return (
            self.filter(note=note)
            .select_related("author")
            .only(*THREAD_FIELDS)
            .order_by("created", "id")
        )


THREAD_FIELDS = (
    *("note", "author", "parent", "depth", "body_html", "created", "edited_at"),
    *("deleted_at", "removed_by", "hidden_at", "author__username", "author__display_name"),
)


class Comment(Hideable):
    """A comment on a note, threaded by ``parent``. Writes go through ``notes.comments``.

    Deleting (by its author) or removing (by the note's author or staff) only marks the
    comment, so that the replies below it keep their place in the thread.
    """

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # Levels below the top of the thread (0 for a comment on the note itself).
    depth = models.PositiveIntegerField(default=0, editable=False)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    # Plain text of the rendered body (formulas as TeX), for excerpts in the inbox and e-mails.
    body_text = models.TextField(blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Every version of the text; deleting or hiding is not a version.
    history = HistoricalRecords(
        excluded_fields=["deleted_at", "removed_by", "hidden_at", "hidden_by"]
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["note", "created"], name="notes_comment_note_idx")]

    def __str__(self) -> str:
        return f"comment {self.pk} on {{{self.note_id}}}"

    def get_absolute_url(self) -> str:
        return f"{reverse('note', args=[self.note_id])}#c{self.pk}"

    @property
    def anchor(self) -> str:
        return f"c{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None

    @property
    def counts(self) -> bool:
        """Whether the note's ``comment_count`` includes it: live and seen by everyone."""
        return not self.is_deleted and not self.is_hidden

    def is_visible_to(self, user: settings.AUTH_USER_MODEL) -> bool:
        """Whether ``user`` sees this comment in its thread (its note being readable to
        them): not when moderators hid it from them."""
        return not read_rule.comment_hidden_from(self, user)


class NotificationKind(models.TextChoices):
    COMMENT = "comment", "Someone comments on your note"
    REPLY = "reply", "Someone replies to your comment"
    MENTION = "mention", "Someone mentions you with @username"
    PAPER_SUMMARY = "paper_summary", "Someone publishes a summary of a paper you summarised"
    FOLLOWED_PAPER = "followed_paper", "Someone publishes a summary of a paper you follow"
    FOLLOWED_USER = "followed_user", "Someone you follow publishes a note"
    FOLLOWED_TAG = "followed_tag", "Someone publishes a note with a tag you follow"


class Delivery(models.TextChoices):
    OFF = "off", "Off"
    IN_APP = "in_app", "In the app only"
    IMMEDIATE = "immediate", "In the app and by e-mail at once"
    DIGEST = "digest", "In the app and in a daily e-mail digest"


# What the inbox reads of a notification (NotificationQuerySet.for_inbox).
INBOX_FIELDS = (
    "recipient", "kind", "created", "read_at",
    "actor__username", "actor__display_name",
    "note__author", "note__visibility", "note__deleted_at", "note__hidden_at",
    "note__tag_names", "note__paper__title",
    "comment__note", "comment__author", "comment__deleted_at", "comment__hidden_at",
    "comment__body_text",
)  # fmt: skip


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def shown_to(self, user: settings.AUTH_USER_MODEL) -> NotificationQuerySet:
        """The user's notifications, without those about content moderators have hidden
        from them (a hidden note stays listed for its own author)."""
        return self.filter(recipient=user).exclude(read_rule.notification_hidden_q(user.pk))

    def for_inbox(self, user: settings.AUTH_USER_MODEL) -> NotificationQuerySet:
        # Only what a notification's line and excerpt show and its visibility needs: the
        # whole notes (bodies, search documents) and papers (abstracts) of a page of fifty
        # cost more to read than the rest of the page.
        return (
            self.shown_to(user)
            .select_related("actor", "note__paper", "comment")
            .only(*INBOX_FIELDS)
            .order_by("-created", "-id")
        )


class Notification(models.Model):
    """One event told to one person. Who gets what is decided in ``notes.notifications``.

    An event never notifies anyone twice: one row per recipient and comment for events
    about a comment, and per recipient, kind and note for events about a note.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # How the recipient wanted this kind delivered when it happened.
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "comment"],
                condition=Q(comment__isnull=False),
                name="notes_notify_once_per_comment",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "note"],
                condition=Q(comment__isnull=True),
                name="notes_notify_once_per_note_event",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created"], name="notes_notify_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notes_notify_unread_idx",
            ),
            models.Index(
                fields=["recipient", "created"],
                condition=Q(delivery="digest", emailed_at__isnull=True),
                name="notes_notify_digest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} on {{{self.note_id}}}"

    def get_absolute_url(self) -> str:
        return self.comment.get_absolute_url() if self.comment else self.note.get_absolute_url()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_readable(self) -> bool:
        """Whether its recipient may still read what it is about (``notes.visibility``)."""
        return read_rule.notification_note_readable(self)

    @property
    def excerpt(self) -> str:
        """The comment's text, while its recipient may read it; else ""."""
        return read_rule.notification_excerpt(self)

    @property
    def text(self) -> str:
        """One line saying what happened, for the inbox and e-mails; about a note its
        recipient can no longer read, a line that names neither the note nor its paper."""
        who = self.actor.name if self.actor else "Someone"
        if not self.is_readable:
            return self._neutral_text(who)
        where = f"{self.note.ref} {self.note.paper.title}"
        if self.kind == NotificationKind.COMMENT:
            return f"{who} commented on your note {where}"
        if self.kind == NotificationKind.REPLY:
            return f"{who} replied to your comment on {where}"
        if self.kind == NotificationKind.MENTION:
            return f"{who} mentioned you in {'a comment on ' if self.comment_id else ''}{where}"
        if self.kind == NotificationKind.FOLLOWED_PAPER:
            return f"{who} published a summary of a paper you follow: {where}"
        if self.kind == NotificationKind.FOLLOWED_USER:
            return f"{who}, whom you follow, published {where}"
        if self.kind == NotificationKind.FOLLOWED_TAG:
            tags = ", ".join(self.note.tag_names)
            return f"{who} published {where}, tagged {tags}"
        return f"{who} published a summary of a paper you summarised: {where}"

    def _neutral_text(self, who: str) -> str:
        gone = NEUTRAL_NOTE
        if self.kind == NotificationKind.COMMENT:
            return f"{who} commented on {gone}"
        if self.kind == NotificationKind.REPLY:
            return f"{who} replied to your comment on {gone}"
        if self.kind == NotificationKind.MENTION:
            return f"{who} mentioned you in {'a comment on ' if self.comment_id else ''}{gone}"
        return f"{who} published {gone}"


# What a notification says instead of a note its recipient can no longer read.
NEUTRAL_NOTE = "a note you can no longer see"


class Mute(models.Model):
    """The user wants no more notifications about this note's thread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "note"], name="notes_mute_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} muted {{{self.note_id}}}"


# ----------------------------------------------------------------------------- follows


class FollowQuerySet(models.QuerySet["Follow"]):
    def for_page(self, user: settings.AUTH_USER_MODEL) -> FollowQuerySet:
        """What ``user`` follows, with the followed users and papers, in one query."""
        return (
            self.filter(user=user)
            .select_related("followed_user", "paper")
            .order_by("tag", "followed_user__username", "paper__title", "pk")
        )


class Follow(models.Model):
    """``user`` follows exactly one of: a tag (by name), another user, or a paper.

    Writes go through ``notes.follows``; new notes from what one follows are listed on the
    Following page and told by ``notes.notifications``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Tags are free names (taggit rows come and go with notes), kept normalised lower case.
    tag = models.CharField(max_length=100, blank=True, default="")
    followed_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
    )
    paper = models.ForeignKey(
        Paper, null=True, blank=True, on_delete=models.CASCADE, related_name="followers"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(~Q(tag=""), followed_user__isnull=True, paper__isnull=True)
                    | Q(tag="", followed_user__isnull=False, paper__isnull=True)
                    | Q(tag="", followed_user__isnull=True, paper__isnull=False)
                ),
                name="notes_follow_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(followed_user=F("user")), name="notes_follow_not_oneself"
            ),
            models.UniqueConstraint(
                fields=["user", "tag"], condition=~Q(tag=""), name="notes_follow_tag_once"
            ),
            models.UniqueConstraint(
                fields=["user", "followed_user"],
                condition=Q(followed_user__isnull=False),
                name="notes_follow_user_once",
            ),
            models.UniqueConstraint(
                fields=["user", "paper"],
                condition=Q(paper__isnull=False),
                name="notes_follow_paper_once",
            ),
        ]
        indexes = [
            # Who follows a tag, when a note with it is published.
            models.Index(fields=["tag"], condition=~Q(tag=""), name="notes_follow_tag_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.label}"

    def get_absolute_url(self) -> str:
        if self.tag:
            return reverse("tag", args=[self.tag])
        if self.followed_user_id:
            return reverse("profile", args=[self.followed_user.username])
        return reverse("paper", args=[self.paper_id])

    @property
    def label(self) -> str:
        if self.tag:
            return f"#{self.tag}"
        if self.followed_user_id:
            return self.followed_user.name
        return self.paper.title


# -------------------------------------------------------------------------- moderation


class FlagReason(models.TextChoices):
    SPAM = "spam", "Spam"
    ABUSE = "abuse", "Abuse or harassment"
    COPYRIGHT = "copyright", "Copyright infringement"
    OTHER = "other", "Something else (say what)"


class FlagQuerySet(models.QuerySet["Flag"]):
    def open(self) -> FlagQuerySet:
        return self.filter(resolved_at__isnull=True)


class Flag(models.Model):
    """One person's report of a note or a comment, open until staff act on the item.

    A person has at most one open flag per item, so repeated flags count once.
    """

    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=FlagReason.choices)
    text = models.CharField(max_length=1000, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(note__isnull=False, comment__isnull=True)
                | Q(note__isnull=True, comment__isnull=False),
                name="notes_flag_one_item",
            ),
            models.UniqueConstraint(
                fields=["flagger", "note"],
                condition=Q(resolved_at__isnull=True, note__isnull=False),
                name="notes_flag_note_once",
            ),
            models.UniqueConstraint(
                fields=["flagger", "comment"],
                condition=Q(resolved_at__isnull=True, comment__isnull=False),
                name="notes_flag_comment_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created"],
                condition=Q(resolved_at__isnull=True),
                name="notes_flag_open_idx",
            ),
        ]

    def __str__(self) -> str:
        item = f"note {self.note_id}" if self.note_id else f"comment {self.comment_id}"
        return f"{self.flagger_id} flagged {item}: {self.reason}"


class ModerationVerb(models.TextChoices):
    HIDE = "hide", "hid"
    RESTORE = "restore", "restored"
    DISMISS = "dismiss", "dismissed the flags on"


class ModerationAction(models.Model):
    """The audit log: one row per staff action, never changed afterwards."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=10, choices=ModerationVerb.choices)
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the item was, in words, so the log still reads after the item is gone.
    item_label = models.CharField(max_length=300)
    flag_count = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=1000, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["-created"], name="notes_modaction_created_idx")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.get_verb_display()} {self.item_label}"

"""Papers, the notes (summaries) people write about them, and their links.

A note's Markdown is rendered once, at save, by ``notes.rendering``; the HTML and plain
text are stored beside the source. Every save is a revision recorded by
django-simple-history, with the tags and edit message of that revision captured in the
historical row. Writes go through ``notes.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

MAX_BODY_BYTES = 200 * 1024


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


class Paper(models.Model):
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
    history = HistoricalRecords()

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
    def author_list(self) -> list[str]:
        return [name.strip() for name in self.authors.split(",") if name.strip()]

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


class TaggedNote(TaggedItemBase):
    content_object = models.ForeignKey("Note", on_delete=models.CASCADE)


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public — anyone can read it"
    PRIVATE = "private", "Private — only you"


class NoteQuerySet(models.QuerySet["Note"]):
    def alive(self) -> NoteQuerySet:
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user: settings.AUTH_USER_MODEL) -> NoteQuerySet:
        """Notes the user may read: public ones and their own, never anything in a trash."""
        alive = self.alive()
        if user.is_authenticated:
            return alive.filter(Q(visibility=Visibility.PUBLIC) | Q(author=user))
        return alive.filter(visibility=Visibility.PUBLIC)

    def without_search_data(self) -> NoteQuerySet:
        """Leave out the search documents: large, and only ever read by the database."""
        return self.defer("search_vector", "search_head")

    def for_entries(self) -> NoteQuerySet:
        """What an entry in a list shows: the paper and the author, in the same query.

        Only the fields entries, results and feed items show; not the Markdown source,
        the search documents, the paper's abstract or the author's account details.
        """
        return self.select_related("paper", "author").only(*ENTRY_FIELDS)


ENTRY_FIELDS = (
    *("paper", "author", "body_html", "body_text", "tag_names", "visibility", "revision"),
    *("created", "modified", "deleted_at"),
    *("paper__title", "paper__year", "author__username", "author__display_name"),
)


# Unknown paper years sort last when newest-first: (year DESC NULLS LAST, id DESC), which
# read backwards is also the oldest-first order (unknown years first).
PUBLIC_SORT_INDEXES = {
    "modified": (F("modified"), F("id")),
    "created": (F("created"), F("id")),
    "paper_year": (F("paper_year").desc(nulls_last=True), F("id").desc()),
    "paper_title": (F("paper_title"), F("id")),
}


class Note(models.Model):
    """One user's summary of one paper. The public number ``{N}`` is the primary key."""

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
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
    paper_title = models.CharField(max_length=500, blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # Title, tags and authors only: small enough to rank every match of a common word
    # without reading the whole document (see notes.search).
    search_head = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(
        excluded_fields=["deleted_at", "paper_year", "paper_title", "search_vector", "search_head"]
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
            GinIndex(fields=["tag_names"], name="notes_note_tags_idx"),
            # What anonymous readers page through: public notes out of the trash, by each
            # sort key, so that a deep page is an index-only walk.
            *(
                models.Index(
                    *keys,
                    condition=Q(visibility="public", deleted_at__isnull=True),
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


class PublicCount(models.Model):
    """How many public notes out of the trash there are: in all, and with each tag.

    Kept by ``notes.counters`` on every change of a note, so that the index and the tag
    pages know their number of pages without counting tens of thousands of rows.
    """

    key = models.CharField(max_length=110, primary_key=True)
    count = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class NoteReference(models.Model):
    """``{N}`` written in ``source``'s current revision; read as "referenced by" on N."""

    source = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="references")
    target = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="referenced_by")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="notes_reference_once"),
        ]

    def __str__(self) -> str:
        return f"{{{self.source_id}}} → {{{self.target_id}}}"

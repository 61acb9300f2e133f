"""Papers: what a note is about, with its identifiers and details."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from notes.models.base import KeepsCounts, Revised, count_field


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


def author_list(authors: str) -> list[str]:
    """The names of a paper's ``authors`` field (comma-separated)."""
    return [name.strip() for name in authors.split(",") if name.strip()]


_FIRST_LISTED = re.compile(r"[^,\s][^,]*")


def first_author_surname(authors: str) -> str:
    """The first author's family name, as paper-notes wikis cite a paper
    (``ref: Vaswani-2017``): the last word of the first name listed ("Ashish Vaswani",
    "A. Vaswani and N. Shazeer"), or the whole first item of a "Vaswani, A., …" list;
    "" when no authors are known."""
    listed = _FIRST_LISTED.search(authors)  # ``author_list(authors)[0]``, without the rest
    if listed is None:
        return ""
    first = re.split(r"\s+and\s+|\s*;\s*|\s*&\s*", listed.group().strip())[0]
    first = re.sub(r"\s+et\s+al\.?$", "", first.strip())
    words = first.split()
    return words[-1].strip(".") if words else ""


class Paper(Revised, KeepsCounts):
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
    # Kept by notes.services.reactions; the average is rating_sum / rating_count.
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
        return reverse("notes:paper", args=[self.pk])

    def can_edit(self, user: settings.AUTH_USER_MODEL) -> bool:
        return user.is_authenticated and (user.is_staff or user.pk == self.created_by_id)

    @property
    def rating_average(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def author_list(self) -> list[str]:
        return author_list(self.authors)

    @property
    def first_author_surname(self) -> str:
        return first_author_surname(self.authors)

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

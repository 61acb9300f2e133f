"""Cursor pagination: stable while objects are added, and as fast deep in a list as at its
start (each page continues from the last key of the one before, by an index)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from notes.models import PublicTagged

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class Cursor(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = ("-id",)

    def get_page_size(self, request: Request) -> int:
        # A page size that is not a positive number is the default, never an error.
        return super().get_page_size(request) or self.page_size


class NoteCursor(Cursor):
    """Notes newest first by the date asked for (``sort``: modified or created); or a
    tag's rows of ``PublicTagged``, by the date a note was modified, which a cursor
    reads as it reads the notes' (the note's date, then its id)."""

    SORTS = {"modified": ("-modified", "-id"), "created": ("-created", "-id")}

    @classmethod
    def by_date(cls, request: Request) -> bool:
        """Whether the notes are asked for by the date they were modified."""
        return request.query_params.get("sort", "") not in cls.SORTS.keys() - {"modified"}

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        if queryset.model is PublicTagged:
            return ("-modified", "-note_id")
        return self.SORTS.get(request.query_params.get("sort", ""), self.SORTS["modified"])


def paginated(serializer: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """The schema of a page of ``serializer``'s objects, as ``Cursor`` answers."""
    return inline_serializer(
        name,
        {
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )

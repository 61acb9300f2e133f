"""Cursor pagination: stable while objects are added, and as fast deep in a list as at its
start (each page continues from the last key of the one before, by an index)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

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
    """Notes newest first by the date asked for (``sort``: modified or created)."""

    SORTS = {"modified": ("-modified", "-id"), "created": ("-created", "-id")}

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
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

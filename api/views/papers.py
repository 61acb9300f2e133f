"""Papers: list, filter, get, add (from identifiers or fields)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from api import access, sync
from api.pagination import Cursor, paginated
from api.serializers import PaperSerializer
from api.views.common import int_param
from notes import services, visibility
from notes.models import Paper

PAPER_FILTERS = [
    OpenApiParameter("q", str, description="Words of the title."),
    OpenApiParameter("year", int),
    OpenApiParameter("doi", str),
    OpenApiParameter("arxiv_id", str),
    OpenApiParameter("pmid", str),
    OpenApiParameter("page_size", int),
    OpenApiParameter(
        "since", sync.VERSION_SCHEMA, description="Only papers changed after this version."
    ),
]


@extend_schema(
    methods=["GET"],
    operation_id="papers_list",
    parameters=PAPER_FILTERS,
    responses=paginated(PaperSerializer, "PaperPage"),
    description="Papers listed for the reader: with a note they may read, or added by them. "
    "A paper with a given identifier is found whoever added it.",
)
@extend_schema(
    methods=["POST"],
    request=PaperSerializer,
    responses={201: PaperSerializer, 200: PaperSerializer},
)
@api_view(["GET", "POST"])
def papers(request: Request) -> Response:
    if request.method == "POST":
        serializer = PaperSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        paper, added = services.paper_add_or_find(
            user=request.user, fields=serializer.validated_data
        )
        return Response(
            PaperSerializer(paper).data,
            status=status.HTTP_201_CREATED if added else status.HTTP_200_OK,
        )
    found = Paper.objects.all()
    given = {n: request.query_params.get(n, "") for n in ("doi", "arxiv_id", "pmid")}
    if any(given.values()):
        # Every paper's page is public: one found by its identifier is shown to anyone.
        match = Q(pk__in=[])
        for name, raw in given.items():
            try:
                match |= (
                    Q(**{name: services.normalized_identifier(name, raw)}) if raw else Q(pk__in=[])
                )
            except ValueError:
                continue
        found = found.filter(match)
    else:
        found = found.filter(visibility.papers_listed_q(request.user))
    text = request.query_params.get("q", "").replace("\x00", "")[:200].strip()
    if text:
        found = found.filter(title__icontains=text)
    year = int_param(request.query_params.get("year"), low=1000, high=2100)
    if year is not None:
        found = found.filter(year=year)
    since = sync.version_param(request, "since")
    if since is not None:
        found = sync.changed_since(found, "paper", since)
    version = sync.current_version()
    paginator = Cursor()
    page = paginator.paginate_queryset(sync.with_versions(found, "paper"), request)
    response = paginator.get_paginated_response(PaperSerializer(page, many=True).data)
    response[sync.VERSION_HEADER] = str(version)
    return response


@extend_schema(responses=PaperSerializer)
@api_view(["GET"])
def paper(request: Request, pk: int) -> Response:
    found = access.paper_for(pk, sync.with_versions(Paper.objects.all(), "paper"))
    return Response(PaperSerializer(found).data)

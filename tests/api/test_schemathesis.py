"""Property-based tests of the API from its own OpenAPI schema (Schemathesis), over real
HTTP against a live test server: no answer is a 5xx, and every answer conforms to the
schema (status codes, content types, bodies, headers)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pytest_django.live_server_helper import LiveServer
from schemathesis import checks

from api.tokens import token_create
from notes.models import Visibility
from tests.conftest import make_user
from tests.factories import make_comment, make_note, make_paper

pytestmark = pytest.mark.django_db(transaction=True)


def _schema() -> Any:
    """The schema as /api/v1/schema/ serves it (made without a request or the database)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    return schemathesis.openapi.from_dict(json.loads(raw))


schema = _schema()
# What the API promises: never a 5xx, and every answer as the schema says (its status, its
# content type, its body and its headers); anonymous reads are stated as such.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.ignored_auth,
]


@pytest.fixture
def token(live_server: LiveServer, settings: Any) -> str:
    """Alice's write token, with notes, papers and comments to read and change."""
    settings.API_RATE_TOKEN = settings.API_RATE_ANONYMOUS = "100000/minute"
    settings.COMMENT_RATE_LIMIT = 100000
    alice, bob = make_user("alice"), make_user("bob")
    for n in range(3):
        note = make_note(alice, make_paper(alice), tags=["physics", f"t{n}"])
        make_comment(note, bob)
    make_note(bob, make_paper(bob), visibility=Visibility.PRIVATE)
    return token_create(user=alice, name="fuzz", scope="write")[1]


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_conforms_to_its_schema(case: Any, live_server: LiveServer, token: str) -> None:
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {token}"},
        checks=CHECKS,
    )

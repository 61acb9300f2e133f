"""Every URL pattern and every query parameter, fed hostile values: never a 5xx.

The URL patterns are read from the resolver, so a pattern added later is walked too. Each
parameter of a pattern gets, in turn, numbers too large for any column, numbers just past
the 32- and 64-bit limits, negative numbers, words, superscript and non-ASCII digits and
NUL characters, while the other parameters name real objects, so the view runs as far as
the hostile value lets it.

The query parameters are found by asking the views: each page is requested once and the
names it reads from ``request.GET`` or ``request.POST`` are recorded (a spy on Django's
``MultiValueDict``, for this test only), then each name is sent hostile values: all of them
at the first page that reads it from a query string and at the first that reads it from a
form; at every other page that reads it, the two the database itself refuses (``ALWAYS``)
and a sample of the others, drawn with a seed made of the page and the name, so each run
sends what the one before it sent. Some names are read on every page through the same
code (the header's search box reads ``q``): all of them at every page cost minutes.

Each request runs in a savepoint that is rolled back, so a delete or a revert sent with
hostile values does not take away what the next request needs.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, unquote

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from notes.models import Comment, Note, Notification, Paper
from tests.conftest import BROWSER_AGENT
from tests.factories import make_comment, make_note, revise

pytestmark = pytest.mark.django_db

HOSTILE = [
    "9" * 30,
    str(2**63),  # one past the largest bigint
    str(2**31),  # one past the largest integer column
    "-1",
    "x",
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() accepts them
    "1_000",  # so does it underscores
    "1\x00",
]
ROLES = ["anonymous", "owner", "staff"]
# Sent to every query parameter wherever it is read: a number past any column (the
# database refuses the query) and a NUL (PostgreSQL refuses it in any text).
ALWAYS = ["9" * 30, "1\x00"]
# How many of the other hostile values a parameter gets where it is not first read.
SAMPLED = 1

_PARAM_RE = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str
    name: str

    @property
    def params(self) -> list[str]:
        return [match["name"] for match in _PARAM_RE.finditer(self.route)]


def _routes(resolvers: list, prefix: str = "") -> Iterator[Route]:
    for entry in resolvers:
        pattern = entry.pattern
        if not isinstance(pattern, RoutePattern):
            # The admin's app index is a regular expression of the installed app labels
            # and its catch-all takes any path: both are reached by the walk's other URLs.
            continue
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(pattern))
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(pattern), entry.name or "")


ROUTES = sorted(set(_routes(get_resolver().url_patterns)), key=lambda r: r.route)


@dataclass
class World:
    paper: Paper
    note: Note
    comment: Comment
    notification: Notification
    users: dict[str, User | None]

    def valid(self, route: str, param: str) -> str:
        """A value of ``param`` in ``route`` that names something that exists."""
        if param == "pk" or param == "object_id":
            if route.startswith("papers/"):
                return str(self.paper.pk)
            if route.startswith("notifications/"):
                return str(self.notification.pk)
            return str(self.note.pk)
        values = {
            "comment_pk": str(self.comment.pk),
            "rev": "1",
            "a": "0",
            "b": "1",
            "tag": "physics",
            "username": "alice",
            "uidb64": "MQ",
            "token": "set-password",
            "content_type_id": "1",
        }
        return values.get(param, "1")

    def url(self, route: Route, **hostile: str) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match["name"]
            if name in hostile:
                return quote(hostile[name], safe="")
            return quote(self.valid(route.route, name), safe="")

        return "/" + _PARAM_RE.sub(fill, route.route)


@pytest.fixture
def world(alice: User, bob: User, staff: User) -> World:
    note = make_note(alice, tags=["physics"])
    revise(note, "A second revision.")
    comment = make_comment(note, bob, "Hello @alice.")
    notification = Notification.objects.filter(recipient=alice).first()
    assert notification is not None
    return World(
        paper=note.paper,
        note=note,
        comment=comment,
        notification=notification,
        users={"anonymous": None, "owner": alice, "staff": staff},
    )


def _client(user: User | None) -> Client:
    client = Client(raise_request_exception=False, HTTP_USER_AGENT=BROWSER_AGENT)
    if user is not None:
        client.force_login(user)
    return client


def _send(client: Client, method: str, url: str, data: dict[str, str] | None = None) -> int:
    """The status of one request, made in a savepoint that is then rolled back.

    The client's cookies are put back too: a logout (or a login) must not change who
    makes the following requests.
    """
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        send = client.get if method == "GET" else client.post
        response = send(url, data or {})
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code


def test_the_walk_finds_the_sites_numbered_urls() -> None:
    # The resolver is read, not a list kept by hand: these must be among what it yields.
    routes = {_PARAM_RE.sub(lambda m: f"<{m['name']}>", route.route) for route in ROUTES}
    assert {
        "n/<pk>/r/<rev>/",
        "n/<pk>/diff/<a>/<b>/",
        "papers/<pk>/",
        "notifications/<pk>/",
        "u/<username>/",
        "admin/notes/note/<object_id>/change/",
    } <= routes


def _reaches_a_view(url: str) -> bool:
    """Whether the resolver hands ``url`` to a view (its converters take every value)."""
    try:
        resolve(unquote(url))
    except Resolver404:
        return False
    return True


def test_the_path_walk_tells_values_that_reach_a_view(world: World) -> None:
    route = next(route for route in ROUTES if route.route == "n/<id:pk>/r/<rev:rev>/")
    assert _reaches_a_view(world.url(route))
    assert not _reaches_a_view(world.url(route, pk="9" * 30))
    assert not _reaches_a_view(world.url(route, rev="x"))
    tag = next(route for route in ROUTES if route.route == "tags/<str:tag>/")
    assert _reaches_a_view(world.url(tag, tag="1\x00"))


@pytest.mark.parametrize("role", ROLES)
def test_hostile_values_in_the_path_never_answer_5xx(world: World, role: str) -> None:
    client = _client(world.users[role])
    failures = []
    for route in ROUTES:
        admin = route.route.startswith("admin/")
        if admin and role != "staff":
            continue  # the admin sends everyone else to the login page before reading ids
        # The admin reads an object's id the same way for GET and POST.
        methods = ("GET",) if admin else ("GET", "POST")
        for param in route.params:
            refused = 0
            for value in HOSTILE:
                url = world.url(route, **{param: value})
                if not _reaches_a_view(url):
                    # A value the path's converter refuses is a 404 before any view runs,
                    # the same for every such value: one of them is sent.
                    refused += 1
                    if refused > 1:
                        continue
                for method in methods:
                    status = _send(client, method, url)
                    if status >= 500:
                        failures.append(f"{method} {url!r}: {status}")
    assert not failures, "\n".join(failures)


@contextmanager
def _reads() -> Iterator[set[str]]:
    """The names looked up in any ``QueryDict`` meanwhile."""
    names: set[str] = set()
    getitem, getlist = MultiValueDict.__getitem__, MultiValueDict.getlist

    # QueryDict is a MultiValueDict whose methods it inherits; other MultiValueDicts (the
    # URL resolver's) are not the request's parameters.
    def spy_getitem(self: MultiValueDict, key: str):  # type: ignore[no-untyped-def]
        if isinstance(self, QueryDict):
            names.add(key)
        return getitem(self, key)

    def spy_getlist(self: MultiValueDict, key: str, default=None):  # type: ignore[no-untyped-def]
        if isinstance(self, QueryDict):
            names.add(key)
        return getlist(self, key, default)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MultiValueDict, "__getitem__", spy_getitem)
        patch.setattr(MultiValueDict, "getlist", spy_getlist)
        yield names


# Names that are not numbers and that every form reads; sending them hostile values is the
# business of the hostile-input tests of each form.
NOT_NUMBERS = {"csrfmiddlewaretoken", "body", "title", "authors", "bio", "password", "text"}


def _parameters_read(client: Client, method: str, url: str) -> set[str]:
    """The names the view at ``url`` reads, with every name it reads set to "1"."""
    data: dict[str, str] = {}
    for _ in range(3):  # a view may read a second name only once the first is there
        with _reads() as names:
            _send(client, method, url, data)
        if names <= set(data):
            break
        data = dict.fromkeys(names | set(data), "1")
    return set(data) - NOT_NUMBERS


def _values_for(place: str, name: str, first: bool) -> list[str]:
    """The hostile values ``name`` is sent at ``place`` (a method and a URL)."""
    if first:
        return HOSTILE
    others = [value for value in HOSTILE if value not in ALWAYS]
    return ALWAYS + random.Random(f"{place} {name}").sample(others, SAMPLED)


def test_each_query_parameter_gets_the_always_values_and_a_stable_sample() -> None:
    first = _values_for("GET /search/", "q", first=True)
    later = _values_for("GET /search/", "q", first=False)
    assert first == HOSTILE
    assert set(ALWAYS) < set(later) < set(HOSTILE)
    assert len(later) == len(ALWAYS) + SAMPLED
    assert later == _values_for("GET /search/", "q", first=False)
    # Over the pages that read a name, the samples differ: the rest of the list is spread.
    samples = {tuple(_values_for(f"GET /u/{n}/", "q", first=False)) for n in range(40)}
    assert len(samples) > 1


@pytest.mark.parametrize("role", ROLES)
def test_hostile_values_in_query_parameters_never_answer_5xx(world: World, role: str) -> None:
    client = _client(world.users[role])
    failures = []
    tried: set[str] = set()
    met: set[tuple[str, str]] = set()  # (method, name): a name read from GET, or from POST
    for route in ROUTES:
        if route.route.startswith("admin/"):
            continue
        url = world.url(route)
        for method in ("GET", "POST"):
            names = _parameters_read(client, method, url)
            tried |= names
            for name in sorted(names):
                first = (method, name) not in met
                met.add((method, name))
                for value in _values_for(f"{method} {url}", name, first=first):
                    data = {**dict.fromkeys(names, "1"), name: value}
                    status = _send(client, method, url, data)
                    if status >= 500:
                        failures.append(f"{method} {url} {name}={value!r}: {status}")
    assert not failures, "\n".join(failures)
    if role == "owner":
        # The spy sees the views' numbers, or this test would prove nothing.
        assert {"page", "a", "b", "id", "stars", "year_from", "parent"} <= tried

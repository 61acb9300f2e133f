"""What the benchmark requests: each kind of page, as one fixed URL and as random URLs.

A page kind has a *warm* URL, requested again and again (after the first requests every
piece the site caches is there), and *cold* URLs drawn at random, with a fixed seed, from
the whole data set: any public note, paper, index page, tag, author, revision or pair of
revisions, and search words drawn from the corpus the data was made of (common words,
rare ones, two-word phrases of common words that are never asked twice, ``tag:``
queries). A cold request usually finds nothing of its page cached.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.contrib.auth.models import AnonymousUser
from django.db import connection

from bench.corpus import FUNCTION_WORDS, RARE_WORDS, vocabulary
from notes.caching import public_counts
from notes.models import Note, Paper, PublicCount

PAGE_SIZE = 20  # notes per list page
INBOX_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50  # revisions per history page
DEEP_PAGE = 4000
COMMON_WORD, RARE_WORD = "network", "quasicrystal"
# The most frequent words of the corpus, and those it uses least (with the rare ones).
COMMON_RANKS = 300
RARE_FROM_RANK = 1500
STOP_WORDS = frozenset({*FUNCTION_WORDS, "with", "from", "this", "that"})

ANONYMOUS, LOGGED_IN = "anonymous", "logged-in"
PAGE, SEARCH = "page", "search"


@dataclass(frozen=True)
class PageKind:
    """A kind of page: its fixed URL and a way to draw random ones."""

    name: str
    warm: str
    cold: Callable[[random.Random], str]
    kind: str = PAGE
    readers: tuple[str, ...] = (ANONYMOUS, LOGGED_IN)

    def cold_urls(self, seed: int, reader: str, count: int) -> list[str]:
        """``count`` random URLs, the same for the same seed, reader and data."""
        rng = random.Random(f"{seed}:{reader}:{self.name}")  # noqa: S311 - a workload
        return [self.cold(rng) for _ in range(count)]


class NothingToMeasure(Exception):
    pass


@dataclass(frozen=True)
class Data:
    """What the URLs are drawn from, read once from the database."""

    notes: list[tuple[int, int, int]]  # public notes: (id, revision, author), by id
    special: tuple[int, int, int]  # the public note with the most revisions
    papers: list[int]
    busiest_paper: tuple[int, int]  # (paper, public summaries)
    tags: list[tuple[str, int]]  # (tag, public notes), most used first
    authors: list[str]  # usernames of people with public notes, by name
    public_count: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.public_count // PAGE_SIZE))

    def notes_with_authors(self) -> list[tuple[int, int]]:
        return [(pk, author) for pk, _, author in self.notes]


def read_data() -> Data:
    public = Note.objects.visible_to(AnonymousUser())
    notes = list(public.order_by("id").values_list("id", "revision", "author_id"))
    if not notes:
        raise NothingToMeasure(
            "There are no public notes to measure. Fill the database first: "
            "`DJANGO_SETTINGS_MODULE=bench.settings python manage.py seed_bench`."
        )
    special = max(notes, key=lambda note: (note[1], -note[0]))
    prefix = public_counts.tag_key("")
    tags = sorted(
        (
            (key.removeprefix(prefix), count)
            for key, count in PublicCount.objects.filter(
                key__startswith=prefix, count__gt=0
            ).values_list("key", "count")
        ),
        key=lambda item: (-item[1], item[0]),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT paper_id, count(*) FROM notes_note WHERE visibility = 'public' "
            "AND deleted_at IS NULL AND hidden_at IS NULL "
            "GROUP BY paper_id ORDER BY count(*) DESC, paper_id LIMIT 1"
        )
        busiest = cursor.fetchone()
        cursor.execute(
            "SELECT username FROM accounts_user WHERE id IN (SELECT author_id FROM notes_note "
            "WHERE visibility = 'public' AND deleted_at IS NULL AND hidden_at IS NULL) "
            "ORDER BY username"
        )
        authors = [row[0] for row in cursor.fetchall()]
    return Data(
        notes=notes,
        special=special,
        papers=list(Paper.objects.order_by("id").values_list("id", flat=True)),
        busiest_paper=busiest,
        tags=tags or [("physics", 0)],
        authors=authors,
        public_count=public_counts.public_count(public_counts.ALL),
    )


def common_words() -> list[str]:
    words = [w for w in vocabulary()[:COMMON_RANKS] if w not in STOP_WORDS and len(w) > 3]
    return words


def rare_words() -> list[str]:
    return [*RARE_WORDS, *vocabulary()[RARE_FROM_RANK:]]


def find_phrase(texts: list[str]) -> str:
    """The most frequent pair of adjacent words (four letters or more) in ``texts``."""
    pairs: Counter[tuple[str, str]] = Counter()
    for text in texts:
        words = re.findall(r"[a-z]+|[^a-z\s]+", text.lower())
        for a, b in itertools.pairwise(words):
            if a != b and all(len(w) >= 4 and w.isalpha() and w not in STOP_WORDS for w in (a, b)):
                pairs[a, b] += 1
    if not pairs:
        return "neural network"
    (a, b), _ = pairs.most_common(1)[0]
    return f"{a} {b}"


class PhrasesNeverAskedTwice:
    """Searches for pairs of common words, each asked once: no cache has seen them."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.asked: set[tuple[str, str]] = set()

    def __call__(self, rng: random.Random) -> str:
        for _ in range(1000):
            a, b = rng.sample(self.words, 2)
            if (a, b) not in self.asked:
                self.asked.add((a, b))
                return _search(f'"{a} {b}"')
        raise NothingToMeasure("ran out of phrases of common words")


def _search(q: str) -> str:
    return "/search/?" + urlencode({"q": q})


def _tag(name: str) -> str:
    return quote(name, safe="")


def page_kinds(data: Data, *, warm_phrase: str) -> list[PageKind]:
    """Every kind of page measured, with the data's URLs."""
    note, revisions, _ = data.special
    last = revisions
    history_pages = max(1, -(-(last + 1) // HISTORY_PAGE_SIZE))
    deep = DEEP_PAGE if data.pages > DEEP_PAGE else max(1, data.pages - 5)
    top_tag = data.tags[0][0]
    second_tag = data.tags[1][0] if len(data.tags) > 1 else top_tag
    popular = [tag for tag, _ in data.tags[:50]]
    paper, summaries = data.busiest_paper
    edited = [n for n in data.notes if n[1] > 0] or data.notes
    common, rare = common_words(), rare_words()
    tag_names = [tag for tag, _ in data.tags]
    busiest_author = data.authors[0] if data.authors else "bench_1"

    def random_tag_page(rng: random.Random) -> str:
        tag, count = rng.choice(data.tags)
        pages = max(1, -(-count // PAGE_SIZE))
        return f"/tags/{_tag(tag)}/?page={rng.randint(1, pages)}"

    def random_revision(rng: random.Random) -> str:
        pk, rev, _ = rng.choice(data.notes)
        return f"/n/{pk}/r/{rng.randint(0, rev)}/"

    def random_diff(rng: random.Random) -> str:
        pk, rev, _ = rng.choice(edited)
        a, b = sorted(rng.sample(range(rev + 1), 2)) if rev else (0, 0)
        return f"/n/{pk}/diff/{a}/{b}/"

    def special_diff(rng: random.Random) -> str:
        a, b = sorted(rng.sample(range(last + 1), 2)) if last else (0, 0)
        return f"/n/{note}/diff/{a}/{b}/"

    def special_history_page(rng: random.Random) -> str:
        return f"/n/{note}/history/?page={rng.randint(1, history_pages)}"

    def two_tags(rng: random.Random) -> str:
        a, b = rng.sample(popular, 2) if len(popular) > 1 else (top_tag, top_tag)
        return "/?" + urlencode([("tag", a), ("tag", b)])

    return [
        PageKind("index", "/", lambda rng: f"/?page={rng.randint(1, data.pages)}"),
        PageKind(
            f"index, deep page ({deep} in warm)",
            f"/?page={deep}",
            lambda rng: f"/?page={rng.randint(max(1, data.pages // 2), data.pages)}",
        ),
        PageKind(f"tag ({top_tag} in warm)", f"/tags/{_tag(top_tag)}/", random_tag_page),
        PageKind(
            "two tags",
            "/?" + urlencode([("tag", top_tag), ("tag", second_tag)]),
            two_tags,
        ),
        PageKind(
            "a person's notes",
            f"/u/{quote(busiest_author)}/",
            lambda rng: f"/u/{quote(rng.choice(data.authors or [busiest_author]))}/",
        ),
        PageKind(
            f"paper ({summaries} summaries in warm)",
            f"/papers/{paper}/",
            lambda rng: f"/papers/{rng.choice(data.papers)}/",
        ),
        PageKind(
            f"note ({last + 1} revisions in warm)",
            f"/n/{note}/",
            lambda rng: f"/n/{rng.choice(data.notes)[0]}/",
        ),
        PageKind(
            "history",
            f"/n/{note}/history/",
            lambda rng: f"/n/{rng.choice(data.notes)[0]}/history/",
        ),
        PageKind(
            f"history of the {last + 1}-revision note (its last page in warm)",
            f"/n/{note}/history/?page={history_pages}",
            special_history_page,
        ),
        PageKind("revision", f"/n/{note}/r/{last // 2}/", random_revision),
        PageKind("diff", f"/n/{note}/diff/0/{last}/", random_diff),
        PageKind(
            f"revision of the {last + 1}-revision note",
            f"/n/{note}/r/0/",
            lambda rng: f"/n/{note}/r/{rng.randint(0, last)}/",
        ),
        PageKind(
            f"diff of the {last + 1}-revision note (adjacent in warm)",
            f"/n/{note}/diff/{max(0, last - 1)}/{last}/",
            special_diff,
        ),
        PageKind(
            f"search: common word ({COMMON_WORD} in warm)",
            _search(COMMON_WORD),
            lambda rng: _search(rng.choice(common)),
            kind=SEARCH,
        ),
        PageKind(
            f"search: rare word ({RARE_WORD} in warm)",
            _search(RARE_WORD),
            lambda rng: _search(rng.choice(rare)),
            kind=SEARCH,
        ),
        PageKind(
            "search: phrase of common words",
            _search(f'"{warm_phrase}"'),
            PhrasesNeverAskedTwice(common),
            kind=SEARCH,
        ),
        PageKind(
            "search: tag:",
            _search(f"tag:{top_tag}"),
            lambda rng: _search(f"tag:{rng.choice(tag_names)}"),
            kind=SEARCH,
        ),
        PageKind(
            "tag autocomplete",
            "/tags/autocomplete/?" + urlencode({"q": top_tag[:3]}),
            lambda rng: (
                "/tags/autocomplete/?"
                + urlencode({"q": rng.choice(tag_names)[: rng.randint(2, 4)]})
            ),
        ),
        PageKind(
            "feed",
            "/feeds/notes/",
            lambda rng: f"/feeds/tags/{_tag(rng.choice(tag_names))}/",
        ),
        PageKind(
            "following",
            "/following/",
            lambda rng: f"/following/?page={rng.randint(1, 5)}",
            readers=(LOGGED_IN,),
        ),
        PageKind(
            "notifications",
            "/notifications/",
            lambda rng: f"/notifications/?page={rng.randint(1, 10)}",
            readers=(LOGGED_IN,),
        ),
        # The public API (/api/v1/): the same lists, notes and search, as JSON.
        PageKind(
            "API: notes list",
            "/api/v1/notes/",
            lambda rng: "/api/v1/notes/?" + urlencode({"tag": rng.choice(tag_names)}),
        ),
        PageKind(
            "API: note",
            f"/api/v1/notes/{note}/",
            lambda rng: f"/api/v1/notes/{rng.choice(data.notes)[0]}/",
        ),
        PageKind(
            f"API: search ({COMMON_WORD} in warm)",
            "/api/v1/search/?" + urlencode({"q": COMMON_WORD}),
            lambda rng: "/api/v1/search/?" + urlencode({"q": rng.choice(common)}),
            kind=SEARCH,
        ),
    ]


def warm_phrase(count: int = 300) -> str:
    """The most frequent pair of words in the newest notes: a phrase with many matches."""
    public = Note.objects.visible_to(AnonymousUser()).order_by("-modified", "-id")
    return find_phrase(list(public.values_list("body_text", flat=True)[:count]))

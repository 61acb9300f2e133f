"""Full-text search: relevance, query syntax, filters, snippets, privacy, bad queries."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Note
from notes.selectors.search import parse_query
from notes.services import paper_save
from tests.corpora import naughty_strings, xss_list_names, xss_payloads
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db


def _found(response, notes: list[Note]) -> list[int]:
    html = response.content.decode()
    positions = [(html.find(f'id="n{n.pk}"'), n.pk) for n in notes]
    return [pk for pos, pk in sorted(positions) if pos >= 0]


def test_a_title_match_outranks_a_body_mention(alice: User, bob: User) -> None:
    mention = make_note(alice, make_paper(title="Unrelated work"), body="Unlike holography, …")
    title = make_note(bob, make_paper(title="Holography in practice"), body="A summary.")
    response = Client().get("/search/", {"q": "holography"})
    assert _found(response, [mention, title]) == [title.pk, mention.pk]


def test_tags_weigh_above_the_body(alice: User, bob: User) -> None:
    body = make_note(alice, body="spintronics appears once here", tags=["misc"])
    tagged = make_note(bob, body="about devices", tags=["spintronics"])
    assert _found(Client().get("/search/", {"q": "spintronics"}), [body, tagged]) == [
        tagged.pk,
        body.pk,
    ]


def test_quoted_phrases_exclusion_and_or(alice: User) -> None:
    phrase = make_note(alice, body="gradient descent converges")
    apart = make_note(alice, body="descent of the gradient")
    other = make_note(alice, body="simulated annealing")
    notes = [phrase, apart, other]
    assert _found(Client().get("/search/", {"q": '"gradient descent"'}), notes) == [phrase.pk]
    assert set(_found(Client().get("/search/", {"q": "gradient -converges"}), notes)) == {apart.pk}
    assert set(_found(Client().get("/search/", {"q": "annealing or converges"}), notes)) == {
        phrase.pk,
        other.pk,
    }


def test_tag_terms_and_tag_filters_narrow_the_result(alice: User) -> None:
    tagged = make_note(alice, body="lattice models", tags=["physics"])
    untagged = make_note(alice, body="lattice cryptography", tags=["crypto"])
    notes = [tagged, untagged]
    assert _found(Client().get("/search/", {"q": "lattice tag:physics"}), notes) == [tagged.pk]
    assert _found(Client().get("/search/", {"q": "lattice", "tag": "crypto"}), notes) == [
        untagged.pk
    ]
    only_tag = Client().get("/search/", {"q": "tag:physics"})
    assert _found(only_tag, notes) == [tagged.pk]


def test_user_and_year_filters(alice: User, bob: User) -> None:
    old = make_note(alice, make_paper(year=1990), body="entropy bounds")
    new = make_note(bob, make_paper(year=2020), body="entropy estimates")
    notes = [old, new]
    assert _found(Client().get("/search/", {"q": "entropy", "user": "bob"}), notes) == [new.pk]
    assert _found(Client().get("/search/", {"q": "entropy user:alice"}), notes) == [old.pk]
    by_year = Client().get("/search/", {"q": "entropy", "year_from": "2000"})
    assert _found(by_year, notes) == [new.pk]
    assert _found(Client().get("/search/", {"q": "entropy", "year_to": "1995"}), notes) == [old.pk]


def test_sorting_by_date_instead_of_relevance(alice: User, bob: User) -> None:
    strong = make_note(alice, make_paper(title="Kernels"), body="kernels kernels")
    recent = make_note(bob, body="one mention of kernels")
    notes = [strong, recent]
    assert _found(Client().get("/search/", {"q": "kernels"}), notes) == [strong.pk, recent.pk]
    by_date = Client().get("/search/", {"q": "kernels", "sort": "date"})
    assert _found(by_date, notes) == [recent.pk, strong.pk]


def test_private_notes_are_found_only_by_their_owner(
    alice: User, alice_client: Client, bob_client: Client
) -> None:
    secret = make_note(alice, body="zygomorphic flowers", visibility="private")
    assert _found(bob_client.get("/search/", {"q": "zygomorphic"}), [secret]) == []
    assert _found(Client().get("/search/", {"q": "zygomorphic"}), [secret]) == []
    assert "flowers" not in bob_client.get("/search/", {"q": "zygomorphic"}).content.decode()
    assert _found(alice_client.get("/search/", {"q": "zygomorphic"}), [secret]) == [secret.pk]


def test_snippets_highlight_matches_and_escape_the_text(alice: User) -> None:
    make_note(alice, body="Before <script>alert(1)</script> the keyword appears in text")
    html = Client().get("/search/", {"q": "keyword"}).content.decode()
    assert "<mark>keyword</mark>" in html
    assert "<script>alert(1)</script>" not in html


def _extract(query: str, note: Note) -> str:
    """The extract of ``note``'s result on the search page of ``query``."""
    html = Client().get("/search/", {"q": query}).content.decode()
    start = html.index('<p class="snippet"', html.index(f'id="n{note.pk}"'))
    return html[start : html.index("</p>", start)]


def _long_text(words: int, seed: int = 0) -> str:
    filler = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "iota"]
    return " ".join(filler[(i * 7 + seed) % len(filler)] for i in range(words))


def test_an_extract_of_a_long_note_shows_a_match_far_into_it(alice: User) -> None:
    # The extract is chosen from a window around the first match, not from all the text.
    body = f"{_long_text(3000)} the quasicrystal lattice is aperiodic. {_long_text(3000, 3)}"
    note = make_note(alice, body=body)
    extract = _extract("quasicrystal", note)
    assert "<mark>quasicrystal</mark> lattice" in extract
    assert len(extract) < 600  # a few dozen words, not the note


def test_an_extract_finds_a_phrase_and_a_word_in_another_form(alice: User) -> None:
    body = (
        f"{_long_text(2000)} spectral methods here. {_long_text(2000, 2)} "
        f"and then spectral graphs studied closely. {_long_text(2000, 5)}"
    )
    note = make_note(alice, body=body)
    phrase = _extract('"spectral graphs"', note)
    assert "<mark>spectral</mark> <mark>graphs</mark> studied" in phrase
    # "graph" is not written in the text; its stem places the window all the same.
    word = _extract("graph", note)
    assert "<mark>graphs</mark>" in word


def test_an_extract_of_matches_far_apart_or_in_another_form_shows_them(
    alice: User,
) -> None:
    body = (
        f"Researchers studies graphs here. {_long_text(2000)} "
        f"and the holonomy appears much later. {_long_text(200, 3)}"
    )
    note = make_note(alice, body=body)
    # Not written as asked ("study graphs"): all the text is given, as before.
    phrase = _extract('"study graphs"', note)
    assert "<mark>studies</mark> <mark>graphs</mark>" in phrase
    # Two words far apart: all the text is given, and the extract starts at the first.
    apart = _extract("graphs holonomy", note)
    assert "Researchers studies <mark>graphs</mark> here." in apart


def test_an_extract_starts_and_ends_on_whole_words(alice: User) -> None:
    body = f"{_long_text(500)} photonic crystals guide light {_long_text(500, 1)}"
    note = make_note(alice, body=body)
    extract = _extract("photonic", note)
    text = extract.split(">", 1)[1].replace("<mark>", "").replace("</mark>", "")
    for word in text.replace("…", " ").split():
        assert word in {"photonic", "crystals", "guide", "light"} or word in _long_text(8), word


def test_a_short_notes_extract_is_as_before(alice: User) -> None:
    note = make_note(alice, body="Short text: the polariton condensate, and nothing more.")
    extract = _extract("polariton -absent", note)
    assert "the <mark>polariton</mark> condensate" in extract


def test_search_follows_paper_edits(alice: User) -> None:
    paper = make_paper(alice, title="Old name")
    note = make_note(alice, paper, body="text")
    paper.title = "Renamed metamaterials"
    paper_save(paper=paper, user=alice)
    assert _found(Client().get("/search/", {"q": "metamaterials"}), [note]) == [note.pk]


def test_did_you_mean_a_misspelt_title(alice: User) -> None:
    paper = make_paper(alice, title="Attention Is All You Need")
    make_note(alice, paper, body="a summary")
    html = Client().get("/search/", {"q": "atention is al you ned"}).content.decode()
    assert "Did you mean" in html
    assert f'href="/papers/{paper.pk}/"' in html


@pytest.mark.parametrize("query", ["", "   ", "-", '"', "or", "!!!", "&|!()", ":*"])
def test_empty_or_garbage_queries_give_a_friendly_page(alice: User, query: str) -> None:
    make_note(alice)
    response = Client().get("/search/", {"q": query})
    assert response.status_code == 200


def test_a_very_long_query_is_cut_with_a_message(alice: User) -> None:
    response = Client().get("/search/", {"q": "word " * 400})
    assert response.status_code == 200
    assert "only its first 500 characters" in response.content.decode()


def test_query_parsing_separates_tag_and_user_terms() -> None:
    parsed = parse_query('deep tag:ML "neural nets" user:Alice tag:"x"')
    assert parsed.text == 'deep "neural nets"'
    assert parsed.tags == ("ml", "x")
    assert parsed.users == ("alice",)


def _corpus_strings() -> list[str]:
    strings = naughty_strings()
    for name in sorted(xss_list_names()):
        strings.extend(xss_payloads(name)[:60])
    return [s for s in strings if s]


def test_corpora_strings_as_queries_never_fail(alice: User) -> None:
    make_note(alice, body="some text to search")
    client = Client()
    for query in _corpus_strings():
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
        assert "<script>alert" not in response.content.decode().split("</header>", 1)[1], query


@pytest.mark.parametrize("query", ["summary", '"a summary"', "summary -other"])
def test_a_search_asked_again_and_again_is_planned_for_its_words_every_time(
    alice: User, query: str
) -> None:
    """The search's statements carry their values in their text: prepared after a few runs
    (as the connection prepares what it repeats), a statement with parameters may be given
    one generic plan made without knowing how many notes the words pick (a popular search's
    deep page went from 9 to 40 ms of the database)."""
    from django.db import connection

    for i in range(25):
        make_note(alice, body=f"A summary, number {i}.")
    client = Client()
    pages = [client.get("/search/", {"q": query, "page": n}) for n in (1, 2) for _ in range(8)]
    assert all(page.status_code == 200 for page in pages)
    assert pages[0].content.decode().count('class="entry search-result"') == 20
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, parameter_types::text FROM pg_prepared_statements"
            " WHERE statement LIKE '%%part%%' OR statement LIKE 'EXPLAIN%%'"
        )
        prepared = cursor.fetchall()
    assert prepared, "the statements a page repeats are prepared"
    assert [statement for statement, types in prepared if types != "{}"] == []


def test_a_word_the_search_leaves_out_does_not_place_the_extract(alice: User) -> None:
    # "the" is everywhere; only "holonomy" says where the extract is.
    body = f"{_long_text(400)} the holonomy group acts here. {_long_text(400, 2)}"
    note = make_note(alice, body=body)
    extract = _extract("the holonomy", note)
    assert "<mark>holonomy</mark> group" in extract

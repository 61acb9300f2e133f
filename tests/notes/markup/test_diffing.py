import difflib
import random
from types import SimpleNamespace

import pytest

from notes.markup import diffing
from notes.markup.diffing import tag_changes, word_diff
from notes.selectors.revbar import NEWEST, revision_bar
from tests.corpora import naughty_strings, xss_payloads
from tests.texts import ordinary_note


def test_word_diff_marks_changed_words_only() -> None:
    diff = word_diff("alpha beta gamma\nsame line\n", "alpha delta gamma\nsame line\n")
    assert str(diff.html) == "alpha <del>beta</del><ins>delta</ins> gamma\nsame line\n"
    assert (diff.added, diff.removed) == (1, 1)


def test_word_diff_escapes_html_on_both_sides() -> None:
    diff = word_diff("<b>x</b>", "<script>alert(1)</script>")
    assert "<script" not in diff.html
    assert "<b>" not in diff.html
    assert diff.html.startswith("&lt;")


def test_identical_texts_have_no_change() -> None:
    diff = word_diff("same", "same")
    assert not diff.changed
    assert str(diff.html) == "same"


def _edited(text: str, rng: random.Random, pieces: list[str]) -> str:
    """``text`` with a few words and lines replaced, inserted or removed."""
    tokens = text.split(" ")
    for _ in range(rng.randint(1, 12)):
        at = rng.randrange(len(tokens) + 1)
        tokens[at : at + rng.randint(0, 4)] = rng.sample(pieces, rng.randint(0, 3))
    return " ".join(tokens)


def _pairs() -> list[tuple[str, str]]:
    rng = random.Random(7)
    pieces = [*naughty_strings(), *xss_payloads("xss_payloads_quick.txt"), "\n", "\n\n", " ", "the"]
    texts = [ordinary_note(size)[0] for size in (300, 3_000)]
    texts += ["\n".join(rng.sample(pieces, 40)) for _ in range(4)]
    pairs = []
    for text in texts:
        once = _edited(text, rng, pieces)
        pairs += [(text, once), (once, _edited(once, rng, pieces)), (text, ""), ("", text)]
    return pairs


@pytest.mark.parametrize(("old", "new"), _pairs())
def test_the_c_matcher_gives_difflibs_diff(old: str, new: str, monkeypatch) -> None:
    fast = word_diff(old, new)
    monkeypatch.setattr(diffing, "CSequenceMatcher", difflib.SequenceMatcher)
    assert fast == word_diff(old, new)


def test_tag_changes_lists_added_and_removed() -> None:
    assert tag_changes(["a", "b"], ["b", "c"]) == (["c"], ["a"])


def _note(revision: int, readable: list[int] | None = None) -> SimpleNamespace:
    """A note as ``revbar.annotations`` loads it: its revision, the newest past revisions
    the reader may read (at most NEWEST + 2, newest first) and the oldest of them."""
    readable = list(range(revision - 1, -1, -1)) if readable is None else readable
    return SimpleNamespace(
        revision=revision,
        newest_readable=readable[: NEWEST + 2],
        oldest_readable=min(readable, default=None),
    )


def test_revision_bar_lists_all_past_revisions_when_few() -> None:
    bar = revision_bar(_note(3))
    assert (bar.current, bar.links, bar.shortened) == (3, [2, 1, 0], False)


def test_revision_bar_of_a_new_note_has_no_links() -> None:
    assert revision_bar(_note(0)).links == []


def test_revision_bar_is_shortened_to_the_newest_and_the_first() -> None:
    bar = revision_bar(_note(300))
    assert bar.links == [299, 298, 297, 296, 295, None, 0]
    assert bar.shortened


def test_revision_bar_links_only_the_readable_revisions() -> None:
    bar = revision_bar(_note(10, readable=[9, 7, 4]))
    assert (bar.links, bar.shortened) == ([9, 7, 4], False)
    bar = revision_bar(_note(300, readable=list(range(299, 99, -1))))
    assert bar.links == [299, 298, 297, 296, 295, None, 100]

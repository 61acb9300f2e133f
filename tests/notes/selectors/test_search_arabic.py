"""Search finds Arabic as people type it: with or without tashkeel and tatweel, whatever
the form of alef, ta marbuta or ha, alef maqsura or ya; in the text, the title and phrases."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from notes.models import Note
from notes.selectors.search import fold
from tests.factories import make_note, make_paper

pytestmark = pytest.mark.django_db

migration = importlib.import_module("notes.migrations.0017_arabic_search_folding")


def _found(query: str, notes: list[Note]) -> set[int]:
    html = Client().get("/search/", {"q": query}).content.decode()
    return {note.pk for note in notes if f'id="n{note.pk}"' in html}


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        # A vowelled word found by its bare spelling, and the reverse.
        ("تُظهِرُ النتائجُ تحسّناً واضحاً في الدقة.", "النتائج"),
        ("تظهر النتائج تحسنا واضحا في الدقة.", "النَّتائِجُ"),
        # Hamza on or under alef, madda, wasla: one alef.
        ("اقترح أحمد نموذجاً جديداً للترجمة الآلية.", "احمد"),
        ("استخدم الباحثون إحصاءات دقيقة.", "احصاءات"),
        ("نعرض آليات الانتباه في المحولات.", "اليات"),
        # Ta marbuta and ha; alef maqsura and ya.
        ("أجريت التجارب في مدرسة ابتدائية.", "مدرسه"),
        ("جمعت البيانات من مستشفى جامعي.", "مستشفي"),
        # Tatweel (kashida) stretches a word for the eye only.
        ("العـــلم نور والجهل ظلام.", "العلم"),
    ],
)
def test_arabic_is_found_as_people_type_it(alice: User, written: str, typed: str) -> None:
    note = make_note(alice, body=written)
    other = make_note(alice, body="نص آخر لا علاقة له بالموضوع.")
    assert _found(typed, [note, other]) == {note.pk}


def test_arabic_titles_and_phrases(alice: User) -> None:
    titled = make_note(alice, make_paper(title="التعلّم العميق للغة العربية"), body="ملخص قصير.")
    phrase = make_note(alice, body="تعتمد الطريقة على الشبكة العصبيّة الالتفافية.")
    apart = make_note(alice, body="العصبية في الشبكة ليست موضوعنا.")
    notes = [titled, phrase, apart]
    assert _found("التعلم", notes) == {titled.pk}
    assert _found('"الشبكة العصبية"', notes) == {phrase.pk}
    # Latin text is searched as before.
    latin = make_note(alice, body="Attention is all you need.")
    assert _found("attention", [*notes, latin]) == {latin.pk}


def test_the_index_and_the_query_fold_alike() -> None:
    """notes_fold in the database and ``fold`` in Python agree on every Arabic character."""
    sample = "".join(chr(code) for code in range(0x0600, 0x0700)) + " Latin éàü 123"
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes_fold(%s)", [sample])
        [(folded,)] = cursor.fetchall()
    assert folded == fold(sample)
    assert fold("أَحْمَدُ") == "احمد"


def test_the_migration_refolds_the_notes_stored_before_it(alice: User) -> None:
    note = make_note(alice, body="اقترح أحمد نموذجاً.")
    latin = make_note(alice, body="Stored before, and left alone.")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notes_note SET search_vector = to_tsvector('english', body_text) "
            "WHERE id = ANY(%s)",
            [[note.pk, latin.pk]],
        )
    assert _found("احمد", [note]) == set()
    before = Note.objects.values_list("search_vector", flat=True).get(pk=latin.pk)
    with connection.cursor() as cursor:
        cursor.execute(migration.REFRESH_SQL)
    assert _found("احمد", [note]) == {note.pk}
    # Notes without Arabic are not rewritten.
    assert Note.objects.values_list("search_vector", flat=True).get(pk=latin.pk) == before

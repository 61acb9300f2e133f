"""Refusals raised below the views (the renderer's limits, comment and follow refusals, lookup
failures, the reasons of 404 and 403 answers) read in the reader's language: Arabic for an
Arabic reader, English for an English one, whatever language was active where they were
raised."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop

from accounts.models import User
from notes.exchange import imports
from notes.exchange.uploads import Refused
from notes.markup.rendering import RenderRefused
from notes.models import Import, Note
from notes.models.base import MAX_BODY_BYTES
from notes.models.imports import ImportKind
from notes.services import TooComplexToRender
from notes.services.comments import comment_delete
from notes.wording import words
from tests.conftest import client_for
from tests.factories import make_comment, make_note
from tests.notes.test_arabic import english_left_in

FENCES = "```\ncode\n```\n" * 600  # 1200 fence lines: more than a note may have
NESTED = "<div>" * 101 + "deep"  # raw HTML nested past its limit


def _arabic(client: Client) -> Client:
    client.cookies["django_language"] = "ar"
    return client


def _edit(client: Client, note: Note, body: str) -> str:
    response = client.post(
        f"/n/{note.pk}/edit/",
        {"body": body, "visibility": "public", "base_revision": str(note.revision)},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_note_with_too_many_code_fences_is_refused_in_the_readers_language(
    alice: User,
) -> None:
    note = make_note(alice, body="the original")
    english = _edit(client_for(alice), note, FENCES)
    arabic = _edit(_arabic(client_for(alice)), note, FENCES)
    assert "This text has 1200 code fence lines (``` or ~~~); the most a note may have" in english
    # 1200 takes the singular noun in Arabic (a hundred and over, ending in 00).
    assert "في هذا النص 1200 سطر من أسوار الشيفرة (``` أو ~~~)؛ والحد الأقصى للملاحظة 1000." in (
        arabic
    )
    assert "code fence" not in arabic
    note.refresh_from_db()
    assert note.body == "the original"


def test_an_over_long_note_is_refused_in_the_readers_language(alice: User) -> None:
    note = make_note(alice, body="the original")
    body = "x" * (MAX_BODY_BYTES + 2048)
    english = _edit(client_for(alice), note, body)
    arabic = _edit(_arabic(client_for(alice)), note, body)
    size, limit = (MAX_BODY_BYTES + 2048) // 1024, MAX_BODY_BYTES // 1024
    assert f"Your summary is {size} KB; the limit is {limit} KB." in english
    assert f"حجم ملخّصك {size} كيلوبايت، والحد الأقصى {limit} كيلوبايت." in arabic


def test_too_many_tags_are_refused_in_the_readers_language(alice: User) -> None:
    note = make_note(alice, body="the original")
    data = {
        "body": "A text.",
        "tags": " ".join(f"t{i}" for i in range(31)),
        "visibility": "public",
        "base_revision": str(note.revision),
    }
    english = client_for(alice).post(f"/n/{note.pk}/edit/", data).content.decode()
    arabic = _arabic(client_for(alice)).post(f"/n/{note.pk}/edit/", data).content.decode()
    assert "At most 30 tags; you gave 31." in english
    assert "الحد الأقصى 30 وسمًا؛ وقد أدخلتَ 31." in arabic


def test_a_preview_too_deeply_nested_is_refused_in_the_readers_language(alice: User) -> None:
    data = {"body": NESTED, "visibility": "public"}
    english = client_for(alice).post("/n/preview/", data).content.decode()
    arabic = _arabic(client_for(alice)).post("/n/preview/", data).content.decode()
    assert "The raw HTML in this text nests more than 100 elements deep" in english
    assert "يتداخل HTML الخام في هذا النص بعمق يزيد على 100 عنصر؛ أغلق الوسوم التي يفتحها." in (
        arabic
    )
    assert "nests" not in arabic


def test_a_refusal_is_said_in_the_language_of_whoever_reads_it() -> None:
    # Raised while English is active (as in an import job), read later in Arabic.
    with translation.override("en"):
        refused = TooComplexToRender.refused(
            RenderRefused("English words", code="formulas", params={"most": 5000})
        )
        general = TooComplexToRender()
        assert refused.message == (
            "This text has more than 5000 formulas; split it into several notes."
        )
    stored = json.loads(json.dumps([refused.said, general.said]))
    with translation.override("ar"):
        assert refused.message == "في هذا النص أكثر من 5000 صيغة؛ قسّمه إلى عدة ملاحظات."
        assert words(stored[0]) == refused.message
        assert words(stored[1]).startswith("هذا النص أعقد من أن يُعرض في وقت معقول")


@pytest.mark.parametrize(
    ("most", "arabic"),
    [
        (1, "أكثر من صيغة واحدة؛"),
        (2, "أكثر من صيغتين؛"),
        (3, "أكثر من 3 صيغ؛"),
        (11, "أكثر من 11 صيغة؛"),
        (100, "أكثر من 100 صيغة؛"),
    ],
)
def test_a_counted_refusal_takes_the_arabic_form_of_its_number(most: int, arabic: str) -> None:
    refused = TooComplexToRender.refused(
        RenderRefused("English words", code="formulas", params={"most": most})
    )
    with translation.override("ar"):
        assert arabic in refused.message


def test_a_refusal_without_a_known_code_keeps_the_renderers_words() -> None:
    refused = TooComplexToRender.refused(RenderRefused("Some new limit was passed."))
    with translation.override("ar"):
        assert refused.message == "Some new limit was passed."


def test_a_reply_to_a_deleted_comment_is_refused_in_the_readers_language(
    alice: User, bob: User
) -> None:
    note = make_note(alice, body="A note.")
    comment = comment_delete(comment=make_comment(note, bob, "First."))
    data = {"body": "A reply.", "parent": comment.pk}
    english = client_for(bob).post(f"/n/{note.pk}/comments/", data)
    arabic = _arabic(client_for(bob)).post(f"/n/{note.pk}/comments/", data)
    assert english.status_code == arabic.status_code == 400
    assert "That comment was deleted or hidden, so it cannot be answered" in (
        english.content.decode()
    )
    assert "حُذف ذلك التعليق أو أُخفي، فلا يمكن الرد عليه؛ علّق على الملاحظة بدلًا من ذلك." in (
        arabic.content.decode()
    )


def test_a_comment_past_the_rate_limit_is_refused_in_the_readers_language(
    alice: User, bob: User, settings
) -> None:
    settings.COMMENT_RATE_LIMIT = 1
    note = make_note(alice, body="A note.")
    client = _arabic(client_for(bob))
    assert client.post(f"/n/{note.pk}/comments/", {"body": "One."}).status_code == 302
    refused = client.post(f"/n/{note.pk}/comments/", {"body": "Two."})
    assert refused.status_code == 429
    html = refused.content.decode()
    window = settings.COMMENT_RATE_WINDOW_SECONDS
    assert f"أنت تعلّق أسرع من تعليق واحد في {window} ثانية." in html
    assert "نصّك محفوظ أدناه؛ انشره مرة أخرى بعد" in html
    assert "commenting faster" not in html
    english = client_for(bob).post(f"/n/{note.pk}/comments/", {"body": "Three."})
    assert f"You are commenting faster than 1 comment in {window} seconds." in (
        english.content.decode()
    )


def test_following_oneself_is_refused_in_the_readers_language(alice: User) -> None:
    arabic = _arabic(client_for(alice))
    page = arabic.post("/u/alice/follow/", {"follow": "1"}, follow=True).content.decode()
    assert "لا يمكنك متابعة نفسك." in page
    in_place = arabic.post("/u/alice/follow/", {"follow": "1"}, HTTP_HX_REQUEST="true")
    assert in_place.status_code == 400
    assert in_place.content.decode() == "لا يمكنك متابعة نفسك."
    english = client_for(alice).post("/u/alice/follow/", {"follow": "1"}, HTTP_HX_REQUEST="true")
    assert english.content.decode() == "You cannot follow yourself."


def test_a_403_page_says_why_in_the_readers_language(alice: User, bob: User) -> None:
    note = make_note(alice, body="A public note.")
    english = client_for(bob).get(f"/n/{note.pk}/edit/")
    arabic = _arabic(client_for(bob)).get(f"/n/{note.pk}/edit/")
    assert english.status_code == arabic.status_code == 403
    assert "Only the author can change this note." in english.content.decode()
    html = arabic.content.decode()
    assert "هذه الصفحة غير متاحة لك" in html
    assert "لا يغيّر هذه الملاحظة إلا كاتبها." in html
    assert english_left_in(html) == []


def test_a_404_page_and_the_apis_404_are_in_the_readers_language(alice: User) -> None:
    note = make_note(alice, body="A private note.", visibility="private")
    page = Client(HTTP_ACCEPT_LANGUAGE="ar").get(f"/n/{note.pk}/")
    assert page.status_code == 404
    assert "هذه الصفحة ليست في الدفتر" in page.content.decode()
    assert english_left_in(page.content.decode()) == []
    arabic = Client(HTTP_ACCEPT_LANGUAGE="ar").get(f"/api/v1/notes/{note.pk}/")
    english = Client().get(f"/api/v1/notes/{note.pk}/")
    assert arabic.status_code == english.status_code == 404
    assert arabic.json()["detail"] == "لا توجد ملاحظة كهذه."
    assert english.json()["detail"] == "No such note."


def test_a_papers_bad_identifier_is_refused_in_the_readers_language(alice: User) -> None:
    data = {"title": "A paper", "doi": "not a doi"}
    english = client_for(alice).post("/papers/new/", data).content.decode()
    arabic = _arabic(client_for(alice)).post("/papers/new/", data).content.decode()
    assert "Enter a DOI such as 10.1000/xyz123" in english
    assert "أدخل معرّف DOI مثل 10.1000/xyz123" in arabic
    assert "Enter a DOI" not in arabic


def test_an_identifier_that_cannot_be_looked_up_is_refused_in_arabic(alice: User) -> None:
    response = _arabic(client_for(alice)).post("/papers/lookup/", {"identifier": "nonsense"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "أدخل معرّف arXiv أو رابطه (2106.01345)" in html
    assert "Enter an arXiv id" not in html


def test_the_token_page_is_in_arabic(alice: User) -> None:
    html = _arabic(client_for(alice)).get("/accounts/tokens/").content.decode()
    for said in ("قراءة فقط", "قراءة وكتابة", "الغرض من الرمز، مثل «Zotero على حاسوبي»."):
        assert said in html
    for english in ("Read only", "Read and write", "What the token is for"):
        assert english not in html


class _Failing(imports._Work):
    def next_part(self, record: Import) -> list[dict]:
        raise Refused(
            gettext_noop(
                "The file is larger than %(mb)s MB, the most an import takes. "
                "Split it into smaller files."
            ),
            mb=20,
        )


def test_an_import_refused_inside_its_job_is_said_in_the_readers_language(alice: User) -> None:
    record = Import.objects.create(user=alice, kind=ImportKind.BIBTEX, total=1)
    with translation.override("en"):  # a job runs in the site's language
        assert imports.step(record.pk, _Failing()) is False
    record.refresh_from_db()
    assert record.error_args == {"mb": 20}
    english = client_for(alice).get(f"/imports/{record.pk}/").content.decode()
    arabic = _arabic(client_for(alice)).get(f"/imports/{record.pk}/").content.decode()
    assert "The file is larger than 20 MB, the most an import takes." in english
    assert "الملف أكبر من 20 ميغابايت، وهو أقصى ما يقبله الاستيراد." in arabic
    assert "The file is larger" not in arabic

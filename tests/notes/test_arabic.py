"""The interface in Arabic: chosen by the browser's Accept-Language or the language switch,
kept on the account, laid out right to left, with no English left on the main pages
(user content, code and brand names aside), and e-mails in the recipient's language."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from accounts.models import User
from notes.exchange import imports
from notes.models import Delivery, FlagReason, Import, ModerationAction, Note, NotificationKind
from notes.services import notifications
from notes.services.moderation import flag
from tests.conftest import PASSWORD, client_for
from tests.factories import make_comment, make_note, make_paper, revise
from tests.jobs import run_jobs
from tests.pages import AUTHOR, VISITOR, page_types

ARABIC = {"HTTP_ACCEPT_LANGUAGE": "ar"}
# Names that stay as they are in any language.
BRANDS = {
    "PaperNotes", "BibTeX", "CSL", "JSON", "arXiv", "DOI", "PMID", "PubMed", "PMCID",
    "Markdown", "LaTeX", "API", "UTF",
    # and what a URL, an identifier or an example is made of
    "https", "doi", "org", "arxiv", "mcmc", "xyz",
}  # fmt: skip
# This test's user content, wherever a page shows it (in a sentence, a <link>'s title).
USER_CONTENT = [
    "Alice Liddell", "Bob Builder", "alice", "Attention Is All You Need", "attention",
    "nothing-matches-this", "Ada Lovelace, Alan Turing",
]  # fmt: skip
MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
]
WORD = re.compile(r"[A-Za-z]{2,}")
# Elements whose text is not the interface's: user content marks its own direction
# (dir="auto", or "ltr" for identifiers and addresses), and code is code.
# The <title> names the note or paper it shows.
SKIPPED_TAGS = {"script", "style", "code", "pre", "math", "textarea", "title"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
CHECKED_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _EnglishFinder(HTMLParser):
    """Collects interface text (text nodes and a few attributes) made of Latin words."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: is its subtree skipped
        self.found: list[str] = []

    def _skipped(self) -> bool:
        return any(self.stack)

    def _check(self, text: str, where: str) -> None:
        for value in USER_CONTENT:
            text = text.replace(value, "")
        words = [w for w in WORD.findall(text) if w not in BRANDS]
        if words and not self._skipped():
            self.found.append(f"{where}: {text.strip()[:80]!r}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = (
            tag in SKIPPED_TAGS
            or "dir" in values
            or values.get("lang") not in (None, "ar")
            or "tag" in (values.get("class") or "").split()
        )
        if tag != "html":
            self.stack.append(skip)
        for name in CHECKED_ATTRIBUTES:
            if values.get(name):
                self._check(values[name] or "", f"<{tag} {name}>")
        if tag in VOID and tag != "html":
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag != "html" and tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self._check(data, "text")


def english_left_in(html: str) -> list[str]:
    finder = _EnglishFinder()
    finder.feed(html)
    return finder.found


@pytest.fixture
def content(alice: User, bob: User):
    paper = make_paper(alice, title="Attention Is All You Need", authors="Vaswani, A.", year=2017)
    note = make_note(alice, paper, body="A summary in English with $x^2$.", tags=["attention"])
    note = revise(note, "ملخّص بالعربية عن الانتباه.", tags=["attention", "انتباه"])
    make_comment(note, bob, "A comment from Bob.")
    return note


def test_without_a_choice_the_site_is_english_left_to_right(content) -> None:
    html = Client().get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Notes on papers" in html


def test_the_browsers_arabic_gives_the_arabic_interface_right_to_left(content) -> None:
    html = Client(**ARABIC).get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "ملاحظات على الأوراق العلمية" in html
    # A count with Arabic's plural forms, a date with the month's Arabic name.
    assert "تعليق واحد" in html
    assert re.search(rf"\d{{1,2}} ({'|'.join(MONTHS)}) \d{{4}}", html)


def test_the_finder_sees_english_in_the_interface_but_not_in_user_content() -> None:
    assert english_left_in('<p>Older <span dir="auto">My note</span></p>') == ["text: 'Older'"]
    assert english_left_in('<p><code>tag:x</code> يجد <span class="tag">ml</span></p>') == []
    assert english_left_in('<input placeholder="Search">') == ["<input placeholder>: 'Search'"]


def test_the_main_pages_have_no_english_left_in_arabic(content, alice: User, bob: User) -> None:
    note = content
    pages = page_types(note, note.comments.get(), tag="attention", query="attention")
    visitor = Client(**ARABIC)
    author = client_for(alice)
    author.cookies["django_language"] = "ar"
    problems = []
    for client, reader in ((visitor, VISITOR), (author, AUTHOR)):
        # A redirection (writing on a paper one has a note on) shows no page of its own.
        for path, status in [(p.path, p.status) for p in pages if p.reader == reader]:
            if status == 302:
                continue
            response = client.get(path)
            assert response.status_code == status, path
            html = response.content.decode()
            assert '<html lang="ar" dir="rtl">' in html, path
            problems += [f"{path} {line}" for line in english_left_in(html)]
    assert problems == [], "\n".join(problems)


def test_the_language_switch_sets_a_cookie_and_comes_back(content) -> None:
    client = Client()
    response = client.post("/i18n/setlang/?next=/papers/", {"language": "ar"})
    assert response.status_code == 302
    assert response["Location"] == "/papers/"
    assert client.cookies["django_language"].value == "ar"
    assert '<html lang="ar" dir="rtl">' in client.get("/papers/").content.decode()
    client.post("/i18n/setlang/?next=/", {"language": "en"})
    assert '<html lang="en" dir="ltr">' in client.get("/").content.decode()


def test_the_switch_works_without_script_from_every_page(content) -> None:
    html = Client().get("/papers/").content.decode()
    assert (
        '<form class="language-switch" action="/i18n/setlang/?next=/papers/" method="post">' in html
    )
    assert 'name="language" value="ar" lang="ar" dir="rtl"' in html


def test_a_logged_in_readers_choice_is_kept_and_follows_them_at_login(alice: User) -> None:
    client_for(alice).post("/i18n/setlang/?next=/", {"language": "ar"})
    alice.refresh_from_db()
    assert alice.language == "ar"

    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")
    elsewhere.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert elsewhere.cookies["django_language"].value == "ar"
    assert '<html lang="ar" dir="rtl">' in elsewhere.get("/").content.decode()


def test_a_readers_pages_carry_no_token_and_set_no_cookie_for_the_switch(content) -> None:
    # The switch is on every page: for a reader who is not logged in it must not make each
    # page different (a CSRF token) nor set a cookie on a first visit.
    reader = Client()
    first = reader.get("/papers/")
    again = reader.get("/papers/")
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert "csrftoken" not in first.cookies and first.content == again.content


def test_a_switch_posted_from_elsewhere_does_not_change_an_account(alice: User) -> None:
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(alice)
    assert forged.post("/i18n/setlang/?next=/", {"language": "ar"}).status_code == 403
    alice.refresh_from_db()
    assert alice.language == ""
    # The site's own switch, with the page's token, does.
    page = forged.get("/papers/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answer = forged.post("/i18n/setlang/?next=/", {"language": "ar", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "ar"


def test_an_unknown_language_is_not_kept(alice: User) -> None:
    client_for(alice).post("/i18n/setlang/?next=/", {"language": "xx"})
    alice.refresh_from_db()
    assert alice.language == ""


def test_an_account_without_a_choice_takes_the_language_it_logs_in_with(alice: User) -> None:
    Client(**ARABIC).post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    alice.refresh_from_db()
    assert alice.language == "ar"


def test_notification_emails_are_in_the_recipients_language(alice: User, bob: User) -> None:
    alice.language = "ar"
    alice.save(update_fields=["language"])
    notifications.save_preferences(
        user=alice,
        deliveries={
            **dict.fromkeys(NotificationKind.values, Delivery.IN_APP),
            NotificationKind.COMMENT: Delivery.IMMEDIATE,
        },
    )
    note = make_note(alice)
    make_comment(note, bob, "hello by mail")
    run_jobs()
    [message] = mail.outbox
    assert "علّق Bob Builder على ملاحظتك" in message.subject
    assert "اقرأه:" in message.body
    assert "hello by mail" in message.body


def test_an_english_readers_emails_stay_english(alice: User, bob: User) -> None:
    notifications.save_preferences(
        user=alice,
        deliveries={
            **dict.fromkeys(NotificationKind.values, Delivery.IN_APP),
            NotificationKind.COMMENT: Delivery.IMMEDIATE,
        },
    )
    make_comment(make_note(alice), bob, "hello")
    run_jobs()
    [message] = mail.outbox
    assert "Bob Builder commented on your note" in message.subject


def _arabic(client: Client) -> Client:
    client.cookies["django_language"] = "ar"
    return client


def test_the_history_dates_are_written_in_the_readers_language(content) -> None:
    note = content
    english = Client().get(f"/n/{note.pk}/history/").content.decode()
    arabic = Client(**ARABIC).get(f"/n/{note.pk}/history/").content.decode()
    assert re.search(r"<time datetime=\"[^\"]+\">\d{4}-\d\d-\d\d \d\d:\d\d</time>", english)
    month = rf"\d{{1,2}} ({'|'.join(MONTHS)}) \d{{4}}، \d\d:\d\d"
    assert len(re.findall(rf"<time datetime=\"[^\"]+\">{month}</time>", arabic)) == 2


def test_what_the_site_says_after_an_action_is_in_arabic(content, alice: User) -> None:
    note = content
    client = _arabic(client_for(alice))
    response = client.post(f"/n/{note.pk}/comments/", {"body": "تعليق"}, follow=True)
    assert "نُشر تعليقك." in response.content.decode()
    response = client.post(f"/n/{note.pk}/mute/", {"mute": "1"}, follow=True)
    assert "كُتم النقاش: لا مزيد من الإشعارات عن هذه الملاحظة." in response.content.decode()


def test_the_moderation_log_and_its_messages_are_in_arabic(content, bob: User, staff: User) -> None:
    note = content
    flag(flagger=bob, item=note, reason=FlagReason.SPAM)
    client = _arabic(client_for(staff))
    response = client.post(
        "/moderation/act/", {"verb": "hide", "kind": "note", "item": note.pk}, follow=True
    )
    html = response.content.decode()
    # Told, and logged, in words; the stored label stays as written.
    assert f"أخفيتَ الملاحظة {{{note.pk}}} بقلم alice." in html
    assert f"الملاحظة {{{note.pk}}} بقلم alice" in client.get("/moderation/").content.decode()
    assert ModerationAction.objects.get().item_label == f"note {{{note.pk}}} by alice"


def test_import_outcomes_are_words_in_the_readers_language() -> None:
    with translation.override("ar"):
        words = [
            render_to_string("notes/exchange/_outcome.html", {"outcome": code})
            for code in ("created", "matched", "exists", "skipped")
        ]
    assert words == ["أُنشئ", "طوبق", "موجود", "تُخطّي"]


BIB = b"""@article{a, title={Kept}, year={2001}, doi={not a doi}, keywords={good, <script>}}
@article{b, year={2002}}
@article{c
"""


def test_an_imports_reasons_are_said_in_the_language_of_whoever_reads_them(
    alice: User,
) -> None:
    # The job that wrote the results ran in English; the page is read in both languages.
    client = client_for(alice)
    response = client.post(
        "/import/bibtex/", {"file": SimpleUploadedFile("x.bib", BIB), "notes": "always"}
    )
    run_jobs()
    english = client.get(response.url).content.decode()
    arabic = _arabic(client_for(alice)).get(response.url).content.decode()
    note = Note.objects.get(author=alice)
    for said in (
        "DOI “not a doi” left out (not a valid DOI).",
        "It has no title.",
        f"Private note {{{note.pk}}} added.",
    ):
        assert said in english and said not in arabic
    assert "أُهمل المعرّف DOI \u200f«not a doi» (ليس DOI صالحًا)." in arabic
    assert "أُهملت كلمات مفتاحية لا تصلح وسومًا: &lt;script&gt;." in arabic
    assert "ليس له عنوان." in arabic
    assert f"أُضيفت الملاحظة الخاصة {{{note.pk}}}." in arabic
    assert "السطر 3: ليس BibTeX صالحًا (" in arabic
    assert Import.objects.get().results[0]["outcome"] == "created", "the stored codes stay"


def test_the_bibtex_import_forms_choices_are_in_arabic(alice: User) -> None:
    html = _arabic(client_for(alice)).get("/import/bibtex/").content.decode()
    assert "بلا ملاحظات: الأوراق وحدها" in html
    assert "No notes" not in html


def test_an_import_given_up_says_so_in_arabic(alice: User) -> None:
    client = client_for(alice)
    response = client.post("/import/bibtex/", {"file": SimpleUploadedFile("x.bib", BIB)})
    imports.give_up(import_id=Import.objects.get().pk)
    arabic = _arabic(client).get(response.url).content.decode()
    assert "فشل الاستيراد على الخادم وأُوقف." in arabic
    assert "The import failed" not in arabic


@pytest.mark.parametrize(
    ("url", "data", "refusal"),
    [
        ("/import/bibtex/", b"", "الملف فارغ."),
        ("/import/bibtex/", b"\xff\xfe@article", "الملف ليس نصًّا بترميز UTF-8 (البايت 1 ليس كذلك)."),
        ("/my-notes/import/", b"not a zip", "هذا ليس ملف zip."),
    ],
)
def test_an_upload_refused_says_why_in_arabic(
    alice: User, url: str, data: bytes, refusal: str
) -> None:
    response = _arabic(client_for(alice)).post(url, {"file": SimpleUploadedFile("x", data)})
    assert response.status_code == 400
    assert refusal in response.content.decode()
    assert not Import.objects.exists()


def test_a_refused_vote_is_answered_in_arabic(content, alice: User) -> None:
    note = content
    client = _arabic(client_for(alice))
    voted = client.post(f"/n/{note.pk}/vote/", {"vote": "maybe"})
    assert voted.status_code == 400
    assert voted.content.decode() == "أرسل vote=1 للتصويت أو vote=0 لسحب التصويت."
    own = client.post(f"/n/{note.pk}/vote/", {"vote": "1"})
    assert own.status_code == 403
    assert "لا يمكنك التصويت لملاحظتك." in own.content.decode()


def test_the_feeds_titles_follow_the_language(content) -> None:
    english = Client().get("/feeds/tags/attention/").content.decode()
    arabic = Client(**ARABIC).get("/feeds/tags/attention/").content.decode()
    assert "<title>PaperNotes — notes tagged attention</title>" in english
    assert "<title>PaperNotes — ملاحظات موسومة بـ attention</title>" in arabic

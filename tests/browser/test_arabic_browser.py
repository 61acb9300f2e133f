"""In Chromium, a reader whose browser asks for Arabic: signs up (following the e-mailed
link), adds a paper, writes a summary in Arabic, finds it again by typing a word without the
marks it was written with, and reads it — everything found by its Arabic name, the pages
right to left and mirrored."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from notes.models import Note

pytestmark = pytest.mark.browser

PASSWORD = "حبر وورق وصبر 2024"
WIDTH = 1280
# Written with its short vowels and shadda, as a careful writer may; searched without them,
# and with a bare alef where the text has a hamza, as people type.
SUMMARY = (
    "تُظهِرُ النّتائِجُ أنّ آليّة الانتباه وحدها تكفي للترجمة الآلية، "
    "كما بيّن أحمد في مراجعته.\n\nالصيغة: $a^2 + b^2 = c^2$"
)
QUERY = "النتائج احمد"


def _account(page: Page) -> Locator:
    return page.get_by_role("navigation", name="الحساب")


def _assert_right_to_left(page: Page) -> None:
    """The page is Arabic and mirrored: the site's name, first in the header, sits at the
    right edge of the header's column, and the account links to its left."""
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    edges = page.locator(".site-header__inner").evaluate(
        "(row) => { const box = row.getBoundingClientRect(), style = getComputedStyle(row);"
        " return {left: box.left + parseFloat(style.paddingLeft),"
        " right: box.right - parseFloat(style.paddingRight),"
        " name: row.querySelector('.site-name').getBoundingClientRect().right}; }"
    )
    assert abs(edges["right"] - edges["name"]) < 2, edges
    account = _account(page).bounding_box()
    assert account and account["x"] + account["width"] < edges["name"], (account, edges)


def test_an_arabic_reader_signs_up_writes_searches_and_reads_in_arabic(
    transactional_db: None, live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="ar")
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{base}/")
    _assert_right_to_left(page)
    _account(page).get_by_role("link", name="إنشاء حساب").click()
    expect(page.get_by_role("heading", name="أنشئ حسابك")).to_be_visible()
    page.get_by_label("اسم المستخدم").fill("huda")
    page.get_by_label("عنوان بريد إلكتروني").fill("huda@example.org")
    page.get_by_label(re.compile(r"^كلمة المرور:?$")).fill(PASSWORD)
    page.get_by_label("تأكيد كلمة المرور").fill(PASSWORD)
    page.get_by_role("button", name="إنشاء حساب").click()

    expect(page.get_by_role("heading", name="تفقّد بريدك الإلكتروني للتأكيد")).to_be_visible()
    # The live server runs in this process: its e-mails are in the test outbox, in Arabic.
    (message,) = mail.outbox
    assert re.search(r"[\u0600-\u06ff]", message.subject), message.subject
    link = re.search(r"https?://\S+/accounts/signup/confirm/\S+/", message.body)
    assert link, message.body
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="أكّد حسابك")).to_be_visible()
    page.get_by_role("button", name="أكّد وسجّل الدخول").click()
    expect(page.get_by_text("أهلًا بك في PaperNotes يا huda!")).to_be_visible()
    assert User.objects.get(username="huda").language == "ar"

    page.get_by_role("link", name="أضف ورقة").first.click()
    page.get_by_label("العنوان").fill("الانتباه هو كل ما تحتاجه")
    page.get_by_label("السنة").fill("2017")
    page.get_by_role("button", name="أضف الورقة").click()
    expect(page.get_by_role("heading", name="الانتباه هو كل ما تحتاجه")).to_be_visible()

    page.get_by_role("link", name="اكتب ملخّصك").click()
    page.get_by_label("الملخّص").fill(SUMMARY)
    page.get_by_label("الوسوم").fill("ترجمة آلية, انتباه")
    page.get_by_role("button", name="حفظ", exact=True).click()
    body = page.locator(".entry__body")
    expect(body).to_contain_text("النّتائِجُ")
    expect(body.locator("math")).to_have_count(1)
    note = Note.objects.get(author__username="huda")

    page.get_by_role("search").get_by_label("البحث في الملاحظات").fill(QUERY)
    page.get_by_role("search").get_by_role("button", name="بحث").click()
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    _assert_right_to_left(page)
    result = page.get_by_role("main").locator(f'a[href="/n/{note.pk}/"]').first
    expect(result).to_be_visible()
    result.click()

    expect(page).to_have_url(f"{base}/n/{note.pk}/")
    _assert_right_to_left(page)
    body = page.locator(".entry__body")
    expect(body).to_contain_text("كما بيّن أحمد في مراجعته")
    # Each paragraph of the text keeps its own direction (dir="auto", worked out by the
    # browser): right to left for Arabic, starting at the right edge of its column.
    paragraph = body.locator("p").first
    expect(paragraph).to_have_attribute("dir", "auto")
    assert paragraph.evaluate("(p) => getComputedStyle(p).direction") == "rtl"
    gaps = paragraph.evaluate(
        "(p) => { const r = document.createRange(); r.selectNodeContents(p);"
        " const text = r.getBoundingClientRect(), box = p.getBoundingClientRect();"
        " return {gapRight: box.right - text.right, gapLeft: text.left - box.left}; }"
    )
    assert gaps["gapRight"] < 2 < gaps["gapLeft"], gaps
    expect(page.get_by_role("link", name="انتباه", exact=True)).to_be_visible()

    # The entry's hide toggle, labelled by the script, speaks Arabic too.
    page.goto(f"{base}/")
    toggle = page.locator(f"#n{note.pk} .js-hide-toggle")
    expect(toggle).to_have_text("إخفاء")
    toggle.click()
    expect(toggle).to_have_text("إظهار")
    context.close()

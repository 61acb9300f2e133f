"""In Chromium: a note or comment cannot cover the page. Hostile layout — formulas and
spaces thousands of pixels wide, tall or shifted, huge images, very wide tables, endless
words — stays inside the note's or the comment's own box, so the site's header, the note's
buttons and the comment form stay visible and clickable and the page never scrolls sideways.

The hostile HTML is written straight into the stored bodies, as if the sanitiser had let it
through unchanged: the style sheet alone must contain it, whatever the renderer clamps.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from accounts.models import User
from notes.models import Comment, Note
from tests.browser.helpers import log_in
from tests.conftest import make_user
from tests.factories import make_comment, make_note, make_paper

pytestmark = pytest.mark.browser

# A word with no place to break, in a body and around it: a paper's title and authors, a
# tag, a person's name.
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 9

# Each item one kind of payload: MathML lengths (TeX's \hspace becomes <mspace width>),
# offsets that move content up, down and to the left of its box, operators and glyphs
# stretched or scaled, an image (served by the site) far larger than the page, a table
# far wider, and a word with no place to break.
HOSTILE_HTML = "\n".join(
    [
        # A box of no size whose content, shifted, would paint over everything around it.
        '<p><math><mpadded width="0" height="0" depth="0" lspace="-2000px">'
        '<mspace width="4000px" height="3000px" depth="3000px" mathbackground="red"></mspace>'
        "</mpadded></math></p>",
        '<p><math><mpadded voffset="2000px" lspace="-2000px" mathbackground="red">'
        "<mtext>UP-AND-LEFT</mtext></mpadded></math></p>",
        '<p>Wide: <math display="inline"><semantics><mrow><mspace width="99999em"></mspace>'
        "<mi>x</mi></mrow></semantics></math> (from $\\hspace{99999em}x$).</p>",
        '<p><math><mspace width="99999px" height="99999px" depth="99999px"'
        ' mathbackground="red"></mspace></math></p>',
        '<p><math><mpadded voffset="-2000px" lspace="-2000px" width="99999px"'
        ' height="99999px" mathbackground="red"><mtext>DOWN-AND-LEFT</mtext></mpadded></math></p>',
        '<math display="block"><mpadded voffset="-2000px" lspace="-2000px" mathbackground="red">'
        "<mtext>BLOCK</mtext></mpadded></math>",
        '<p><math><mi mathsize="5000px">W</mi><mo lspace="-3000px" rspace="-3000px">+</mo>'
        '<mo minsize="5000px" stretchy="true">(</mo></math></p>',
        '<p><img src="/static/favicon.svg" width="100000" height="100000" alt="huge"></p>',
        "<table><tr>"
        + "<td>column&nbsp;content&nbsp;that&nbsp;does&nbsp;not&nbsp;wrap</td>" * 60
        + "</tr></table>",
        "<p>" + LONG_WORD * 10 + "</p>",
    ]
)

# The same payloads as a writer types them, through the renderer: whatever it keeps of them.
HOSTILE_SOURCE = "\n\n".join(
    [
        "Wide: $\\hspace{99999em}x$ and tall: $\\rule{1em}{99999px}$.",
        '<math><mspace width="99999px" height="99999px"></mspace></math>',
        '<math><mpadded voffset="-2000px" lspace="-2000px"><mtext>SHIFTED</mtext></mpadded></math>',
        '<math><mpadded width="0" height="0" lspace="-2000px">'
        '<mspace width="4000px" height="3000px" depth="3000px" mathbackground="red"></mspace>'
        "</mpadded></math>",
        '<img src="/static/favicon.svg" width="100000" height="100000" alt="huge">',
        "| " + " | ".join(["wide&nbsp;column&nbsp;content"] * 60) + " |\n|" + "---|" * 60,
        LONG_WORD * 10,
    ]
)

# The page scrolls no wider than the window, and each control is the element at its own
# centre once scrolled into view: nothing from a note or comment lies over it.
_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
_ON_TOP = """(element) => {
  element.scrollIntoView({block: "center", inline: "center"});
  const box = element.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return "has no size";
  const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  if (hit === null) return "is off the screen";
  if (element === hit || element.contains(hit)) return "ok";
  const text = (hit.textContent || "").slice(0, 40);
  return "is covered by <" + hit.tagName.toLowerCase() + "> " + text;
}"""


def _hostile_note(alice: User, bob: User) -> tuple[Note, Comment]:
    for person in (alice, bob):
        person.display_name = LONG_WORD[:100]
        person.save()
    paper = make_paper(alice, title=LONG_WORD, authors=LONG_WORD, venue=LONG_WORD[:300])
    note = make_note(alice, paper, body="Soon hostile.", tags=[LONG_WORD[:100], "physics"])
    comment = make_comment(note, bob, "Soon hostile too.")
    Note.objects.filter(pk=note.pk).update(body_html=HOSTILE_HTML)
    Comment.objects.filter(pk=comment.pk).update(body_html=HOSTILE_HTML)
    return note, comment


def _assert_usable(page: Page, controls: list[Locator]) -> None:
    assert page.evaluate(_OVERFLOW) <= 0, "the page scrolls sideways"
    for control in controls:
        expect(control).to_be_visible()
        assert control.evaluate(_ON_TOP) == "ok", f"{control}"
        control.hover(trial=True)  # Playwright's own check that a pointer would reach it


def test_hostile_layout_stays_inside_the_note_and_the_comment(
    transactional_db: None, live_server, browser: Browser
) -> None:
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    note, comment = _hostile_note(alice, bob)
    base = live_server.url
    for width in (1280, 390):  # a desktop window and a phone
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)

        log_in(page, base, alice)
        page.goto(f"{base}/n/{note.pk}/")
        _assert_usable(
            page,
            [
                page.locator(".site-name"),
                page.get_by_label("Search notes"),
                page.get_by_role("button", name="Log out"),
                page.get_by_role("link", name="print"),
                page.get_by_role("link", name="Edit"),
                page.get_by_role("link", name="History"),
                page.locator(f"#c{comment.pk} .comment__author"),
                page.get_by_label("Your comment"),
                page.get_by_role("button", name="Post comment"),
                page.locator(".site-footer a").first,
            ],
        )
        context.clear_cookies()

        log_in(page, base, bob)
        page.goto(f"{base}/n/{note.pk}/")
        _assert_usable(
            page,
            [
                page.get_by_role("button", name=f"Vote for {note.ref}"),
                page.get_by_role("link", name="print"),
                page.locator(f"#c{comment.pk}").get_by_role("link", name="edit"),
                page.get_by_label("Your comment"),
                page.get_by_role("button", name="Post comment"),
            ],
        )
        context.close()


def test_hostile_layout_stays_inside_its_entry_on_a_list(
    transactional_db: None, live_server, browser: Browser
) -> None:
    alice = make_user("alice")
    bob = make_user("bob")
    # The newer hostile notes come first, right above their neighbour.
    neighbour = make_note(bob, make_paper(bob, title="A quiet neighbour"), body="Plain text.")
    rendered = make_note(bob, make_paper(bob, title="Rendered"), body=HOSTILE_SOURCE)
    note, _ = _hostile_note(alice, bob)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/")
    _assert_usable(
        page,
        [
            page.locator(".site-name"),
            page.locator(f"#n{neighbour.pk} .entry__title"),
            page.locator(f"#n{neighbour.pk}").get_by_role("link", name="print"),
            page.locator(f"#n{note.pk} .entry__title"),
            page.locator(f"#n{note.pk}").get_by_role("link", name="print"),
            page.locator(f"#n{rendered.pk} .entry__title"),
            page.locator(f"#n{rendered.pk}").get_by_role("link", name="print"),
        ],
    )
    context.close()


def test_long_words_around_a_note_never_widen_a_page(
    transactional_db: None, live_server, browser: Browser
) -> None:
    alice = make_user("alice")
    bob = make_user("bob")
    note, _ = _hostile_note(alice, bob)
    base = live_server.url
    pages = [
        "/",
        f"/n/{note.pk}/",
        f"/n/{note.pk}/print/",
        f"/n/{note.pk}/r/0/",
        f"/n/{note.pk}/history/",
        f"/papers/{note.paper_id}/",
        "/papers/",
        "/tags/",
        f"/tags/{LONG_WORD[:100].lower()}/",
        "/u/alice/",
        "/search/?q=Pneumonoultramicroscopicsilicovolcanoconiosis",
    ]
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        for path in pages:
            page.goto(base + path)
            assert page.evaluate(_OVERFLOW) <= 0, f"{path} scrolls sideways at {width}px"
        context.close()

"""In Chromium, the main pages on a 360-px phone and a 1280-px screen, in English and in
Arabic: each is photographed (under the directory the run prints at its end, to look at),
and what does not depend on how this Chromium draws its fonts is asserted.

Pixel goldens are not used: the same page differs by a few pixels between Chromium builds
and machines (font hinting, anti-aliasing, the fonts installed), so a golden would fail on
every browser upgrade without anything being wrong, and would be updated without being
looked at. The assertions are the ones that matter to a reader and hold on any build: the
page never scrolls sideways, no button, link or field is cut off at either edge, and in
Arabic the main column's text starts at the right.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.helpers import log_in, people, site_content

pytestmark = pytest.mark.browser

# Every control the page shows that reaches past either edge of the viewport. Controls
# inside a box that scrolls sideways on its own (code, a wide table) are reached by
# scrolling the box, not the page: the box itself is measured instead.
_CUT_OFF = """() => {
  const width = window.innerWidth;
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  function* ancestors(el) {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) yield up;
  }
  const measured = [...document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary"
  )].filter((el) => ![...ancestors(el)].some(scrolls));
  measured.push(...[...document.querySelectorAll("main *")].filter(scrolls));
  const cut = [];
  for (const el of measured) {
    const box = el.getBoundingClientRect();
    if (getComputedStyle(el).visibility === "hidden" || box.width <= 1 || box.height <= 1) continue;
    if (el.closest(".visually-hidden, [hidden]")) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      const label = (el.textContent || el.name || el.className || "").trim().slice(0, 40);
      cut.push(`<${el.tagName.toLowerCase()}> "${label}" at ${Math.round(box.left)}` +
        `..${Math.round(box.right)} of ${width}`);
    }
  }
  return cut;
}"""

# The main column's first piece of interface text (user content, which keeps its own
# direction, and hidden text aside): where its first line starts and ends against the
# content box of the block it is laid out in.
_FIRST_TEXT = """() => {
  const main = document.querySelector("main");
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const ownDirection = parent.closest("[dir]");
    if (!node.textContent.trim() || main.contains(ownDirection)) continue;
    if (parent.closest(".visually-hidden, [hidden]")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    if (!rects.length) continue;
    // The block the line belongs to: not an inline box, nor a flex or grid item, which
    // shrinks to its content.
    const laidOutInline = (el) => getComputedStyle(el).display.startsWith("inline") ||
      /flex|grid/.test(getComputedStyle(el.parentElement).display);
    let block = parent;
    while (laidOutInline(block)) block = block.parentElement;
    const box = block.getBoundingClientRect();
    const style = getComputedStyle(block);
    const top = Math.min(...rects.map((r) => r.top));
    const line = rects.filter((r) => r.top < top + 4);
    return {
      text: node.textContent.trim().slice(0, 40),
      gapRight: box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight)
        - Math.max(...line.map((r) => r.right)),
      gapLeft: Math.min(...line.map((r) => r.left)) - box.left
        - parseFloat(style.borderLeftWidth) - parseFloat(style.paddingLeft),
    };
  }
  return null;
}"""


@pytest.fixture(scope="module")
def screenshots(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\nscreenshots of the main pages: {folder}")


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("width", [360, 1280])
def test_the_main_pages_fit_the_screen(
    transactional_db: None,
    live_server,
    browser: Browser,
    screenshots: Path,
    width: int,
    language: str,
) -> None:
    alice, bob, _ = people()
    note, _ = site_content(alice, bob)
    base = live_server.url
    context = browser.new_context(viewport={"width": width, "height": 800}, locale=language)
    page: Page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, alice, language=language)
    pages = {
        "index": "/",
        "note": f"/n/{note.pk}/",
        "paper": f"/papers/{note.paper_id}/",
        "history": f"/n/{note.pk}/history/",
        "search": "/search/?q=attention",
        "editor": f"/n/{note.pk}/edit/",
        "tags": "/tags/",
    }
    problems: list[str] = []
    for name, path in pages.items():
        page.goto(base + path)
        page.screenshot(path=screenshots / f"{name}-{language}-{width}.png", full_page=True)
        where = f"{name} ({path}) {language} {width}px"
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        if overflow > 0:
            problems.append(f"{where}: the page scrolls sideways by {overflow}px")
        problems += [f"{where}: cut off: {line}" for line in page.evaluate(_CUT_OFF)]
        # The text starts at the right in Arabic, at the left in English.
        line = page.evaluate(_FIRST_TEXT)
        start = line["gapRight"] if language == "ar" else line["gapLeft"]
        if abs(start) >= 2:
            problems.append(f"{where}: the text does not start at the {language} side: {line}")
    context.close()
    assert problems == [], "\n".join(problems)

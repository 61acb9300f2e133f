"""Steps the browser tests share."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from accounts.models import User
from notes.models import Comment, FlagReason, Note
from notes.services import note_trash
from notes.services.follows import follow
from notes.services.moderation import flag
from tests.conftest import PASSWORD, make_user
from tests.factories import make_comment, make_note, make_paper, revise


def log_in(page: Page, base: str, user: User, *, language: str = "en") -> None:
    """Log in through the form, finding its fields by their names in ``language`` (the one
    the page's browser asks for)."""
    with translation.override(language):
        username, password = gettext("Username"), gettext("Password")
        log_in_button, log_out_button = gettext("Log in"), gettext("Log out")
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(username).fill(user.username)
    page.get_by_label(password).fill(PASSWORD)
    page.get_by_role("button", name=log_in_button).click()
    expect(page.get_by_role("button", name=log_out_button)).to_be_visible()


# Recorded before any of the page's own scripts run, in every document the page opens.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sample || "no sample"}) at ${event.sourceFile || location.href}:${event.lineNumber}`
  );
});
"""


class PolicyWatch:
    """What a page reported while a test used it: Content-Security-Policy violations (the
    ``securitypolicyviolation`` events), console errors and uncaught script errors.

    The console's own line about a page answered with an error status on purpose (the 404
    page reports "Failed to load resource" for itself) is excused for the addresses passed
    to ``excuse`` or visited with a ``status`` other than 200.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self._excused: set[str] = set()
        page.expose_function("reportViolation", lambda text: self.problems.append(f"CSP: {text}"))
        page.add_init_script(_REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and (
            message.location.get("url") in self._excused
        ):
            return
        self.problems.append(f"console: {message.text} ({message.location.get('url')})")

    def excuse(self, url: str) -> None:
        self._excused.add(url)

    def visit(self, url: str, *, status: int = 200) -> Response:
        """Open ``url``, check its status and that it carries the policy, and let it settle."""
        if status != 200:
            self.excuse(url)
        response = self.page.goto(url)
        assert response is not None
        assert response.status == status, f"{url}: {response.status}"
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        self.settle()
        return response

    def settle(self) -> None:
        """Let events already queued (a violation is reported as a task) reach the test."""
        self.page.wait_for_load_state("load")
        self.page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")


# What the page walks (content-security policy, accessibility, screenshots) show.
BODY = """Scaled attention: $$\\mathrm{softmax}\\left(\\frac{QK^T}{\\sqrt{d_k}}\\right)V$$

Inline $\\alpha_i = \\sum_j w_{ij}$, a footnote[^1], a table and code:

| head | size |
|------|------|
| 8    | 64   |

```python
def attend(q, k, v):
    return softmax(q @ k.T) @ v
```

[^1]: Vaswani et al., 2017.
"""


def people() -> tuple[User, User, User]:
    alice = make_user("alice", display_name="Alice Liddell")
    bob = make_user("bob", display_name="Bob Builder")
    editor = make_user("editor", display_name="The Editor", is_staff=True, is_superuser=True)
    return alice, bob, editor


def site_content(alice: User, bob: User) -> tuple[Note, Comment]:
    """A note with math, footnotes, a table, code, two revisions and a thread; a flag, a
    follow, a trashed note and notifications, so every page has something to show."""
    paper = make_paper(alice, title="Attention Is All You Need", year=2017)
    note = make_note(alice, paper, body=BODY, tags=["transformers", "attention"])
    note = revise(note, BODY + "\nA second thought: $O(n^2)$.", message="second thought")
    comment = make_comment(note, bob, "Why $\\sqrt{d_k}$?[^a]\n\n[^a]: The scale.")
    make_comment(note, alice, "It keeps the softmax from saturating.", parent=comment)
    make_note(bob, paper, body="Bob's view: $$\\sum_i a_i$$", tags=["attention"])
    flag(flagger=alice, item=comment, reason=FlagReason.SPAM)
    follow(follower=bob, tag="transformers")
    follow(follower=alice, user=bob)
    note_trash(note=make_note(alice, body="An old draft with $x$."))
    return note, comment

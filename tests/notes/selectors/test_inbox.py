"""The inbox's reads: the unread count of every page's header, and the inbox's lines,
which are cached under everything they show."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.template import engines
from django.test import Client
from django.utils import timezone, translation
from pytest_django.fixtures import Settings

from accounts.models import User
from notes.caching import entry_html
from notes.models import Comment, Notification
from notes.models.notifications import NotificationKind
from notes.selectors import inbox
from notes.selectors.inbox import (
    INBOX_COLUMNS,
    inbox_counts,
    inbox_page,
    notifications_of,
    unread_count,
)
from notes.services import moderation, notifications
from notes.services.papers import paper_save
from tests.conftest import client_for, make_user
from tests.factories import make_comment, make_note, make_paper

pytestmark = pytest.mark.django_db


def _hide(item: object, staff: User) -> None:
    flagger = User.objects.filter(username="dave").first() or make_user("dave")
    moderation.flag(flagger=flagger, item=item, reason="spam")
    moderation.moderate(actor=staff, item=item, verb="hide")


def _rows_say(user: User) -> tuple[int, int]:
    shown = Notification.objects.shown_to(user)
    return shown.count(), shown.unread().count()


def test_the_unread_count_agrees_with_the_rows_for_every_reader(
    alice: User, bob: User, carol: User, staff: User
) -> None:
    alices = make_note(alice)
    bobs = make_note(bob)
    for _ in range(3):
        make_comment(alices, bob)
    hidden_comment = make_comment(alices, carol)
    make_comment(bobs, alice, "Hello @carol")
    make_comment(bobs, carol)
    expected = {alice: 4, bob: 2, carol: 1}
    assert {user: unread_count(user) for user in expected} == expected
    _hide(Comment.objects.get(pk=hidden_comment.pk), staff)
    _hide(bobs, staff)  # still counted for bob, its author; no longer for carol
    notifications.mark_read(user=alice, ids=[Notification.objects.filter(recipient=alice)[0].pk])
    expected = {alice: 2, bob: 2, carol: 0, staff: 0}
    for user, count in expected.items():
        assert unread_count(user) == count
        assert inbox_counts(user) == _rows_say(user)
        assert _rows_say(user)[1] == count
        # The page's rows are the ORM's own, for this reader.
        orm = Notification.objects.for_inbox(user).values_list(*INBOX_COLUMNS)
        page = inbox_page(user, 1, _rows_say(user)[0])
        assert [tuple(row) for row in page.object_list] == list(orm)


def _plan_nodes(node: dict) -> Iterator[dict]:
    """A plan's node and every node under it (EXPLAIN's JSON)."""
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def test_the_inbox_walks_its_notifications_newest_first_and_stops_at_the_page(
    alice: User, bob: User, carol: User, staff: User, settings: Settings
) -> None:
    """What moderators hid is left out by looking each notification up in the few hidden
    notes and comments, not by joining every notification to its note first: the page
    reads its fifty from the inbox's index and stops, and the counts read no note."""
    settings.COMMENT_RATE_LIMIT = 100
    note = make_note(alice)
    for i in range(30):
        make_comment(note, bob if i % 2 else carol, f"Comment {i}")
    # And thirty about notes of their own, one each.
    for _ in range(30):
        Notification.objects.create(
            recipient=alice, actor=bob, kind=NotificationKind.FOLLOWED_USER, note=make_note(bob)
        )
    hidden = make_comment(note, carol, "Hidden")
    _hide(Comment.objects.get(pk=hidden.pk), staff)
    _hide(make_note(bob), staff)
    with connection.cursor() as cursor:
        # The plan is this test's own: statistics of its rows, not of what other tests left
        # behind; and, as at a real table's size, no table is read whole (here a few dozen
        # rows would be cheaper to scan, or to hash, than to look up one by one).
        for table in (
            "notes_notification",
            "notes_note",
            "notes_comment",
            "notes_paper",
            "accounts_user",
        ):
            cursor.execute(f"ANALYZE {table}")
        for method in ("seqscan", "hashjoin", "mergejoin"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        for name, more in (
            ("page", [51, 0]),
            ("page", [10, 50]),
            ("counts", []),
            ("unread", [100]),
        ):
            sql, readers = inbox._statements()[name]
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", [alice.pk] * readers + more)
            nodes = list(_plan_nodes(cursor.fetchone()[0][0]["Plan"]))
            # The notifications' own notes are read for the page's lines only, never for
            # all sixty nor for the lines of the pages before (the set of hidden notes,
            # read once, has an alias of its own).
            read = sum(
                float(node["Actual Rows"]) * node["Actual Loops"]
                for node in nodes
                if node.get("Relation Name") == node.get("Alias") == "notes_note"
            )
            lines = more[0] if name == "page" else 0
            assert read <= lines and (read > 0) == (lines > 0), (name, more, nodes)
            if name != "page":
                assert not any("Join Type" in node for node in nodes), name
    assert inbox_counts(alice) == (60, 60)
    # The pages, one after another, are the whole inbox newest first.
    shown = list(Notification.objects.for_inbox(alice).values_list("id", flat=True))
    paged = [row.id for number in (1, 2) for row in inbox_page(alice, number, 60).object_list]
    assert paged == shown and len(shown) == 60


def _inbox(client: Client) -> str:
    return client.get("/notifications/").content.decode()


def test_the_inbox_lines_follow_every_change_of_what_they_show(
    alice: User, bob: User, staff: User
) -> None:
    paper = make_paper(alice, title="On slow clocks")
    note = make_note(alice, paper)
    first = make_comment(note, bob, "First thoughts.")
    make_comment(note, bob, "Second thoughts.")
    client = client_for(alice)
    inbox = _inbox(client)
    assert inbox.count("Bob Builder commented on your note") == 2
    assert "On slow clocks" in inbox and "First thoughts." in inbox
    # One form for the page's lines, besides "Mark all read": a button per unread line.
    assert inbox.count('action="/notifications/read/"') == 2
    assert inbox.count('<button class="link-button" type="submit" name="id"') == 2

    bob.display_name = "Robert Builder"
    bob.save()
    assert _inbox(client).count("Robert Builder commented on your note") == 2

    paper.title = "On fast clocks"
    paper_save(paper=paper, user=alice)
    inbox = _inbox(client)
    assert "On fast clocks" in inbox and "On slow clocks" not in inbox

    read = Notification.objects.get(comment=first)
    client.post("/notifications/read/", {"id": read.pk})
    inbox = _inbox(client)
    assert f'name="id" value="{read.pk}"' not in inbox
    assert inbox.count('<button class="link-button" type="submit" name="id"') == 1

    _hide(Comment.objects.get(pk=first.pk), staff)
    inbox = _inbox(client)
    assert "First thoughts." not in inbox and "Second thoughts." in inbox
    assert inbox.count("commented on your note") == 1


# The inbox's lines as the template engine wrote them (notes/_notification_rows.html, before
# they were written in Python by ``entry_html.notification_lines``).
_LINES_TEMPLATE = """{% load i18n %}{% for n in notifications %}
  <li class="notification{% if not n.is_read %} notification--unread{% endif %}">
    <a href="{% url 'notes:notification_open' n.pk %}">{{ n.text }}</a>
    {% with excerpt=n.excerpt %}{% if excerpt %}<p class="muted notification__excerpt" \
dir="auto">{{ excerpt|truncatechars:160 }}</p>{% endif %}{% endwith %}
    <span class="muted"><time datetime="{{ n.created|date:'c' }}">{{ n.created|date:\
"SHORT_DATETIME_FORMAT" }}</time>{% if not n.is_read %} · <strong>{% translate "unread" %}\
</strong>{% endif %}</span>
    {% if not n.is_read %}<button class="link-button" type="submit" name="id" \
value="{{ n.pk }}">{% translate "Mark read" %}</button>{% endif %}
  </li>
{% endfor %}
"""


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_the_inbox_lines_are_what_the_template_wrote(
    alice: User, bob: User, carol: User, staff: User, settings: Settings, zone: str
) -> None:
    settings.COMMENT_RATE_LIMIT = 100
    bob.display_name = '<script>alert("b")</script> & بوب'
    bob.save()
    note = make_note(alice, make_paper(alice, title='<img src=x onerror=alert(1)> "T"'))
    make_comment(note, bob, "<b>bold</b> & " + "long words " * 30)
    make_comment(note, carol, "Hello @bob, {0} %(who)s")
    hidden = make_comment(note, carol, "Hidden later")
    reply = make_comment(note, carol, "A reply", parent=Comment.objects.get(pk=hidden.pk))
    _hide(Comment.objects.get(pk=hidden.pk), staff)
    _hide(make_note(carol), staff)
    notifications.mark_read(user=alice, ids=[Notification.objects.filter(recipient=alice)[0].pk])
    assert reply.pk
    template = engines["django"].from_string(_LINES_TEMPLATE)
    for reader in (alice, bob, carol):
        total, _ = inbox_counts(reader)
        rows = list(inbox_page(reader, 1, total).object_list)
        lines = notifications_of(rows)
        assert lines or reader == carol
        for language in ("en", "ar"):
            with translation.override(language), timezone.override(zone):
                made = entry_html.notification_lines(lines)
                assert made == template.render({"notifications": lines})
                assert "<script>" not in made and "<img" not in made and "<b>" not in made
            if reader == alice:
                # Read and unread lines, a long excerpt cut, one left out with its comment.
                assert made.count("notification--unread") == len(lines) - 1 >= 2
                assert "&lt;b&gt;bold&lt;/b&gt; &amp; long words" in made and "…</p>" in made
                assert "Hidden later" not in made

"""The demo content shows follows and a flag waiting for the editor, and stays the same
when the command runs again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from notes.models import Flag, Follow, Notification, NotificationKind
from tests.conftest import client_for
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db


def test_demo_content_has_follows_and_a_flag_for_the_editor() -> None:
    for _ in range(2):
        call_command("demo", stdout=StringIO())
    run_jobs()  # what a worker beside `make run` does
    alice = User.objects.get(username="alice")
    assert Follow.objects.filter(user=alice, tag="deep-learning").count() == 1
    assert Flag.objects.open().count() == 1
    told = Notification.objects.filter(recipient=alice, kind=NotificationKind.FOLLOWED_TAG)
    assert told.exists()
    following = client_for(alice).get("/following/")
    assert following.context["page"].paginator.count >= 2
    queue = client_for(User.objects.get(username="editor")).get("/moderation/")
    [entry] = queue.context["page"]
    assert "essays.example.com" in entry.item.body and entry.flags[0].flagger.username == "bob"

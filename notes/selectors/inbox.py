"""A reader's notifications: how many are unread."""

from __future__ import annotations

from accounts.models import User
from notes.models import Notification


def unread_count(user: User) -> int:
    """How many notifications ``user`` has not read (the header's badge): one indexed count."""
    return Notification.objects.shown_to(user).unread().count()

"""Template filters for what the reader of a page may see, from ``notes.visibility``."""

from __future__ import annotations

from typing import Any

from django import template

from notes import visibility
from notes.models import Comment

register = template.Library()


@register.filter
def hidden_from(comment: Comment, reader: Any) -> bool:
    """``{% if comment|hidden_from:user %}``: moderators hid it from this reader."""
    return visibility.comment_hidden_from(comment, reader)

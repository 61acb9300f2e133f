"""What a tag is: the rule the editor, the API, the imports and the admin share."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

MAX_TAGS = 30
MAX_TAGS_IN_FILTER = 10
MAX_TAG_LENGTH = 50
TAG_RE = re.compile(r"^[\w][\w.+#-]*$")  # no "/": a tag is one URL path segment


def parse_tags(text: str) -> list[str]:
    """Tags as typed in the source sites: space or comma separated, case-insensitive.

    ``"ML, deep-learning  #Bayes ml"`` → ``["bayes", "deep-learning", "ml"]``.
    """
    text = text.replace("\x00", "")
    names = {part.strip().lstrip("#").lower() for part in re.split(r"[,\s]+", text)}
    return sorted(name for name in names if name)


def tag_errors(tags: list[str]) -> list[str]:
    """What is wrong with ``tags`` (parsed), as messages for their field."""
    bad = [tag for tag in tags if len(tag) > MAX_TAG_LENGTH or not TAG_RE.match(tag)]
    errors = []
    if bad:
        errors.append(
            ngettext(
                "Tags are words made of letters, digits and - _ . + #, up to %(most)d "
                "character; these are not: %(bad)s.",
                "Tags are words made of letters, digits and - _ . + #, up to %(most)d "
                "characters; these are not: %(bad)s.",
                MAX_TAG_LENGTH,
            )
            % {"most": MAX_TAG_LENGTH, "bad": ", ".join(bad[:5])}
        )
    if len(tags) > MAX_TAGS:
        errors.append(
            ngettext(
                "At most %(most)d tag; you gave %(given)d.",
                "At most %(most)d tags; you gave %(given)d.",
                MAX_TAGS,
            )
            % {"most": MAX_TAGS, "given": len(tags)}
        )
    return errors


def checked_tags(text: str) -> list[str]:
    """``parse_tags``, refusing (``ValidationError``) names that are not tags, or too many."""
    tags = parse_tags(text)
    if errors := tag_errors(tags):
        raise ValidationError(errors[0])
    return tags

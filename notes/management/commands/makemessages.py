"""Django's ``makemessages``, which also finds the counted messages marked with
``notes.wording.ngettext_noop`` (kept for later, put into words when shown)."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=ngettext_noop:1,2"]

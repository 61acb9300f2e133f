#!/usr/bin/env python
import os
import sys

# Commands that serve requests keep the per-request database timeouts; every other command
# (migrate, seed_bench, prune_views, send_digests, shell, …) may rightly run longer than any
# page should, so it runs without them (DB_STATEMENT_TIMEOUT_MS, DB_LOCK_TIMEOUT_MS).
SERVING_COMMANDS = frozenset({"runserver"})


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "papernotes.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command and not command.startswith("-") and command not in SERVING_COMMANDS:
        os.environ["DB_STATEMENT_TIMEOUT_MS"] = "0"
        os.environ["DB_LOCK_TIMEOUT_MS"] = "0"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

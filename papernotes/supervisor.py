"""What ``make run`` runs: the development server, a job worker beside it, and a watch on
the embedded PostgreSQL server.

One process starts the others and stays with them: every couple of seconds it checks
that the embedded server (when ``DATABASE_URL`` is unset) is still running and starts it
again when it is not, logging why it stopped as far as its log tells; it rotates that log
when it grows; it starts the worker again if the worker exits; and when the web server
exits, or this process is told to stop (Ctrl-C, SIGTERM), it stops them all.

Each child runs in a process group of its own, so a signal reaches it only through here
and everything it started (runserver's reloader child, say) stops with it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from papernotes import embedded_db

logger = logging.getLogger("papernotes.supervisor")

CHECK_SECONDS = 2.0
STOP_SECONDS = 15.0


class EmbeddedWatch:
    """Starts the embedded server again whenever a check finds it stopped."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self.restarts = 0

    def check(self) -> bool:
        """Whether the server had to be started again (and was)."""
        if embedded_db.is_running(self.pgdata):
            embedded_db.rotate_log(self.pgdata)
            return False
        logger.error(
            "The embedded PostgreSQL server in %s has stopped. The last lines of its log:\n%s\n"
            "Starting it again.",
            self.pgdata,
            embedded_db.log_tail(self.pgdata, lines=8),
        )
        try:
            embedded_db.database_settings(self.pgdata)
        except embedded_db.EmbeddedDatabaseError as exc:
            logger.error("It could not start again (trying again in a moment): %s", exc)
            return False
        self.restarts += 1
        logger.warning("The embedded PostgreSQL server in %s is running again.", self.pgdata)
        return True


class Child:
    """A process started and, on the way out, stopped by the supervisor."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name, self.argv = name, argv
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, start_new_session=True)  # noqa: S603

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        # The child's own group: runserver's reloader child and the worker's go with it.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def serve(
    *,
    address: str,
    pgdata: Path | None,
    python: str = sys.executable,
    manage: str = "manage.py",
    on_ready: Callable[[], None] | None = None,
) -> int:
    """Run the web server and a worker until the web server exits or a signal asks to
    stop; the web server's exit code (0 when asked to stop)."""
    web = Child("web server", [python, manage, "runserver", address])
    worker = Child("job worker", [python, manage, "procrastinate", "worker"])
    watch = EmbeddedWatch(pgdata) if pgdata is not None else None
    stopping = threading.Event()

    def ask_to_stop(signum: int, frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        web.start()
        worker.start()
        if on_ready is not None:
            on_ready()
        while not stopping.wait(CHECK_SECONDS):
            if watch is not None:
                watch.check()
            code = web.exit_code()
            if code is not None:
                logger.error("The web server exited (code %s); stopping.", code)
                return code
            code = worker.exit_code()
            if code is not None:
                logger.error("The job worker exited (code %s); starting it again.", code)
                worker.start()
        return 0
    finally:
        for child in (worker, web):
            child.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

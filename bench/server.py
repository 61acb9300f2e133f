"""The server under test: gunicorn with the site's production settings, on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.client import request

HOST = "127.0.0.1"
# What manage.py sets for every command but runserver (see manage.py).
LIFTED_BY_MANAGE_PY = frozenset({"DB_STATEMENT_TIMEOUT_MS", "DB_LOCK_TIMEOUT_MS"})


class ServerFailed(Exception):
    pass


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int
    workers: int
    cpu_log: Path  # see bench.gunicorn_hooks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# Where the server's static files are collected, unless STATIC_ROOT says: not the
# checkout's var/static, which every handler of a later test run would index (WhiteNoise
# reads STATIC_ROOT whenever a handler starts, some 60 ms for each test client made).
STATIC_DIR = Path(__file__).resolve().parent.parent / "var" / "bench-static"


def production_env(base: dict[str, str], *, database_url: str, secret_key: str) -> dict[str, str]:
    """The environment of the site as deployed, plus what a load test needs.

    The comment and API rate limits are lifted (the benchmark measures pages, not limits)
    and mail goes nowhere. The database timeouts that manage.py lifts for its commands
    are the site's again (a page that runs into one answers 503, as deployed). Static
    files go to ``STATIC_DIR`` unless ``STATIC_ROOT`` names a place.
    """
    env = {k: v for k, v in base.items() if k not in LIFTED_BY_MANAGE_PY}
    env.setdefault("STATIC_ROOT", str(STATIC_DIR))
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": database_url,
            # The site as deployed: without the bench app.
            "DJANGO_SETTINGS_MODULE": "papernotes.settings",
            "COMMENT_RATE_LIMIT": "1000000",
            "API_RATE_ANONYMOUS": "100000000/hour",
            "API_RATE_USER": "100000000/hour",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
    )
    return env


def gunicorn_version() -> str:
    from gunicorn import __version__

    return __version__


@contextmanager
def gunicorn(env: dict[str, str], workers: int, cwd: Path) -> Iterator[Server]:
    """A gunicorn server on a free loopback port, stopped on the way out."""
    executable = Path(sys.executable).with_name("gunicorn")
    program = str(executable) if executable.exists() else shutil.which("gunicorn")
    if program is None:
        raise ServerFailed("gunicorn is not installed: `pip install -r requirements.txt`.")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-gunicorn-") as folder:
        log, cpu_log = Path(folder) / "error.log", Path(folder) / "cpu.log"
        command = [
            program,
            "papernotes.wsgi",
            "--config",
            "python:bench.gunicorn_hooks",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--error-logfile",
            str(log),
            "--log-level",
            "warning",
        ]
        server = subprocess.Popen(  # noqa: S603 - gunicorn from this environment
            command,
            env={**env, "BENCH_CPU_LOG": str(cpu_log)},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_until_up(server, port, log, workers)
            yield Server(HOST, port, server.pid, workers, cpu_log)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(server: subprocess.Popen[bytes], port: int, log: Path, workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerFailed(f"gunicorn stopped (exit {server.returncode}):\n{tail(log)}")
        try:
            request(HOST, port, "GET", "/health/", timeout=5)
        except OSError:
            time.sleep(0.25)
            continue
        # It answers; wait for every worker, so none starts in the middle of a measurement.
        while len(worker_pids(server.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        return
    raise ServerFailed(f"gunicorn did not answer within 60 s:\n{tail(log)}")


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def worker_pids(master: int) -> list[int]:
    """The processes whose parent is ``master`` (gunicorn's workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The parent id is the second field after the command, which may hold spaces.
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            children.append(int(entry.name))
    return sorted(children)


def rss_mb(pid: int) -> float | None:
    """Resident memory of process ``pid`` in MB (None when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def load_average() -> tuple[float, float, float] | None:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return None
    return one, five, fifteen

"""The site's gunicorn settings: each worker starts its render child before its first render."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil

from tests.ops import database_url, free_port, wait_for
from tests.paths import ROOT


def _render_children(worker: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in worker.children():
        try:
            if "notes.markup.render_worker" in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def test_every_worker_starts_its_render_child_without_waiting_for_a_render(tmp_path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "-c", "python:papernotes.gunicorn_conf",
            "papernotes.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{free_port()}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        master = psutil.Process(server.pid)

        def every_worker_has_one() -> bool:
            workers = master.children()
            return len(workers) == 2 and all(len(_render_children(w)) == 1 for w in workers)

        # No request is made: the children start with the workers.
        wait_for(every_worker_has_one)
    finally:
        server.terminate()
        server.wait(timeout=60)

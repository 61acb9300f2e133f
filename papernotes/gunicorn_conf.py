"""gunicorn's settings for PaperNotes: ``gunicorn -c python:papernotes.gunicorn_conf
papernotes.wsgi --workers 3 --bind 0.0.0.0:8000``.

Access lines: with the default ``LOG_FORMAT=text`` gunicorn writes one per request to
standard output, with the request id; with ``LOG_FORMAT=json`` the site's own request
line (``papernotes.logs``) is the access line, and gunicorn's own lines are JSON too.

Metrics across workers: prometheus-client's multiprocess mode needs a directory that
every worker writes to and that is empty when gunicorn starts. ``PROMETHEUS_MULTIPROC_DIR``
names it; unset, a fresh directory of this gunicorn's own is made (and removed at exit),
so two gunicorns on one host never add up each other's counts. A worker that exits is
marked dead, so its gauges stop counting while its counters keep their totals.

Each worker starts its render child (``notes.markup.render_worker``) as soon as it has
loaded the site, beside serving: otherwise the first save, preview or comment each worker
serves waits a few hundred milliseconds for it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# Before anything imports prometheus_client: it picks its storage when first imported.
_made_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="papernotes-metrics-")
else:
    _directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    _directory.mkdir(parents=True, exist_ok=True)
    for stale in _directory.glob("*.db"):  # left by an earlier run: its counts are not ours
        stale.unlink()

_json = os.environ.get("LOG_FORMAT", "text").strip().lower() == "json"

accesslog = None if _json else "-"
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s" request_id=%({x-request-id}o)s'
)
if _json:
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "papernotes.logs.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json"},
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def post_worker_init(worker: Any) -> None:
    from notes.markup import render_worker

    render_worker.start_soon()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _made_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)

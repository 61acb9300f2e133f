"""The render child: every render runs in it, bounded by CPU time, and it survives what happens
to it and to the process that owns it.

No database: these call ``notes.markup.render_worker`` directly; the endpoints are tested in
test_render_limits.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from notes.markup import render_worker
from notes.markup.render_worker import RenderTimeout
from notes.markup.rendering import RenderRefused, render_markdown
from tests.paths import ROOT
from tests.texts import ordinary_note, scaled

LONG_TEXT, _ = ordinary_note(150_000)


def render(source: str, *, prefix: str = "n1-", cpu: float = 2.0, wall: float = 20.0):
    return render_worker.render(
        source, linkable=frozenset({12}), id_prefix=prefix, cpu_seconds=cpu, wall_seconds=wall
    )


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[1])


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def is_running(pid: int) -> bool:
    """Whether any thread of the process is still alive: the child runs V8's threads, and a
    killed process's main thread is a zombie while the others are still exiting (its pipes
    close only when the last one has)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return False
    for task in tasks:
        try:
            state = (task / "stat").read_text().rpartition(")")[2].split()[0]
        except FileNotFoundError:
            continue
        if state != "Z":
            return True
    return False


def test_a_render_runs_in_a_child_of_this_process_and_matches_the_renderer() -> None:
    source = "# Title\n\nSee {12} and {13}, $x^2$.[^1]\n\n[^1]: A note."
    rendered = render(source)
    pid = render_worker.child_pid()
    assert pid is not None and pid != os.getpid()
    assert parent_of(pid) == os.getpid()
    assert rendered == render_markdown(
        source, linkable_notes=lambda found: found & {12}, id_prefix="n1-"
    )
    assert rendered.note_refs == frozenset({12})
    render("Again.")
    assert render_worker.child_pid() == pid  # reused, not started again


def test_the_child_links_each_note_to_the_address_the_caller_gives() -> None:
    asked: list[int] = []

    def href(number: int) -> str:
        asked.append(number)
        return f"/notes/{number}/?via=child"

    rendered = render_worker.render(
        "See {12}, {13} and {14}.",
        linkable=frozenset({12, 14}),
        id_prefix="n1-",
        cpu_seconds=2.0,
        wall_seconds=20.0,
        note_href=href,
    )
    assert '<a class="note-ref" href="/notes/12/?via=child">{12}</a>' in rendered.html
    assert '<a class="note-ref" href="/notes/14/?via=child">{14}</a>' in rendered.html
    assert "{13}" in rendered.html and "/notes/13/" not in rendered.html
    assert sorted(asked) == [12, 14]  # asked in this process, for the linkable notes only


def test_a_render_past_its_cpu_budget_kills_the_child_and_the_next_starts_another() -> None:
    render("Warm up.")
    first = render_worker.child_pid()
    assert first is not None
    with pytest.raises(RenderTimeout, match="CPU"):
        render(LONG_TEXT, cpu=0.05)
    assert not is_running(first)
    assert render_worker.child_pid() is None
    assert "<em>fine</em>" in render("*fine*").html
    assert render_worker.child_pid() not in (None, first)


def test_the_wall_clock_cap_stops_a_child_that_gets_no_cpu() -> None:
    render("Warm up.")
    pid = render_worker.child_pid()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # as if the machine never scheduled it
    with pytest.raises(RenderTimeout, match="longer than"):
        render("A short text.", wall=0.3)
    assert not is_running(pid)
    assert render("After.").text == "After."


def test_a_child_killed_from_outside_is_replaced_at_the_next_render() -> None:
    render("Warm up.")
    pid = render_worker.child_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    while is_running(pid):
        time.sleep(0.01)
    assert render("Still here.").text == "Still here."
    assert render_worker.child_pid() != pid


def test_a_child_started_ahead_serves_the_first_render() -> None:
    render_worker.stop()
    assert render_worker.child_pid() is None
    render_worker.start()
    pid = render_worker.child_pid()
    assert pid is not None and parent_of(pid) == os.getpid()
    render_worker.start()  # already running: the same child
    assert render_worker.child_pid() == pid
    assert render("First.").text == "First."
    assert render_worker.child_pid() == pid


def test_a_child_started_in_the_background_is_waited_for_by_a_render() -> None:
    render_worker.stop()
    render_worker.start_soon()
    # The render takes the lock after the start or before it: either way one child serves.
    assert render("Right away.").text == "Right away."
    pid = render_worker.child_pid()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
        thread.name == "render-child-start" for thread in threading.enumerate()
    ):
        time.sleep(0.01)
    assert render_worker.child_pid() == pid
    assert [child for child in _children(os.getpid()) if is_running(child)] == [pid]


def test_a_refused_text_keeps_the_child() -> None:
    render("Warm up.")
    pid = render_worker.child_pid()
    with pytest.raises(RenderRefused, match="blank line"):
        render(scaled("a\n=\n", 200_000))
    assert render_worker.child_pid() == pid


def test_threads_take_turns_and_each_gets_its_own_answer() -> None:
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(5):
                html = render(f"# Heading {n}\n\nText {n}.", prefix=f"n{n}-").html
                assert f'id="n{n}-heading-{n}"' in html and f"Text {n}." in html
            results[n] = html
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(results) == [1, 2, 3, 4, 5, 6]


def test_a_forked_process_starts_its_own_child() -> None:
    render("Warm up.")
    parent_child = render_worker.child_pid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the forked process: report, then leave without running pytest's exit code
        try:
            forgot = render_worker.child_pid() is None
            html = render("*forked*").html
            mine = render_worker.child_pid()
            ok = forgot and "<em>forked</em>" in html and mine not in (None, parent_child)
            ok = ok and parent_of(mine) == os.getpid()
            os.write(write_end, b"ok" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 2)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert answer == b"ok"
    assert render_worker.child_pid() == parent_child
    assert render("Parent still renders.").text == "Parent still renders."


def test_a_child_whose_parent_goes_while_it_starts_leaves_too() -> None:
    # As a web process that stops right after it started its child (gunicorn replacing
    # its workers): the child finds nobody to tell it is ready, and must not stay behind
    # holding what it inherited (the server's output) open.
    requests_read, requests_write = os.pipe()
    replies_read, replies_write = os.pipe()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "notes.markup.render_worker",
            str(requests_read),
            str(replies_write),
        ],
        cwd=ROOT,
        pass_fds=(requests_read, replies_write),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for fd in (requests_read, replies_write, requests_write, replies_read):
        os.close(fd)
    try:
        _, errors = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0
    assert b"Traceback" not in errors


def test_the_warm_up_text_goes_through_every_part_of_the_renderer() -> None:
    # The child converts it before it says it is ready, so that no author's first text
    # pays for setting up Markdown's extensions, the highlighter and the math.
    rendered = render_markdown(
        render_worker.WARM_UP_TEXT, linkable_notes=frozenset({1}).intersection
    )
    assert rendered.math_errors == ()
    assert rendered.html.count("<math") == 2
    assert rendered.note_refs == frozenset({1})
    for part in ("<h1", "<em>", "<strong>", "<code>", "<table", "<li", "<blockquote"):
        assert part in rendered.html, part
    assert 'class="highlight"' in rendered.html
    assert "fn" in rendered.html and "footnote" in rendered.html


def test_the_renderer_imports_no_django() -> None:
    # The child runs only notes.markup.rendering; it must not need (or configure) Django.
    check = (
        "import sys, notes.markup.render_worker; print([m for m in sys.modules if 'django' in m])"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_parent_spends_little_cpu_per_small_render() -> None:
    # The pipe's cost on the web process: most comments are a few hundred bytes.
    comment = "Thanks, a **useful** summary. Does $x_i^2$ hold for the second data set? See {12}."
    render(comment)
    renders = 200
    started = time.process_time()
    for _ in range(renders):
        render(comment)
    per_render = (time.process_time() - started) / renders
    assert per_render < 0.001, f"{per_render * 1e6:.0f} µs of this process's CPU per render"


def test_the_child_limits_its_own_cpu_a_little_past_each_budget() -> None:
    # Should the parent be gone (killed mid-render), the kernel still stops the child.
    render("Warm up.", cpu=2.0)
    pid = render_worker.child_pid()
    assert pid is not None
    limits = Path(f"/proc/{pid}/limits").read_text()
    cpu_line = next(line for line in limits.splitlines() if line.startswith("Max cpu time"))
    core_line = next(line for line in limits.splitlines() if line.startswith("Max core file"))
    soft = int(cpu_line.split()[3])
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    used = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    assert used + 2.0 < soft <= used + 2.0 + 4
    assert core_line.split()[4] == "0"

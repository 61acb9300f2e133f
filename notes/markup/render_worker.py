"""Rendering in a long-lived child process, bounded by CPU time.

Markdown, math and HTML parsing have inputs that cost far more than their size suggests, and a
regular expression backtracking inside ``re`` cannot be interrupted by a signal, so no timer in
the web process bounds a render. Every render (note save, preview, comment, revert, re-render of
references) therefore goes to a child process: one per web process, started on first use, fed
over a pipe, and reused. While it waits, the parent watches the child's CPU time (Linux
``/proc/<pid>/stat``) and kills the child when one render passes its CPU budget, or, as a safety
net, a much longer wall-clock time; the next render starts a new child. The author gets a clear
message and keeps the text. The child also gives itself a CPU limit a few seconds past each
render's budget, so that the kernel stops it should its parent be gone. The child imports
``notes.markup.rendering`` (and the ``notes.markup.mathml`` it uses) only, never Django.

The child reports its CPU time with every answer, and is idle between renders, so a render that
answers within the first poll interval (nearly all of them) costs the parent no look at
``/proc`` at all: on a comment of a few hundred bytes the pipe costs the web process about 0.05 ms
of CPU and adds about 0.1 ms to the wall-clock time.

A process that forks (gunicorn's workers from a preloaded master) forgets its parent's child and
starts its own; a lock makes the threads of a threaded server take turns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notes.markup import mathml
from notes.markup.rendering import (
    MathProblem,
    Rendered,
    RenderRefused,
    relative_note_href,
    render_markdown,
)

__all__ = ["RenderTimeout", "child_pid", "render", "start", "start_soon", "stop"]

# The project directory, from which the child imports ``notes``.
_PROJECT = Path(__file__).resolve().parents[2]
_HEADER = struct.Struct("!I")  # each message: its length, then that many bytes of JSON
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# How long the first wait for an answer is; it doubles up to the last, between looks at the
# child's CPU time. A render overshoots its budget by at most about the last.
_FIRST_POLL = 0.005
_LAST_POLL = 0.05
_START_SECONDS = 60.0  # for a new child to import the renderer, however busy the machine
# Memory the child may use; a text that needs more is refused like one that needs too much
# time, instead of pushing the server into swap. The limit is on its data (RLIMIT_DATA: the
# writable memory it maps), not its address space: the V8 isolate that converts formulas
# (notes.markup.mathml) reserves far more address space than it ever uses.
_CHILD_MEMORY = 2 * 1024**3
# Seconds of CPU past a render's budget at which the kernel stops the child by itself.
_OWN_LIMIT_SPARE = 3


class RenderTimeout(Exception):
    """The render passed its CPU budget or the wall-clock cap, or the child died during it."""


@dataclass
class _Child:
    process: subprocess.Popen[bytes]
    requests: int  # the pipe we write requests to
    replies: int  # the pipe we read answers from
    idle_cpu: float  # the child's CPU seconds when it last finished (or started)


logger = logging.getLogger(__name__)
_lock = threading.Lock()
_child: _Child | None = None
_owner = os.getpid()


def render(
    source: str,
    *,
    linkable: frozenset[int],
    id_prefix: str,
    cpu_seconds: float,
    wall_seconds: float,
    macros: dict[str, str] | None = None,
    note_href: Callable[[int], str] = relative_note_href,
) -> Rendered:
    """``notes.markup.rendering.render_markdown`` in the child, linking ``{N}`` for ``linkable``
    notes to the address ``note_href`` gives (asked here, in the calling process, for each
    of them), with ``macros`` as the site's TeX macros.

    Raises ``RenderTimeout`` when the render passes ``cpu_seconds`` of CPU or ``wall_seconds``
    of wall-clock time (the child is killed), and ``RenderRefused`` when the renderer refuses
    the text (the child carries on).
    """
    request = {
        "source": source,
        "linkable": sorted(linkable),
        "hrefs": {str(number): note_href(number) for number in linkable},
        "id_prefix": id_prefix,
        "cpu_seconds": cpu_seconds,
        "macros": macros or {},
    }
    with _lock:
        child = _running_child()
        try:
            _write(child.requests, request)
        except OSError:
            # The child died since the last render (killed from outside): one new one.
            _stop(child)
            child = _running_child()
            _write(child.requests, request)
        reply = _answer(child, cpu_seconds=cpu_seconds, wall_seconds=wall_seconds)
    if "refused" in reply:
        raise RenderRefused(
            reply["refused"], code=reply.get("code", ""), params=reply.get("params")
        )
    if "error" in reply:
        raise RuntimeError(f"the renderer failed:\n{reply['error']}")
    return Rendered(
        html=reply["html"],
        text=reply["text"],
        note_refs=frozenset(reply["refs"]),
        math_errors=tuple(MathProblem(source, reason) for source, reason in reply["math_errors"]),
    )


def child_pid() -> int | None:
    """The running child's process id, if there is one (for tests and diagnostics)."""
    child = _child
    return child.process.pid if child is not None and os.getpid() == _owner else None


def start() -> None:
    """Start the child now, if none is running, rather than at the first render: a new
    child imports the renderer and loads the math engine, a few hundred milliseconds that
    the first save of each web process would otherwise wait for."""
    with _lock:
        _running_child()


def start_soon() -> None:
    """``start`` in a thread of its own, so that a web process may serve while its child
    starts (a render meanwhile waits for it). A child that cannot start is logged; the
    first render tries again."""

    def starting() -> None:
        try:
            start()
        except Exception:
            logger.exception("The render child did not start; the first render will try again.")

    threading.Thread(target=starting, name="render-child-start", daemon=True).start()


def stop() -> None:
    """Stop the child (the next render starts a new one)."""
    with _lock:
        if _child is not None:
            _stop(_child)


# -------------------------------------------------------------------------------- parent


def _running_child() -> _Child:
    global _child, _owner
    if os.getpid() != _owner:  # forked without the fork hook having run
        _forget_after_fork()
    if _child is not None and _child.process.poll() is None:
        return _child
    if _child is not None:
        _stop(_child)
    requests_read, requests_write = os.pipe()
    replies_read, replies_write = os.pipe()
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "notes.markup.render_worker",
                str(requests_read),
                str(replies_write),
            ],
            cwd=_PROJECT,
            stdin=subprocess.DEVNULL,
            pass_fds=(requests_read, replies_write),
            # Its own session: a Ctrl-C meant for the development server is not its business;
            # it ends when our end of its pipe closes.
            start_new_session=True,
        )
    finally:
        os.close(requests_read)
        os.close(replies_write)
    child = _Child(process=process, requests=requests_write, replies=replies_read, idle_cpu=0.0)
    _child = child
    _owner = os.getpid()
    ready = _answer(child, cpu_seconds=_START_SECONDS, wall_seconds=_START_SECONDS)
    if not ready.get("ready"):
        _stop(child)
        raise RuntimeError(f"the renderer did not start: {ready}")
    return child


def _answer(child: _Child, *, cpu_seconds: float, wall_seconds: float) -> dict[str, Any]:
    """The child's next message, waiting while it stays within its budgets."""
    deadline = time.monotonic() + wall_seconds
    poll = _FIRST_POLL
    while True:
        ready, _, _ = select.select([child.replies], [], [], poll)
        if ready:
            try:
                reply = _read(child.replies)
            except (OSError, ValueError):
                reply = None
            if reply is None:
                _stop(child)
                raise RenderTimeout("the renderer stopped without an answer")
            child.idle_cpu = reply.get("cpu", child.idle_cpu)
            return reply
        used = _cpu_seconds(child.process.pid) - child.idle_cpu
        if used > cpu_seconds:
            _stop(child)
            raise RenderTimeout(f"rendering used more than {cpu_seconds:g} s of CPU")
        if time.monotonic() > deadline:
            _stop(child)
            raise RenderTimeout(f"rendering took longer than {wall_seconds:g} s")
        poll = min(poll * 2, _LAST_POLL)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, from /proc (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # The command name, in parentheses, may itself hold spaces and parentheses.
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _stop(child: _Child) -> None:
    global _child
    with contextlib.suppress(ProcessLookupError):
        child.process.kill()
    child.process.wait()
    for fd in (child.requests, child.replies):
        with contextlib.suppress(OSError):
            os.close(fd)
    if _child is child:
        _child = None


def _forget_after_fork() -> None:
    """In a forked process: the child and the pipes belong to the parent; start afresh."""
    global _child, _lock, _owner
    if _child is not None:
        for fd in (_child.requests, _child.replies):
            with contextlib.suppress(OSError):
                os.close(fd)
    _child = None
    _lock = threading.Lock()
    _owner = os.getpid()


os.register_at_fork(after_in_child=_forget_after_fork)


# -------------------------------------------------------------------------------- pipes


def _write(fd: int, message: dict[str, Any]) -> None:
    data = json.dumps(message, ensure_ascii=False).encode()
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read(fd: int) -> dict[str, Any] | None:
    """The next message, or None at the end of the pipe."""
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    body = _read_exactly(fd, _HEADER.unpack(header)[0])
    return None if body is None else json.loads(body)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# -------------------------------------------------------------------------------- child


def _own_cpu() -> float:
    # The same clock (and ticks) the parent reads from /proc.
    times = os.times()
    return times.user + times.system


def _limit_own_cpu(seconds: float) -> None:
    """Let the kernel stop this process if the render runs well past its budget, should the
    parent no longer be there to do it (killed, or stuck itself). Whole seconds, with room to
    spare, so that the parent's own stop always comes first."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(_own_cpu() + seconds) + _OWN_LIMIT_SPARE
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


# A text with a little of everything the renderer does (headings, emphasis, links, a note
# reference, inline and display math, highlighted code, a table, a list, a quotation, a
# footnote). The first text a renderer converts sets up Markdown's extensions, the
# sanitiser and a language's highlighter: about 125 ms, then 3 ms for this text. The child
# converts this one before it says it is ready, so no author's text pays for that.
WARM_UP_TEXT = r"""# A heading

Some *emphasis*, **strong** and `code`, a [link](https://example.org) and {1}.

An inline formula $e^{i\pi} + 1 = 0$ and a display one:

$$\int_0^1 x^2 \, dx = \frac{1}{3}$$

```python
def double(x):
    return 2 * x
```

| a | b |
|---|---|
| 1 | 2 |

- an item[^1]
- another

> A quotation.

[^1]: A footnote.
"""


def _warm_up() -> None:
    with contextlib.suppress(Exception):  # a warm-up that fails costs the first render only
        render_markdown(WARM_UP_TEXT, linkable_notes=frozenset({1}).intersection)


def _serve(requests: int, replies: int) -> None:
    """The child's loop: one answer per request, until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_DATA, (_CHILD_MEMORY, _CHILD_MEMORY))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a stopped render leaves no core file
    mathml.prepare()  # the V8 isolate, once per child
    _warm_up()
    _write(replies, {"ready": True, "cpu": _own_cpu()})
    while (request := _read(requests)) is not None:
        linkable = frozenset(request["linkable"])
        hrefs = {int(number): href for number, href in request["hrefs"].items()}
        _limit_own_cpu(request.get("cpu_seconds", _START_SECONDS))
        reply: dict[str, Any]
        try:
            rendered = render_markdown(
                request["source"],
                linkable_notes=linkable.intersection,
                note_href=hrefs.__getitem__,
                id_prefix=request["id_prefix"],
                macros=request.get("macros"),
            )
        except RenderRefused as refused:
            reply = {"refused": refused.message, "code": refused.code, "params": refused.params}
        except MemoryError:
            reply = {
                "refused": "This text needs more memory to render than a note may use.",
                "code": "memory",
            }
        except Exception:  # a bug in the renderer: the parent raises it with this traceback
            import traceback

            reply = {"error": traceback.format_exc()}
        else:
            reply = {
                "html": rendered.html,
                "text": rendered.text,
                "refs": sorted(rendered.note_refs),
                "math_errors": [[p.source, p.reason] for p in rendered.math_errors],
            }
        reply["cpu"] = _own_cpu()
        try:
            _write(replies, reply)
        except BrokenPipeError:
            return  # the parent is gone (it stopped waiting, or was stopped itself)


def _main(requests: int, replies: int) -> None:
    """Serve, then leave straight out, whatever happened: the V8 isolate's threads are no
    reason to linger once the parent is gone, and the isolate's finalizer, run at an
    ordinary exit, can wait for them forever (a child whose parent went while it started
    stayed behind, holding the parent's output open)."""
    code = 0
    try:
        _serve(requests, replies)
    except BrokenPipeError:
        pass  # the parent went before the child was ready: nothing to tell
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    _main(int(sys.argv[1]), int(sys.argv[2]))

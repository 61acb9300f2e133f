"""Rendering in a separate process, so a pathological text cannot hold a worker forever.

Markdown and HTML parsing have inputs that take minutes (thousands of unclosed brackets,
very deep nesting). Large bodies are rendered in a child process that is killed when it
runs past its time; the author gets a clear message and keeps their text. The child
imports only ``notes.rendering``, never Django.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

from notes.rendering import Rendered, render_markdown


class RenderTimeout(Exception):
    pass


def _render_into(conn: Connection, source: str, linkable: frozenset[int]) -> None:
    conn.send(render_markdown(source, linkable_notes=lambda numbers: numbers & linkable))
    conn.close()


def render_with_time_limit(source: str, linkable: frozenset[int], seconds: float) -> Rendered:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_render_into, args=(sender, source, linkable), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(seconds):
            try:
                return receiver.recv()
            except EOFError:
                raise RenderTimeout("the renderer stopped without an answer") from None
        raise RenderTimeout(f"rendering took longer than {seconds} s")
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()

"""The app's worker processes keep freed memory for reuse (papernotes.memory, on glibc)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from papernotes import memory

# Allocates and frees a 4 MiB block, then prints how much memory glibc holds in mmap'ed
# blocks while it is allocated (mallinfo2().hblkhd) and whether the tuning was applied.
PROBE = textwrap.dedent(
    """
    import ctypes
    from papernotes.memory import keep_freed_memory

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    applied = keep_freed_memory()
    block = bytearray(4 * 1024 * 1024)
    print(applied, libc.mallinfo2().hblkhd >= 4 * 1024 * 1024)
    """
)


def _probe(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in memory.GLIBC_VARIABLES}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(memory.__file__)),
    )
    return result.stdout.strip()


needs_glibc = pytest.mark.skipif(
    "CS_GNU_LIBC_VERSION" not in getattr(os, "confstr_names", {}),
    reason="the tuning applies to glibc only",
)


@needs_glibc
def test_large_blocks_come_from_the_heap_once_tuned() -> None:
    assert _probe() == "True False"


@needs_glibc
def test_glibcs_own_settings_take_precedence() -> None:
    # With the operator's own threshold nothing is changed: the block is mmap'ed.
    assert _probe(MALLOC_MMAP_THRESHOLD_="131072") == "False True"


def test_settling_compiles_every_template_and_freezes_what_the_process_holds() -> None:
    import gc

    from django.conf import settings
    from django.template import engines

    loader = engines["django"].engine.template_loaders[0]  # Django's cached loader
    loader.reset()
    templates = Path(settings.BASE_DIR) / "templates"
    names = {str(path.relative_to(templates)) for path in templates.rglob("*.html")}
    frozen_before = gc.get_freeze_count()
    try:
        compiled = memory.settle([templates])
        assert compiled == len(names) > 40
        # Each one was compiled and is kept for the requests to come.
        assert names <= set(loader.get_template_cache)
        assert gc.get_freeze_count() > frozen_before + 10_000
    finally:
        gc.unfreeze()


def test_settling_stops_at_a_template_that_does_not_compile(tmp_path: Path, settings) -> None:
    from django.template import TemplateSyntaxError

    (tmp_path / "broken.html").write_text("{% if %}never closed")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    with pytest.raises(TemplateSyntaxError):
        memory.settle([tmp_path])

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
    from django.template.loader import get_template

    templates = Path(settings.BASE_DIR) / "templates"
    try:
        compiled = memory.settle([templates])
        assert compiled == len(list(templates.rglob("*.html"))) > 40
        assert gc.get_freeze_count() > 10_000
        assert get_template("notes/index.html") is not None
    finally:
        gc.unfreeze()

"""The app's worker processes keep freed memory for reuse (papernotes.memory, on glibc)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

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

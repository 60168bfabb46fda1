"""rnnlib._allocator: large arrays come from glibc's heap (kept for reuse), not from fresh
pages of their own; the opt-out leaves glibc's defaults."""

import os
import platform
import subprocess
import sys
import textwrap

import pytest

from rnnlib._allocator import keep_freed_memory

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="needs glibc")

PROBE = textwrap.dedent("""
    import ctypes
    import numpy as np
    import rnnlib

    class Info(ctypes.Structure):  # glibc's struct mallinfo2 (glibc >= 2.33)
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
                    "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    info = ctypes.CDLL(None).mallinfo2
    info.restype = Info
    before = info().hblks
    a = np.ones((1000, 256))  # 2 MB
    print(info().hblks - before)  # blocks with pages of their own (mmap) added
""")


def _mmapped_blocks_added(env):
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         env={**os.environ, **env}, check=True)
    return int(out.stdout)


@glibc
def test_a_large_array_comes_from_the_heap():
    assert _mmapped_blocks_added({}) == 0
    assert _mmapped_blocks_added({"RNNLIB_KEEP_FREED_MEMORY": "0"}) == 1  # glibc's default


@glibc
def test_keep_freed_memory_reports_what_it_did(monkeypatch):
    assert keep_freed_memory() is True
    monkeypatch.setenv("RNNLIB_KEEP_FREED_MEMORY", "0")
    assert keep_freed_memory() is False

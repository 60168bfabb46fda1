"""Keep freed array memory for reuse instead of handing it back to the operating system.

Why: glibc's ``malloc`` gives every block above 128 KiB its own fresh pages (``mmap``) and
returns them on ``free``. A NumPy expression such as ``1 - a * a`` on a (824, 128) float64
array allocates two such blocks, and touching fresh pages costs a page fault per 4 KiB:
measured on a 2-core cloud VM, ``1 - a * a`` took 0.9-1.2 ms, of which the arithmetic is
0.05 ms, and a (1000, 1024) one 4-5 ms instead of 1. Training loops evaluate such
expressions thousands of times, so the notebooks spent a large share of their time in
page faults.

:func:`keep_freed_memory` asks glibc (``mallopt``) to serve blocks up to 32 MiB (its
largest allowed threshold on 64-bit systems) from the heap and to keep up to 512 MiB of
freed heap memory for reuse. The arithmetic and its results are unchanged; the process
keeps what it freed (at most 512 MiB more resident memory than it uses, and never more
than its own peak). ``import rnnlib`` calls it once; set the environment variable
``RNNLIB_KEEP_FREED_MEMORY=0`` to leave the allocator as it is. On other C libraries and
operating systems it does nothing.
"""

import ctypes
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 512 * 2**20


def keep_freed_memory():
    """Set glibc's thresholds as described in the module docstring. Returns True if they
    were set, False where it does nothing (not glibc, or RNNLIB_KEEP_FREED_MEMORY=0)."""
    if os.environ.get("RNNLIB_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith(
            "linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc only: musl has no mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))

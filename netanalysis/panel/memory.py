"""Handing freed memory back to the system.

pyarrow's memory pool and glibc's heap keep what a large step freed for their own
later use. Where several processes run side by side (a report's kernels), memory
one of them no longer uses but still holds is memory the others cannot have.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc


def give_back_memory(collect: bool = True) -> None:
    """Return the memory of freed objects, pyarrow buffers and glibc heap pages to the system.

    `collect=False` skips the garbage collection (a few tenths of a second in a process that has
    imported much): for memory freed by `del`, which needs none.
    """
    import pyarrow as pa

    if collect:
        gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)

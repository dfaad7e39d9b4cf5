"""Wall, CPU and peak memory of a command and every process it starts (the report's runner and its kernels).

    .venv/bin/python benchmarks/tree_memory.py -- .venv/bin/netanalysis report DATA --out R --no-history

`/usr/bin/time` gives the largest resident set of one process; the report runs
a kernel per notebook, two at a time, so its peak is that of a process tree.
Here the memory of the command and all its descendants is sampled every half
second (`psutil`, installed with Jupyter), two ways, and the peak of each sum is
kept: resident sets (RSS, which counts a page shared by several processes, such
as the libraries every kernel maps, once per process) and proportional sets
(PSS, which splits each shared page among its sharers, so the sum is the memory
the tree really holds).
CPU seconds are those of the command and every child it waited for (kernels
included).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time

import psutil

SAMPLE_SECONDS = 0.5


def tree_memory(proc: psutil.Process) -> tuple[int, int]:
    """Summed resident and proportional bytes (RSS, PSS) of a process and all its descendants (processes that
    vanish meanwhile count 0)."""
    rss = pss = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    for p in members:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            m = p.memory_full_info()
            rss, pss = rss + m.rss, pss + getattr(m, "pss", m.rss)
    return rss, pss


class TreePeak:
    """Samples `tree_memory` of a process in a thread until `stop()`; `peak` and `peak_pss` are the largest
    sums seen (bytes)."""

    def __init__(self, pid: int, every: float = SAMPLE_SECONDS):
        self.proc, self.every, self.peak, self.peak_pss = psutil.Process(pid), every, 0, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._done.is_set():
            rss, pss = tree_memory(self.proc)
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
            self._done.wait(self.every)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def measure(cmd: list[str], **popen) -> dict:
    """Run `cmd` to the end: its exit code, wall and CPU seconds, and the peak summed RSS of its tree (GB)."""
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, **popen)
    sampler = TreePeak(proc.pid)
    out, err = proc.communicate()
    peak = sampler.stop()
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"returncode": proc.returncode, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "peak_tree_gb": round(peak / 2**30, 2), "peak_tree_pss_gb": round(sampler.peak_pss / 2**30, 2), "stdout": out, "stderr": err}


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        print(__doc__)
        return 2
    res = measure(argv)
    print(json.dumps({k: v for k, v in res.items() if k not in ("stdout", "stderr")}))
    return int(res["returncode"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

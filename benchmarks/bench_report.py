"""Time `netanalysis report` on the bundled sample, one notebook at a time against all cores (not a test).

    .venv/bin/python benchmarks/bench_report.py [--repeat 2]

Each run is a fresh process (`netanalysis report --out TMP --workers N`), timed
by wall clock, with the CPU time of it and its kernels. On a busy machine the
wall time grows with the load average; the CPU time does not.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(workers: int) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "netanalysis.cli", "report", "--out", str(Path(tmp) / "r"),
                        "--workers", str(workers)], check=True, cwd=ROOT, capture_output=True)
        wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    for _ in range(args.repeat):
        for workers in sorted({1, cores}):
            load = os.getloadavg()[0]
            wall, cpu = run(workers)
            print(f"workers={workers}: wall {wall:5.1f} s, cpu {cpu:5.1f} s (load average {load:.1f} on {cores} cores)")


if __name__ == "__main__":
    main()

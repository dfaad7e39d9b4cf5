"""Time `netanalysis classroom` end to end and its parts (not a test; run by hand).

    .venv/bin/python benchmarks/bench_classroom.py [--repeat 3]

Prints the wall time of: the simulation and metrics alone, the notebook run by
papermill, the HTML conversion, and the whole command in a fresh process, with
the CPU time of that command (its process and the kernel it starts). On a busy
machine the wall time grows with the load average; the CPU time does not, and
is close to the wall time of an idle machine.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from netanalysis.classroom.demo import NOTEBOOK, _batch
    from netanalysis.classroom.strategies import classroom_metrics, simulate_classroom
    from netanalysis.report.runner import execute_notebook, to_html

    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            t0 = time.perf_counter()
            classroom_metrics(simulate_classroom())
            t1 = time.perf_counter()
            with _batch():
                execute_notebook(NOTEBOOK, tmp / "nb.ipynb", {"output_dir": str(tmp)}, cwd=tmp)
            t2 = time.perf_counter()
            to_html(tmp / "nb.ipynb")
            t3 = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([sys.executable, "-m", "netanalysis.cli", "classroom", "--out", str(tmp / "demo")],
                           check=True, capture_output=True, cwd=ROOT)
            t4 = time.perf_counter()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"simulate+metrics {t1 - t0:5.2f} s | papermill {t2 - t1:5.2f} s | html {t3 - t2:5.2f} s | "
              f"whole command {t4 - t3:5.2f} s wall, {cpu:5.2f} s CPU | load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Run every benchmark with its default (quick) settings, one after another (`make benchmark`).

Each script prints its own figures; the heavy 10M-row scale run is left to a
deliberate `bench_scale.py --sizes 10000000` (see benchmarks/README.md).
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ["bench_classroom.py"],
    ["bench_report.py"],
    ["bench_returns.py"],
    ["bench_predict.py", "--sample"],
    ["bench_network.py"],
    ["bench_linkedin_load.py"],
    ["bench_exports_load.py"],
    ["bench_scale.py", "--sizes", "100000", "1000000"],
    ["bench_report_ratio.py"],
]


def main() -> int:
    failed = []
    for args in RUNS:
        print(f"\n=== {' '.join(args)}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / args[0]), *args[1:]])
        print(f"=== {args[0]}: exit {code}, {time.perf_counter() - start:.1f} s", flush=True)
        if code:
            failed.append(args[0])
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Each xdist worker's timeline: which files ran when, with the CPU seconds of the worker's whole process tree.

`suite_cpu.py` counts a test's own process and the children that ended meanwhile; the processes that outlive
a test (the warm process that forks the notebook kernels, a module's Chromium or dask cluster) are counted
when they end. Here each test's CPU is that of the worker and all its live descendants (`psutil`, installed
with Jupyter), so the warm process's imports and kernels count in the test that used them. Use::

    PYTHONPATH=.:benchmarks SUITE_TIMELINE=run.jsonl python -m pytest -p suite_timeline -n 2 --dist loadfile
    python benchmarks/suite_timeline.py run.jsonl

It prints, per worker, when its first test started (after collection), when its last ended, and each file's
span, wall and CPU seconds: the tail of each worker, and whether the two end together.
"""

import argparse
import json
import os
import time
from collections import Counter

import psutil
import pytest

_ME = psutil.Process()


def _tree_cpu() -> float:
    total = 0.0
    for proc in [_ME, *_ME.children(recursive=True)]:
        try:
            t = proc.cpu_times()
        except psutil.Error:  # ended meanwhile: its parent has counted it
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def _record(row: dict) -> None:
    with open(os.environ.get("SUITE_TIMELINE", "suite_timeline.jsonl"), "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"worker": os.environ.get("PYTEST_XDIST_WORKER", "main"), **row}) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start, cpu = time.time(), _tree_cpu()
    yield
    _record({"id": item.nodeid, "start": start, "end": time.time(), "cpu": _tree_cpu() - cpu})


def pytest_sessionstart(session):
    _record({"id": "(session start)", "start": time.time(), "end": time.time(), "cpu": _tree_cpu()})


def _segments(rows: list[dict]) -> list[list]:
    """Consecutive tests of one file as [file, start, end, cpu, tests]."""
    found: list[list] = []
    for row in sorted(rows, key=lambda r: r["start"]):
        name = row["id"].split("::")[0]
        if found and found[-1][0] == name:
            found[-1][2], found[-1][3], found[-1][4] = row["end"], found[-1][3] + row["cpu"], found[-1][4] + 1
        else:
            found.append([name, row["start"], row["end"], row["cpu"], 1])
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jsonl")
    ap.add_argument("--min-seconds", type=float, default=2.0, help="list files with at least this wall or CPU")
    args = ap.parse_args()
    with open(args.jsonl, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    t0 = min(r["start"] for r in rows)
    tests = [r for r in rows if not r["id"].startswith("(")]
    by_file = Counter()
    for r in tests:
        by_file[r["id"].split("::")[0]] += r["cpu"]
    print(f"{len(tests)} tests, CPU of the workers' process trees {sum(by_file.values()):.0f} s")
    for worker in sorted({r["worker"] for r in tests}):
        mine = [r for r in tests if r["worker"] == worker]
        print(f"{worker}: first test at {min(r['start'] for r in mine) - t0:.1f} s, last ended at "
              f"{max(r['end'] for r in mine) - t0:.1f} s, CPU {sum(r['cpu'] for r in mine):.1f} s")
        for name, start, end, cpu, n in _segments(mine):
            if max(end - start, cpu) >= args.min_seconds:
                print(f"  {start - t0:7.1f} - {end - t0:7.1f}  wall {end - start:6.1f}  CPU {cpu:6.1f}  {n:3d} tests  {name}")


if __name__ == "__main__":
    main()

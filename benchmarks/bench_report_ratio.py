"""The report's wait against load + panel of the same data (issue 17, target 1: at most 8x).

    .venv/bin/python benchmarks/bench_report_ratio.py [--repeat 3] [--work /tmp/bench_report_ratio]

Two data sets, each made once in the work folder:

- ``world40k``: `netanalysis simulate --contacts 40000 --months 48 --seed 3 --format canonical`
  (about 238k interactions and 1.9M contact-months);
- ``file1m``: the 1M-interaction canonical file of `bench_scale_data.py` (100,000 contacts,
  the same file `bench_scale.py --sizes 1000000` times).

Each round runs, as separate processes and back to back so a busy spell of the
machine hits all of them, `netanalysis load DIR --out L`, `netanalysis panel L --out P`
and `netanalysis report DIR --out R --no-history`. The ratio of each round is the
report's wall time over load + panel's; the medians over `--repeat` rounds are
printed against the target, with CPU seconds and the load average before each
round (the machine may be shared: wall-time ratios from one run are comparable,
absolute seconds less so). Results go to `WORK/results.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
NETANALYSIS = [sys.executable, "-m", "netanalysis.cli"]
TARGET = 8.0


def make_data(work: Path) -> dict[str, Path]:
    """The two data folders, written once and reused."""
    from bench_scale_data import generate

    world = work / "world40k"
    if not (world / "interactions.csv").exists():
        subprocess.run([*NETANALYSIS, "simulate", "--out", str(world), "--contacts", "40000", "--months", "48",
                        "--seed", "3", "--format", "canonical"], check=True, capture_output=True)
    file1m = work / "file1m"
    if not (file1m / "interactions.csv").exists():
        generate(file1m, interactions=1_000_000, contacts=100_000, months=48, seed=0)
    return {"world40k": world, "file1m": file1m}


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one command (CPU of it and every process it waited for, kernels included)."""
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = os.times()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:])} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def one_round(name: str, data: Path, work: Path) -> dict:
    """load + panel, then the report, on one data set; seconds and the ratio."""
    out = work / "out" / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    load_avg = os.getloadavg()[0]
    load = timed([*NETANALYSIS, "load", str(data), "--out", str(out / "loaded")])
    panel = timed([*NETANALYSIS, "panel", str(out / "loaded"), "--out", str(out / "panel.parquet")])
    report = timed([*NETANALYSIS, "report", str(data), "--out", str(out / "report"), "--no-history"])
    base = load[0] + panel[0]
    return {"load_avg_1m": round(load_avg, 1), "load_s": round(load[0], 2), "panel_s": round(panel[0], 2),
            "report_s": round(report[0], 2), "load_panel_cpu_s": round(load[1] + panel[1], 2),
            "report_cpu_s": round(report[1], 2), "ratio": round(report[0] / base, 2)}


def median_of(rounds: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="rounds per data set (medians reported)")
    ap.add_argument("--work", default="/tmp/bench_report_ratio", help="folder for the data and outputs")
    ap.add_argument("--only", choices=["world40k", "file1m"], help="time one data set only")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    data = make_data(work)
    names = [a.only] if a.only else list(data)
    results: dict[str, list[dict]] = {n: [] for n in names}
    cores = os.cpu_count() or 1
    for k in range(a.repeat):
        for name in names:
            r = one_round(name, data[name], work)
            results[name].append(r)
            print(f"round {k + 1} {name}: load {r['load_s']:.1f} s + panel {r['panel_s']:.1f} s, report "
                  f"{r['report_s']:.1f} s: {r['ratio']:.1f}x (load average {r['load_avg_1m']} on {cores} cores)",
                  flush=True)
    (work / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\n{'data':10s} {'load+panel s':>12s} {'report s':>9s} {'ratio':>7s} {'target':>7s}  "
          f"{'cpu: load+panel':>15s} {'report':>7s}  load average")
    failed = False
    for name, rounds in results.items():
        base = median_of(rounds, "load_s") + median_of(rounds, "panel_s")
        ratio = median_of(rounds, "ratio")
        failed |= ratio > TARGET
        print(f"{name:10s} {base:12.1f} {median_of(rounds, 'report_s'):9.1f} {ratio:6.1f}x {TARGET:6.0f}x  "
              f"{median_of(rounds, 'load_panel_cpu_s'):15.1f} {median_of(rounds, 'report_cpu_s'):7.1f}  "
              f"{min(r['load_avg_1m'] for r in rounds)}-{max(r['load_avg_1m'] for r in rounds)} on {cores} cores"
              f"  {'ok' if ratio <= TARGET else 'ABOVE TARGET'}")
    print("(ratio: median over rounds of report wall time / (load + panel) wall time in the same round)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark, then print the figures of issue 17 against their targets (`make benchmark`).

    .venv/bin/python benchmarks/run_all.py            # 1M interactions: a few minutes on a quiet machine
    NETANALYSIS_BENCH_10M=1 .venv/bin/python benchmarks/run_all.py     # 1M and 10M (10M: ~30 more minutes)
    NETANALYSIS_BENCH_ONLY_SCALE=1 ...                 # skip the other benchmarks, only the table's figures

Each script prints its own figures first. The table at the end gives, per figure
of issue 17, what was measured, the target and whether it is met:

- load + panel against DuckDB writing the same dense panel (at most 2x), at 1M
  and (with NETANALYSIS_BENCH_10M=1) 10M interactions, and `netanalysis panel`
  against DuckDB's panel step from the loaded Parquet (at most 1.5x), from
  `bench_scale.py`: each a median of 3 rounds, every round running ours and
  DuckDB back to back, so both meet the same load on the machine;
- peak memory of load and panel at 10M;
- the report against its own load + panel (at most 8x), from
  `bench_report_ratio.py` when it is there. Its contract: the last line it
  prints is a JSON list of ``{"figure", "measured", "target", "pass"}`` rows,
  which go into the table as they are;
- with NETANALYSIS_BENCH_10M=1, the report at 10M interactions (under 10
  minutes, under 12 GB for the runner and its kernels, the same summary.json
  with `--engine dask`), from `bench_report_10m.py --dask`, by the same contract.

The load average at the start is printed with the table: on a busy machine the
wall times grow, the ratios much less.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = Path(os.environ.get("NETANALYSIS_BENCH_WORK", "/tmp/netanalysis-bench"))
RUNS = [
    ["bench_classroom.py"],
    ["bench_report.py"],
    ["bench_returns.py"],
    ["bench_predict.py", "--sample"],
    ["bench_network.py"],
    ["bench_linkedin_load.py"],
    ["bench_exports_load.py"],
]
MAX_RATIO, MAX_PANEL_RATIO, MAX_PEAK_GB = 2.0, 1.5, 12.0


def _run(args: list[str]) -> tuple[int, str]:
    """Run one benchmark script, its output shown as it comes; returns its exit code and output."""
    print(f"\n=== {' '.join(args)}", flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE / args[0]), *args[1:]], stdout=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    code = proc.wait()
    print(f"=== {args[0]}: exit {code}, {time.perf_counter() - start:.1f} s", flush=True)
    return code, "".join(lines)


def _row(figure: str, measured, target: str, ok: bool | None) -> dict:
    return {"figure": figure, "measured": measured, "target": target,
            "pass": "n/a" if ok is None else ("pass" if ok else "FAIL")}


def scale_rows(results: list[dict]) -> list[dict]:
    """The load + panel, panel step and memory figures of `bench_scale.py`'s results.json."""
    rows = []
    for r in results:
        size = f"{r['interactions'] // 1_000_000}M"
        same = all(c["same_numbers"] for c in r["checks"])
        rows.append(_row(f"load+panel / DuckDB dense panel, {size} (same numbers: {same})",
                         f"{r['ratio_to_duckdb_wall']}x (rounds {r['ratio_to_duckdb_wall_by_round']})",
                         f"<= {MAX_RATIO}x", same and r["ratio_to_duckdb_wall"] <= MAX_RATIO))
        rows.append(_row(f"panel / DuckDB panel step, {size}",
                         f"{r['panel_ratio_to_duckdb_step_wall']}x (rounds {r['panel_ratio_to_duckdb_step_wall_by_round']})",
                         f"<= {MAX_PANEL_RATIO}x", same and r["panel_ratio_to_duckdb_step_wall"] <= MAX_PANEL_RATIO))
        if r["interactions"] >= 10_000_000:
            gb = r["peak_rss_mb_max"] / 1024
            rows.append(_row(f"peak memory of load and of panel, {size}", f"{gb:.1f} GB", f"< {MAX_PEAK_GB:.0f} GB",
                             gb < MAX_PEAK_GB))
    return rows


def report_rows() -> list[dict]:
    """The report's figures, from bench_report_ratio.py (its last line: a JSON list of rows)."""
    script = HERE / "bench_report_ratio.py"
    if not script.exists():
        return [_row("report / its load+panel (40k-contact world, 1M)", "not measured (bench_report_ratio.py missing)",
                     "<= 8x", None)]
    return json_rows([script.name], "report / its load+panel", "<= 8x")


def report_10m_rows() -> list[dict]:
    """The 10M report's figures (wall, peak memory, dask's same numbers), from bench_report_10m.py."""
    if not os.environ.get("NETANALYSIS_BENCH_10M"):
        return [_row("report at 10M interactions: wall; peak memory; dask same numbers",
                     "not run (NETANALYSIS_BENCH_10M=1)", "< 600 s; < 12 GB; same", None)]
    return json_rows(["bench_report_10m.py", "--dask"], "report at 10M interactions", "< 600 s; < 12 GB")


def json_rows(args: list[str], figure: str, target: str) -> list[dict]:
    """Run a benchmark whose last printed line is a JSON list of table rows; its rows (one row saying where to
    look when it printed none)."""
    code, out = _run(args)
    last = out.strip().splitlines()[-1] if out.strip() else ""
    try:
        rows = json.loads(last)
        return [_row(r["figure"], r["measured"], r["target"], r["pass"] if isinstance(r["pass"], bool) else None)
                for r in rows]
    except (ValueError, KeyError, TypeError):
        return [_row(figure, f"see the output above (exit {code})", target, None)]


def print_table(rows: list[dict], load_average: float) -> None:
    widths = [max(len(str(r[k])) for r in rows + [{k: k for k in rows[0]}]) for k in rows[0]]
    print(f"\nIssue 17 figures (load average at the start: {load_average:.1f} on {os.cpu_count()} cores)")
    for r in [{k: k for k in rows[0]}, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(r.values(), widths)))


def main() -> int:
    load_average = os.getloadavg()[0]
    failed = []
    if not os.environ.get("NETANALYSIS_BENCH_ONLY_SCALE"):
        failed += [args[0] for args in RUNS if _run(args)[0]]
    sizes = ["1000000", "10000000"] if os.environ.get("NETANALYSIS_BENCH_10M") else ["1000000"]
    code, _ = _run(["bench_scale.py", "--sizes", *sizes, "--work", str(WORK)])
    results = json.loads((WORK / "results.json").read_text()) if code == 0 else []
    if code:
        failed.append("bench_scale.py")
    rows = scale_rows(results)
    if not os.environ.get("NETANALYSIS_BENCH_10M"):
        rows.append(_row("load+panel / DuckDB, 10M; peak memory at 10M", "not run (NETANALYSIS_BENCH_10M=1)",
                         f"<= {MAX_RATIO}x; < {MAX_PEAK_GB:.0f} GB", None))
    rows += report_rows()
    rows += report_10m_rows()
    print_table(rows, load_average)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

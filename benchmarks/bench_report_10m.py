"""The report at 10M interactions (issue 17, target 2): under 10 minutes, under 12 GB, the same numbers on dask.

    .venv/bin/python benchmarks/bench_report_10m.py [--data DIR] [--work /tmp/bench_report_10m] [--dask]
                                                    [--notebooks 01 02 03]

The data is the canonical CSV folder of `bench_scale_data.py --interactions
10000000 --contacts 1000000` (1M contacts over 48 months, about 20M
contact-months), made once in `--work` unless `--data` names one.
`netanalysis report DATA --out R --no-history` runs as a child process; its wall
and CPU seconds (the runner and every kernel) and the peak summed memory of the
runner and its kernels, sampled every half second (`tree_memory.py`), are
printed against the targets, with each notebook's own run time (papermill's
record in the executed notebooks). With `--dask` the report runs again with
`--engine dask` and the two `summary.json` are compared key by key (timing
fields aside). `--notebooks` runs only some notebooks (to time a part).

The last line printed is a JSON list of ``{"figure", "measured", "target",
"pass"}`` rows: `run_all.py` puts them into its table (with NETANALYSIS_BENCH_10M=1).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
NETANALYSIS = [sys.executable, "-m", "netanalysis.cli"]
MAX_WALL_S, MAX_PEAK_GB = 600.0, 12.0
TIMING_KEYS = ("duration", "seconds", "elapsed", "generated", "created")


def make_data(work: Path) -> Path:
    """The 10M-interaction canonical folder, written once."""
    from bench_scale_data import generate

    data = work / "file10m"
    if not (data / "interactions.csv").exists():
        generate(data, interactions=10_000_000, contacts=1_000_000, months=48, seed=0)
    return data


def run_report(data: Path, out: Path, engine: str, notebooks: list[str]) -> dict:
    """One report run, measured (`tree_memory.measure`); its figures and each notebook's seconds."""
    from tree_memory import measure

    from netanalysis.report.runner import report_notebooks

    shutil.rmtree(out, ignore_errors=True)
    cmd = [*NETANALYSIS, "report", str(data), "--out", str(out), "--no-history", "--engine", engine]
    if notebooks:  # the CLI runs every notebook: run_report is told which
        chosen = [str(p) for p in report_notebooks() if p.stem[:2] in notebooks or p.stem in notebooks]
        cmd = [sys.executable, "-c", "import sys; from netanalysis.report.runner import run_report; "
               f"run_report([{str(data)!r}], out={str(out)!r}, history=False, engine={engine!r}, "
               f"notebooks=[__import__('pathlib').Path(p) for p in {chosen!r}])"]
    res = measure(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res["returncode"] != 0:
        print(f"report --engine {engine} failed ({res['returncode']}):\n{res['stderr'][-3000:]}", flush=True)
    res["notebook_s"] = notebook_seconds(out)
    return res


def notebook_seconds(report: Path) -> dict:
    """Each executed notebook's run time, as papermill recorded it in the notebook's metadata."""
    out = {}
    for nb in sorted(report.glob("[0-9][0-9]_*.ipynb")):
        meta = json.loads(nb.read_text(encoding="utf-8")).get("metadata", {}).get("papermill", {})
        if meta.get("duration") is not None:
            out[nb.stem] = round(float(meta["duration"]), 1)
    return out


def flat(d, prefix: str = "") -> dict:
    """Nested dicts and lists as one level of dotted keys."""
    out = {}
    items = d.items() if isinstance(d, dict) else enumerate(d)
    for k, v in items:
        key = f"{prefix}{k}" if isinstance(d, dict) else f"{prefix[:-1]}[{k}]."
        if isinstance(v, (dict, list)):
            out.update(flat(v, key + "." if isinstance(d, dict) else key))
        else:
            out[key.rstrip(".")] = v
    return out


def compare_summaries(a: Path, b: Path, rel: float = 1e-7) -> list[str]:
    """Keys whose values differ between two summary.json (floats beyond `rel`), timing fields left out."""
    fa, fb = (flat(json.loads(p.read_text())) for p in (a, b))
    diffs = []
    for key in sorted(set(fa) | set(fb)):
        if any(t in key for t in TIMING_KEYS):
            continue
        x, y = fa.get(key, "<missing>"), fb.get(key, "<missing>")
        same = x == y or (isinstance(x, float) and isinstance(y, (int, float)) and not isinstance(y, bool)
                          and math.isclose(x, y, rel_tol=rel, abs_tol=1e-12))
        if not same:
            diffs.append(f"{key}: {x!r} != {y!r}")
    return diffs


def describe(name: str, res: dict) -> None:
    cores = os.cpu_count() or 1
    print(f"{name}: wall {res['wall_s']:.0f} s (target < {MAX_WALL_S:.0f}), CPU {res['cpu_s']:.0f} s on {cores} cores, "
          f"peak memory of the runner and its kernels {res['peak_tree_pss_gb']:.1f} GB with shared pages counted "
          f"once (PSS; target < {MAX_PEAK_GB:.0f}), {res['peak_tree_gb']:.1f} GB counting them in every process (RSS)",
          flush=True)
    for stem, s in res["notebook_s"].items():
        print(f"  {stem}: {s:.0f} s", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="a canonical CSV folder to report on (default: made in --work)")
    ap.add_argument("--work", default="/tmp/bench_report_10m", help="folder for the data and the reports")
    ap.add_argument("--dask", action="store_true", help="also run --engine dask and compare the summaries")
    ap.add_argument("--notebooks", nargs="*", default=[], help="only these notebooks (e.g. 01 02 03)")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    data = Path(a.data) if a.data else make_data(work)
    load_average = os.getloadavg()[0]
    print(f"report on {data} (load average at the start {load_average:.1f})", flush=True)
    rows = []
    pandas_run = run_report(data, work / "report_pandas", "pandas", a.notebooks)
    describe("report --engine pandas", pandas_run)
    ok = pandas_run["returncode"] == 0
    part = f" ({', '.join(a.notebooks)})" if a.notebooks else ""
    rows.append({"figure": f"report at 10M interactions{part}: wall, CPU", "target": f"< {MAX_WALL_S:.0f} s",
                 "measured": f"{pandas_run['wall_s']:.0f} s wall, {pandas_run['cpu_s']:.0f} s CPU "
                             f"(load average {load_average:.1f})",
                 "pass": ok and pandas_run["wall_s"] < MAX_WALL_S})
    rows.append({"figure": f"report at 10M interactions{part}: peak memory (runner + kernels, shared pages once)",
                 "measured": f"{pandas_run['peak_tree_pss_gb']:.1f} GB PSS ({pandas_run['peak_tree_gb']:.1f} GB summed RSS)",
                 "target": f"< {MAX_PEAK_GB:.0f} GB", "pass": ok and pandas_run["peak_tree_pss_gb"] < MAX_PEAK_GB})
    if a.dask:
        dask_run = run_report(data, work / "report_dask", "dask", a.notebooks)
        describe("report --engine dask", dask_run)
        both = ok and dask_run["returncode"] == 0
        diffs = compare_summaries(work / "report_pandas" / "summary.json", work / "report_dask" / "summary.json") \
            if both else ["not compared: a run failed"]
        for d in diffs:
            print("  differs: " + d, flush=True)
        rows.append({"figure": f"report --engine dask at 10M{part}: same summary.json",
                     "measured": "same numbers" if not diffs else f"{len(diffs)} keys differ",
                     "target": "same numbers", "pass": both and not diffs})
    print(json.dumps(rows))
    return 0 if all(r["pass"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

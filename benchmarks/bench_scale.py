"""Scale benchmark: `netanalysis load` + `netanalysis panel` against DuckDB and naive pandas.

    .venv/bin/python benchmarks/bench_scale.py --sizes 1000000 10000000 --report-size 1000000

For each size it generates canonical CSVs (benchmarks/bench_scale_data.py, ten
interactions per contact over 48 months), then runs, each as its own process
under `/usr/bin/time -v` (wall time, CPU time, peak RSS):

1. `netanalysis load DIR --out LOADED` and `netanalysis panel LOADED --out panel.parquet`,
   as a user runs them;
2. an independent DuckDB implementation of the same panel (below; SQL from the
   CSV files: dedupe, channel default minutes, dense months per unit, stock by
   a window-sum trick, outcomes), writing Parquet;
3. a naive pandas version (groupby-apply per unit, a Python loop for the stock),
   for sizes up to `--naive-max`.

Steps 1 and 2 run `--repeat` rounds (default 3), each round ours then DuckDB back
to back, so a busy spell of the machine hits both; medians and the ratio of each
round are reported. The DuckDB process imports nothing but duckdb.

It then checks that the panels agree (rows, active unit-months, minutes, stock
sums, won outcomes) and prints a table of times, ratios, rows per second and
peak memory; `--report-size N` also times `netanalysis report` on N rows.
Results go to `WORKDIR/results.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
NETANALYSIS = [PY, "-m", "netanalysis.cli"]
HALF_LIFE = 3.0
LOAD, PANEL, DUCK, DUCK_PANEL = "netanalysis load", "netanalysis panel", "duckdb reference", "duckdb panel step"
DEFAULT_MINUTES = {"meeting": 60.0, "event": 90.0, "call": 20.0, "recommendation": 15.0, "email": 5.0, "message": 2.0}


# -- the independent references -------------------------------------------------

# From the canonical CSVs: the distinct rows, cleaned as `load` cleans them.
DUCKDB_READ_CSV = """
SET TimeZone = 'UTC';
CREATE TEMP TABLE raw AS
  SELECT DISTINCT trim(contact_id) AS unit,
         date_trunc('second', CAST(trim("timestamp") AS TIMESTAMPTZ)) AS ts,
         lower(trim(channel)) AS channel,
         coalesce(lower(nullif(trim(direction), '')), 'unknown') AS direction,
         nullif(trim(duration_minutes), '') AS dur_raw
  FROM read_csv('{inter}', all_varchar = true, header = true);
CREATE TEMP TABLE outc AS
  SELECT trim(contact_id) AS unit, CAST(trim("timestamp") AS TIMESTAMPTZ) AS ts,
         coalesce(lower(nullif(trim(status), '')), 'won') AS status, CAST(nullif(trim(value), '') AS DOUBLE) AS value
  FROM read_csv('{outc}', all_varchar = true, header = true);
"""
# The panel step alone: from the tables `netanalysis load` wrote (deduplicated and cleaned already).
DUCKDB_READ_LOADED = """
SET TimeZone = 'UTC';
CREATE TEMP TABLE raw AS
  SELECT contact_id AS unit, "timestamp" AS ts, channel, direction, duration_minutes AS dur_raw
  FROM read_parquet('{inter}');
CREATE TEMP TABLE outc AS
  SELECT contact_id AS unit, "timestamp" AS ts, status, value FROM read_parquet('{outc}');
"""
DUCKDB_PANEL = """
CREATE TEMP TABLE cut AS
  SELECT greatest((SELECT max(ts) FROM raw), (SELECT max(ts) FROM outc)) AS cut_ts;
CREATE TEMP TABLE cut_m AS SELECT year(cut_ts) * 12 + month(cut_ts) - 1 AS m FROM cut;
CREATE TEMP TABLE monthly AS
  SELECT unit, year(ts) * 12 + month(ts) - 1 AS m, count(*) AS touches,
         sum(coalesce(CAST(dur_raw AS DOUBLE), CASE channel {cases} ELSE 1.0 END)) AS minutes,
         count(*) FILTER (WHERE direction = 'inbound') AS inbound,
         count(*) FILTER (WHERE direction = 'outbound') AS outbound
  FROM raw WHERE ts <= (SELECT cut_ts FROM cut) GROUP BY ALL;
CREATE TEMP TABLE units AS SELECT unit, min(m) AS first_m FROM monthly GROUP BY unit;
CREATE TEMP TABLE grid AS
  SELECT unit, first_m, unnest(range(first_m, (SELECT m FROM cut_m) + 1)) AS m FROM units;
CREATE TEMP TABLE won AS
  SELECT unit, year(ts) * 12 + month(ts) - 1 AS m, count(*) AS outcomes_won, sum(coalesce(value, 0)) AS value_won
  FROM outc WHERE status = 'won' AND ts <= (SELECT cut_ts FROM cut) GROUP BY ALL;
COPY (
  SELECT g.unit AS contact_id, g.m AS month, coalesce(x.touches, 0) AS touches, coalesce(x.minutes, 0.0) AS minutes,
         coalesce(x.inbound, 0) AS inbound, coalesce(x.outbound, 0) AS outbound,
         sum(coalesce(x.minutes, 0.0)) OVER w AS cum_minutes,
         -- stock_k = sum_j minutes_j d^(k-j) = d^k * cumsum(minutes_j d^-j), exact enough for histories of a few years
         pow({d}, g.m - g.first_m) * sum(coalesce(x.minutes, 0.0) * pow({d}, -(g.m - g.first_m))) OVER w AS stock,
         g.m - g.first_m AS months_since_first,
         g.m - max(CASE WHEN x.touches > 0 THEN g.m END) OVER w AS months_since_last,
         coalesce(o.outcomes_won, 0) AS outcomes_won, coalesce(o.value_won, 0.0) AS value_won
  FROM grid g LEFT JOIN monthly x USING (unit, m) LEFT JOIN won o USING (unit, m)
  WINDOW w AS (PARTITION BY g.unit ORDER BY g.m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) TO '{out}' (FORMAT parquet);
"""


def duckdb_panel(folder: Path, out: Path, loaded: bool = False) -> None:
    """The panel of DESIGN.md in DuckDB SQL, from the canonical CSVs (or from a loaded folder's Parquet)."""
    import duckdb

    cases = " ".join(f"WHEN '{k}' THEN {v}" for k, v in DEFAULT_MINUTES.items())
    read, ext = (DUCKDB_READ_LOADED, "parquet") if loaded else (DUCKDB_READ_CSV, "csv")
    sql = (read + DUCKDB_PANEL).format(inter=folder / f"interactions.{ext}", outc=folder / f"outcomes.{ext}", out=out,
                                       cases=cases, d=0.5 ** (1 / HALF_LIFE))
    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count() or 1}")
    for stmt in [s for s in sql.split(";") if s.strip()]:
        con.execute(stmt)


def naive_panel(csv_dir: Path, out: Path) -> None:
    """The same panel the obvious pandas way: groupby-apply per unit, a Python loop for the stock."""
    import numpy as np
    import pandas as pd

    inter = pd.read_csv(csv_dir / "interactions.csv", dtype=str, keep_default_na=False)
    inter["ts"] = pd.to_datetime(inter["timestamp"], utc=True).dt.floor("s")
    inter = inter.drop_duplicates(["contact_id", "ts", "channel", "direction", "duration_minutes"])
    dur = pd.to_numeric(inter["duration_minutes"].replace("", np.nan))
    inter["minutes"] = dur.fillna(inter["channel"].map(DEFAULT_MINUTES).fillna(1.0))
    outc = pd.read_csv(csv_dir / "outcomes.csv", dtype=str, keep_default_na=False)
    outc["ts"] = pd.to_datetime(outc["timestamp"], utc=True)
    cut = max(inter["ts"].max(), outc["ts"].max())
    cut_m = cut.year * 12 + cut.month - 1
    inter["m"] = inter["ts"].dt.year * 12 + inter["ts"].dt.month - 1
    won = outc[outc["status"].replace("", "won") == "won"].copy()
    won["m"] = won["ts"].dt.year * 12 + won["ts"].dt.month - 1
    won["value"] = pd.to_numeric(won["value"].replace("", np.nan)).fillna(0.0)
    won_by = won.groupby(["contact_id", "m"]).agg(outcomes_won=("value", "size"), value_won=("value", "sum"))
    d = 0.5 ** (1 / HALF_LIFE)

    def one_unit(g: pd.DataFrame) -> pd.DataFrame:
        unit = g.name
        months = range(int(g["m"].min()), cut_m + 1)
        by_m = g.groupby("m").agg(touches=("minutes", "size"), minutes=("minutes", "sum"),
                                  inbound=("direction", lambda s: int((s == "inbound").sum())),
                                  outbound=("direction", lambda s: int((s == "outbound").sum())))
        rows, stock, cum, last = [], 0.0, 0.0, None
        for k, m in enumerate(months):
            r = by_m.loc[m] if m in by_m.index else None
            mins = float(r["minutes"]) if r is not None else 0.0
            stock = stock * d + mins
            cum += mins
            if r is not None:
                last = m
            o = won_by.loc[(unit, m)] if (unit, m) in won_by.index else None
            rows.append((m, int(r["touches"]) if r is not None else 0, mins, stock, cum, k, m - last,
                         int(o["outcomes_won"]) if o is not None else 0))
        return pd.DataFrame(rows, columns=["month", "touches", "minutes", "stock", "cum_minutes",
                                           "months_since_first", "months_since_last", "outcomes_won"])

    panel = inter.groupby("contact_id").apply(one_unit, include_groups=False).reset_index(level=0)
    panel.to_parquet(out, index=False)


# -- running and measuring ----------------------------------------------------------

def timed(cmd: list[str], label: str, log: Path) -> dict:
    """Run `cmd` under /usr/bin/time -v; wall seconds, CPU seconds and peak RSS (MB)."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    log.write_text(proc.stdout + "\n---\n" + proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed ({proc.returncode}); see {log}\n{proc.stderr[-2000:]}")

    def field(name):
        m = re.search(rf"{re.escape(name)}: ([0-9.]+)", proc.stderr)
        return float(m.group(1)) if m else float("nan")

    return {"step": label, "wall_s": round(wall, 2), "cpu_s": round(field("User time (seconds)") + field("System time (seconds)"), 2),
            "peak_rss_mb": round(field("Maximum resident set size (kbytes)") / 1024, 1)}


def compare(ours: Path, reference: Path, name: str) -> dict:
    """Do the two panels hold the same numbers?"""
    import numpy as np
    import pandas as pd

    a = pd.read_parquet(ours)
    b = pd.read_parquet(reference)
    a = a.assign(month=a["period"].dt.year * 12 + a["period"].dt.month - 1).sort_values(["contact_id", "month"])
    b = b.sort_values(["contact_id", "month"])
    out = {"reference": name, "rows": [len(a), len(b)],
           "active_unit_months": [int((a["touches"] > 0).sum()), int((b["touches"] > 0).sum())],
           "stock_sum": [float(a["stock"].sum()), float(b["stock"].sum())],
           "minutes_sum": [float(a["minutes"].sum()), float(b["minutes"].sum())],
           "outcomes_won": [int(a["outcomes_won"].sum()), int(b["outcomes_won"].sum())]}
    same = len(a) == len(b)
    if same:
        same = (np.array_equal(a["contact_id"].astype(str).to_numpy(), b["contact_id"].astype(str).to_numpy())
                and np.array_equal(a["month"].to_numpy(), b["month"].to_numpy())
                and np.array_equal(a["touches"].to_numpy(), b["touches"].to_numpy())
                and np.allclose(a["minutes"], b["minutes"]) and np.allclose(a["stock"], b["stock"], rtol=1e-9, atol=1e-6)
                and np.allclose(a["cum_minutes"], b["cum_minutes"])
                and np.array_equal(a["months_since_last"].to_numpy(), b["months_since_last"].to_numpy())
                and np.array_equal(a["outcomes_won"].to_numpy(), b["outcomes_won"].to_numpy()))
    out["same_numbers"] = bool(same)
    return out


def _median_step(runs: list[dict]) -> dict:
    """The run with the median wall time, with every run's wall time kept."""
    ranked = sorted(runs, key=lambda r: r["wall_s"])
    mid = dict(ranked[len(ranked) // 2])
    mid["runs_wall_s"] = [r["wall_s"] for r in runs]
    mid["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return mid


def bench_size(n: int, work: Path, naive_max: int, report: bool, repeat: int) -> dict:
    sys.path.insert(0, str(HERE))
    from bench_scale_data import generate

    csv_dir = work / f"csv_{n}"
    if not (csv_dir / "interactions.csv").exists():
        generate(csv_dir, interactions=n, contacts=max(10, n // 10), months=48, seed=0)
    logs = work / f"logs_{n}"
    logs.mkdir(parents=True, exist_ok=True)
    loaded, panel = work / f"loaded_{n}", work / f"panel_{n}.parquet"
    # Each round runs ours and the reference back to back, so a busy spell of the machine
    # hits both; the median round is reported.
    rounds: dict[str, list] = {step: [] for step in (LOAD, PANEL, DUCK, DUCK_PANEL)}
    for _ in range(repeat):
        rounds[LOAD].append(timed([*NETANALYSIS, "load", str(csv_dir), "--out", str(loaded)], LOAD, logs / "load.txt"))
        rounds[PANEL].append(timed([*NETANALYSIS, "panel", str(loaded), "--out", str(panel), "--half-life",
                                    str(HALF_LIFE)], PANEL, logs / "panel.txt"))
        rounds[DUCK].append(timed([PY, str(Path(__file__)), "--duckdb-only", str(csv_dir),
                                   str(work / f"duck_{n}.parquet")], DUCK, logs / "duckdb.txt"))
        rounds[DUCK_PANEL].append(timed([PY, str(Path(__file__)), "--duckdb-loaded-only", str(loaded),
                                         str(work / f"duck_step_{n}.parquet")], DUCK_PANEL, logs / "duckdb_step.txt"))
    steps = [_median_step(runs) for runs in rounds.values()]
    pair = [a["wall_s"] + b["wall_s"] for a, b in zip(rounds[LOAD], rounds[PANEL])]
    pair_ratios = [o / d["wall_s"] for o, d in zip(pair, rounds[DUCK])]
    panel_ratios = [o["wall_s"] / d["wall_s"] for o, d in zip(rounds[PANEL], rounds[DUCK_PANEL])]
    checks = [compare(panel, work / f"duck_{n}.parquet", "duckdb"),
              compare(panel, work / f"duck_step_{n}.parquet", "duckdb panel step")]
    if n <= naive_max:
        steps.append(timed([PY, str(Path(__file__)), "--naive-only", str(csv_dir), str(work / f"naive_{n}.parquet")],
                           "naive pandas", logs / "naive.txt"))
        checks.append(compare(panel, work / f"naive_{n}.parquet", "naive pandas"))
    if report:
        steps.append(timed([*NETANALYSIS, "report", str(csv_dir), "--out", str(work / f"report_{n}")],
                           "netanalysis report", logs / "report.txt"))
    by = {s["step"]: s for s in steps}
    ours = by[LOAD]["wall_s"] + by[PANEL]["wall_s"]
    ours_cpu = by[LOAD]["cpu_s"] + by[PANEL]["cpu_s"]
    summary = {
        "interactions": n, "repeat": repeat, "steps": steps, "checks": checks,
        "load_plus_panel_wall_s": round(ours, 2), "load_plus_panel_cpu_s": round(ours_cpu, 2),
        # Each round's ratio is taken between runs back to back; the median round's is the figure.
        "ratio_to_duckdb_wall": round(statistics.median(pair_ratios), 2),
        "ratio_to_duckdb_wall_by_round": [round(r, 2) for r in pair_ratios],
        "ratio_to_duckdb_cpu": round(ours_cpu / by[DUCK]["cpu_s"], 2),
        "panel_ratio_to_duckdb_step_wall": round(statistics.median(panel_ratios), 2),
        "panel_ratio_to_duckdb_step_wall_by_round": [round(r, 2) for r in panel_ratios],
        "rows_per_second_load_plus_panel": round(n / ours),
        "peak_rss_mb_max": max(by[LOAD]["peak_rss_mb"], by[PANEL]["peak_rss_mb"]),
    }
    if "naive pandas" in by:
        summary["naive_over_ours_wall"] = round(by["naive pandas"]["wall_s"] / ours, 2)
    return summary


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--work", default="/tmp/netanalysis-bench")
    ap.add_argument("--naive-max", type=int, default=100_000, help="largest size the naive pandas version runs on")
    ap.add_argument("--report-size", type=int, default=0, help="also time `netanalysis report` at this size")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of load, panel and DuckDB per size (medians reported)")
    ap.add_argument("--duckdb-only", nargs=2, metavar=("CSV_DIR", "OUT"))
    ap.add_argument("--duckdb-loaded-only", nargs=2, metavar=("LOADED_DIR", "OUT"))
    ap.add_argument("--naive-only", nargs=2, metavar=("CSV_DIR", "OUT"))
    a = ap.parse_args(argv)
    if a.duckdb_only:
        return duckdb_panel(Path(a.duckdb_only[0]), Path(a.duckdb_only[1]))
    if a.duckdb_loaded_only:
        return duckdb_panel(Path(a.duckdb_loaded_only[0]), Path(a.duckdb_loaded_only[1]), loaded=True)
    if a.naive_only:
        return naive_panel(Path(a.naive_only[0]), Path(a.naive_only[1]))
    if not Path("/usr/bin/time").exists():
        raise SystemExit("/usr/bin/time is missing: apt-get install -y time")
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    load_avg = os.getloadavg()[0]
    results = []
    for n in a.sizes:
        r = bench_size(n, work, a.naive_max, report=(n == a.report_size), repeat=a.repeat)
        r["load_average_at_start"] = round(load_avg, 1)
        results.append(r)
        print(json.dumps(r, indent=1), flush=True)
        (work / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\n{'size':>10} {'step':<20} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for r in results:
        for s in r["steps"]:
            print(f"{r['interactions']:>10} {s['step']:<20} {s['wall_s']:>8} {s['cpu_s']:>8} {s['peak_rss_mb']:>8}")
        print(f"{'':>10} load+panel / duckdb: {r['ratio_to_duckdb_wall']} (wall), {r['ratio_to_duckdb_cpu']} (cpu); "
              f"panel / duckdb panel step: {r['panel_ratio_to_duckdb_step_wall']}; "
              f"{r['rows_per_second_load_plus_panel']} rows/s; same numbers: "
              + ", ".join(f"{c['reference']}={c['same_numbers']}" for c in r["checks"]))


if __name__ == "__main__":
    main()

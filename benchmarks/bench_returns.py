"""Time the whole delayed-returns analysis on 5,000 units over 4 years (target: under 60 s).

    .venv/bin/python benchmarks/bench_returns.py                 # timing
    .venv/bin/python benchmarks/bench_returns.py --coverage 20   # ground-truth study over seeds 0..19

The timing runs what notebook 03 computes (Kaplan-Meier, segments with log-rank,
lags and bootstrap, cohorts, the half-life profile and its reverse-causation
twin, the lag shape, the verdict's evidence, dose-response, distributed lag) and its figures, on a simulated world
built in memory. The coverage study repeats the ground-truth test for many seeds
and reports how often the estimate is within 30% of the truth and the 95%
interval covers it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_returns_truth import world_dataset

from netanalysis.analysis.returns.carryover import dose_response, hazard_rows, lag_profile, profile_half_life
from netanalysis.analysis.returns.cohorts import cohort_table, cohort_triangle
from netanalysis.analysis.returns.evidence import assess_delayed_returns
from netanalysis.analysis.returns.first_outcome import (
    first_outcome_table,
    outcome_lags,
    outcome_share_by_month,
    within_days_share,
)
from netanalysis.analysis.returns.kaplan_meier import KaplanMeier
from netanalysis.analysis.returns.lag_shape import LagShapeFit
from netanalysis.analysis.returns.segments import compare_segments
from netanalysis.plots import general as plots
from netanalysis.plots import returns as plots_returns
from netanalysis.simulate.world import simulate_world


def analysis(ds, unit: str = "contact") -> dict:
    """Everything notebook 03 computes, with the seconds each step took."""
    times, out = {}, {}
    t = time.perf_counter()

    def lap(name):
        nonlocal t
        now = time.perf_counter()
        times[name] = now - t
        t = now

    table = first_outcome_table(ds, unit=unit)
    km = KaplanMeier.fit(table["months"], table["event"])
    out["p12"] = km.probability_by(12)
    plots.kaplan_meier({"": km.curve()})
    lap("kaplan_meier")
    seg = compare_segments(table, "first_contact_year")
    plots.kaplan_meier(seg.curves)
    lap("segments_logrank")
    lags = outcome_lags(ds, unit=unit)
    out["within_30d"] = within_days_share(lags, 30)
    plots.lag_distribution(lags["lag_months"])
    plots_returns.outcome_share_by_month(outcome_share_by_month(lags))
    lap("lags_bootstrap")
    long = cohort_table(ds, unit=unit)
    cohort_triangle(long)
    plots_returns.cohort_curves(long)
    lap("cohorts")
    rows = hazard_rows(ds, unit=unit)
    lap("hazard_rows")
    prof = profile_half_life(rows)
    out["half_life"] = (prof.best, prof.ci, prof.reason)
    plots_returns.half_life_profile(prof.table(), prof.best, prof.ci)
    lap("half_life_profile")
    sens = profile_half_life(rows, gap_months=1)
    out["half_life_gap1"] = (sens.best, sens.ci, sens.reason)
    lap("reverse_causation_profile")
    shape = LagShapeFit().fit(rows)
    out["lag_shape"] = shape.shape_
    lap("lag_shape")
    # the verdict's designs: pooled and exclusion-window link tests (one null fit), within-unit profile and test
    ev = assess_delayed_returns(rows, pooled=prof, lag_shape=shape.shape_ or "geometric", n_boot=199)
    out["verdict"] = ev.verdict.code
    lap("evidence")
    plots_returns.dose_response(dose_response(rows, prof))
    lap("dose_response")
    plots_returns.lag_profile(lag_profile(rows, 12))
    lap("distributed_lag")
    out["rows"], out["events"] = rows.n_rows, rows.n_events
    return {"times": times, "out": out}


def timing(contacts: int, months: int, seed: int) -> None:
    t0 = time.perf_counter()
    world = simulate_world(contacts=contacts, months=months, seed=seed, half_life_months=3.0)
    ds = world_dataset(world)
    t1 = time.perf_counter()
    print(f"simulated {contacts} contacts over {months} months in {t1 - t0:.1f} s: {len(ds.interactions)} interactions, "
          f"{int((ds.outcomes['status'] == 'won').sum())} won outcomes")
    for unit in ("contact", "account"):
        t, cpu = time.perf_counter(), time.process_time()
        r = analysis(ds, unit)
        total, cpu = time.perf_counter() - t, time.process_time() - cpu
        steps = ", ".join(f"{k} {v:.1f}" for k, v in r["times"].items())
        print(f"unit={unit}: whole analysis {total:.1f} s wall, {cpu:.1f} s CPU "
              f"({r['out']['rows']} unit-months, {r['out']['events']} with a win; load average {os.getloadavg()[0]:.1f})")
        print(f"  steps (s): {steps}")
        print(f"  half-life (truth 3.0): {r['out']['half_life']}")


def coverage(seeds: int, contacts: int, months: int) -> None:
    for truth in (1.5, 6.0):
        within, covered = 0, 0
        for seed in range(seeds):
            world = simulate_world(contacts=contacts, months=months, seed=seed, half_life_months=truth)
            prof = profile_half_life(hazard_rows(world_dataset(world)))
            ok = prof.best is not None and abs(prof.best / truth - 1) < 0.3
            cov = prof.best is not None and None not in prof.ci and prof.ci[0] <= truth <= prof.ci[1]
            within += ok
            covered += cov
            print(f"truth {truth}: seed {seed}: {prof.short()}", flush=True)
        print(f"truth {truth}: within 30% in {within}/{seeds}, 95% interval covers in {covered}/{seeds}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contacts", type=int, default=5000)
    ap.add_argument("--months", type=int, default=48)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--coverage", type=int, default=0, help="run the ground-truth study over this many seeds")
    a = ap.parse_args()
    np.seterr(all="ignore")
    if a.coverage:
        coverage(a.coverage, 4000 if a.contacts == 5000 else a.contacts, 36 if a.months == 48 else a.months)
    else:
        timing(a.contacts, a.months, a.seed)

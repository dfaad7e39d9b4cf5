"""Time notebook 04's prediction on simulated worlds, and print the held-out AUCs next to the truth.

    .venv/bin/python benchmarks/bench_predict.py                      # 2,000 and 10,000 contacts over 3 years
    .venv/bin/python benchmarks/bench_predict.py --contacts 400 --seeds 0 1 2
    .venv/bin/python benchmarks/bench_predict.py --sample             # the bundled sample (data/sample)
    .venv/bin/python benchmarks/bench_predict.py --loaded L           # a folder written by `netanalysis load`

With `--loaded`, notebook 04's call on that data, step by step: CPU seconds
(this process; the machine may be shared, so wall seconds are noisier) for the
features, the leakage guard, the held-out evaluation, the rolling origins and
the follow-up list, then the held-out AUCs.

For each world: seconds for the features, the leakage guard, the held-out
evaluation, the rolling origins and the follow-up list; the held-out ROC AUC of
every model and baseline with its 95% interval; and, as a reference, the AUC of
the simulator's true monthly hazard on the same rows (the best possible score
for a one-month horizon; for longer horizons future investment also matters).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netanalysis.analysis.predict.holdout import predict_outcomes
from netanalysis.classroom.naive_readings import world_dataset
from netanalysis.dates import month_ordinal, ordinal_to_timestamp, parse_as_of
from netanalysis.simulate.world import simulate_world


def run(ds, as_of, horizon: int, seed: int):
    t = time.perf_counter()
    pred = predict_outcomes(ds, as_of=as_of, horizon_months=horizon, seed=seed)
    return pred, time.perf_counter() - t


def show(pred, seconds: float, truth_auc=None) -> None:
    h = pred.holdout
    print(f"  {len(pred.table):,} relationship-months; held-out {h.window.get('test_first')} to "
          f"{h.window.get('test_last')}: {h.window.get('n_test_units')} units, {h.window.get('n_test_positive')} "
          f"positive windows; {seconds:.1f} s in all")
    for _, r in h.table.iterrows():
        print(f"    {r['model']:<22} AUC {r['auc']:.3f} [{r['auc_low']:.3f}, {r['auc_high']:.3f}]  "
              f"AP {r['average_precision']:.3f}  gain over recency {r['gain_over_recency']:+.3f} "
              f"[{r['gain_low']:+.3f}, {r['gain_high']:+.3f}]")
    if truth_auc is not None:
        print(f"    {'true hazard (reference)':<22} AUC {truth_auc:.3f}")
    for n in pred.notes:
        print("    note:", n)


def stages(ds, as_of, horizon: int, seed: int) -> None:
    """predict_outcomes step by step, with CPU and wall seconds for each (the same calls, in the same order)."""
    from netanalysis.analysis.predict import holdout as H
    from netanalysis.analysis.predict import validation as V
    from netanalysis.analysis.predict.sample import only_units, sample_of

    clock = [time.process_time(), time.perf_counter()]

    def lap(what: str) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        print(f"  {what:<32} {cpu - clock[0]:7.1f} s CPU {wall - clock[1]:7.1f} s wall")
        clock[:] = [cpu, wall]

    cpu0, wall0 = clock
    ds = H.known_at(ds, as_of)
    table = H.feature_table(ds, as_of=as_of, horizon_months=horizon, seed=seed)
    lap(f"features ({len(table):,} rows)")
    if table.attrs.get("unit_sample"):
        print(f"  models trained and judged on {H.sample_sentence(table)}")
    cols, unit_col = table.attrs["feature_columns"], table.columns[0]
    V.check_information_time(table)
    V.check_shifted_labels(table, cols, unit_col, horizon)
    lap("leakage guard: shifted labels")
    V.check_truncation(only_units(ds, sample_of(table)), table, H.feature_table, cols, unit_col, n_months=3, horizon_months=horizon,
                       sample=sample_of(table), score_every_unit=False)
    lap("leakage guard: truncation")
    fits = H.WindowFits(table, seed)
    holdout = H.evaluate_holdout(table, seed=seed, fits=fits)
    lap("held-out evaluation")
    H.rolling_origin_auc(table, seed=seed, fits=fits)
    lap("rolling origins")
    H.follow_up_list(table, ds, seed=seed)
    lap("follow-up list")
    print(f"  {'in all':<32} {time.process_time() - cpu0:7.1f} s CPU {time.perf_counter() - wall0:7.1f} s wall")
    print(holdout.table[["model", "auc", "auc_low", "auc_high"]].to_string(index=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, nargs="*", default=[2000, 10000])
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--seeds", type=int, nargs="*", default=[11])
    ap.add_argument("--horizon", type=int, default=6)
    ap.add_argument("--sample", action="store_true", help="run on data/sample instead of simulated worlds")
    ap.add_argument("--loaded", help="time notebook 04's steps on a folder written by `netanalysis load`")
    args = ap.parse_args()
    if args.loaded:
        import tempfile

        from netanalysis.report.session import open_report_data

        with tempfile.TemporaryDirectory() as out:
            nb = open_report_data(args.loaded, "", out, "month")
            print(f"{args.loaded}: {nb.ds!r}, as of {nb.as_of.date()}, horizon {args.horizon} months")
            stages(nb.ds, nb.as_of, args.horizon, 0)
        return
    if args.sample:
        import netanalysis

        ds = netanalysis.load([ROOT / "data" / "sample"])
        print(f"sample: {ds!r}")
        pred, secs = run(ds, "2025-12-31", args.horizon, 0)
        show(pred, secs)
        return
    for n in args.contacts:
        for seed in args.seeds:
            w = simulate_world(contacts=n, months=args.months, seed=seed)
            ds = world_dataset(w)
            as_of = parse_as_of((pd.Timestamp(w.truth.start, tz="UTC") + pd.DateOffset(months=args.months)
                                 - pd.Timedelta(days=1)).strftime("%Y-%m-%d"))
            print(f"world: {n:,} contacts, {args.months} months, seed {seed}, horizon {args.horizon} months")
            pred, secs = run(ds, as_of, args.horizon, seed)
            start = month_ordinal(pd.Series([pd.Timestamp(w.truth.start, tz="UTC")]))[0]
            hz = w.monthly.assign(period=ordinal_to_timestamp(start + w.monthly["month"].to_numpy()).to_numpy())
            s = pred.holdout.scores
            truth = None
            if len(s):
                s = s.merge(hz[["contact_id", "period", "hazard"]], on=["contact_id", "period"], how="left")
                truth = roc_auc_score(s["label"], s["hazard"])
            show(pred, secs, truth)


if __name__ == "__main__":
    main()

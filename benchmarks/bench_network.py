"""Time the network analysis (notebook 05's computations) on simulated worlds of growing size.

    .venv/bin/python benchmarks/bench_network.py [--contacts 2000 10000] [--months 36]
    .venv/bin/python benchmarks/bench_network.py --data LOADED [--as-of 2026-12-28]

Not a test; run by hand. Prints wall and CPU seconds of each step. The world is
built in memory (no CSV round trip), so only the analysis is timed. With
`--data` (a folder written by `netanalysis load`, e.g. of
`netanalysis simulate --contacts 40000 --months 48 --seed 3 --format canonical`),
it times notebook 05's steps as the notebook calls them, on that data, and the
notebook's imports in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(label, fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    print(f"  {label:<28} wall {time.perf_counter() - w:7.2f} s   cpu {time.process_time() - c:7.2f} s")
    return out


NOTEBOOK_IMPORTS = """
import time
start = time.process_time()
import pandas as pd
from IPython.display import Markdown, display
from netanalysis.analysis.network.diversity_summary import diversity_summary
from netanalysis.analysis.network.structural_holes import EGO, check_network_parameters, structural_holes
from netanalysis.analysis.network.ties import dormant_ties, tie_months, tie_strength
from netanalysis.plots import network as plots_network
from netanalysis.report.runner import record_metrics, save_figure
from netanalysis.report.session import open_report_data
print(f"{time.process_time() - start:.2f}")
"""


def notebook_steps(data: str, as_of: str) -> None:
    """Notebook 05's calls (with its default parameters) on a loaded folder, step by step, figures included."""
    import subprocess
    import tempfile

    cpu = subprocess.run([sys.executable, "-c", NOTEBOOK_IMPORTS], capture_output=True, text=True, check=True)
    print(f"  {'imports (fresh interpreter)':<28} cpu {float(cpu.stdout):7.2f} s")
    import matplotlib

    matplotlib.use("Agg")
    from netanalysis.analysis.network.diversity_summary import diversity_summary
    from netanalysis.analysis.network.structural_holes import EGO, structural_holes
    from netanalysis.analysis.network.ties import dormant_ties, tie_months, tie_strength
    from netanalysis.plots import network as plots
    from netanalysis.report.session import open_report_data

    w0, c0 = time.perf_counter(), time.process_time()
    nb = _timed("open_report_data", lambda: open_report_data(data, as_of, tempfile.mkdtemp(), "month"))
    ds, cut = nb.ds, nb.as_of
    months = _timed("tie_months", lambda: tie_months(ds, cut, window_months=12))
    ties = _timed("tie_strength", lambda: tie_strength(ds, cut, n_boot=1000, seed=0, months=months))
    div = _timed("diversity_summary", lambda: diversity_summary(ds, cut, n_boot=1000, seed=0))
    dormant = _timed("dormant_ties", lambda: dormant_ties(ds, cut, n_boot=1000, seed=0, months=months))
    holes = _timed("structural_holes", lambda: structural_holes(ds, cut, seed=0))
    _timed("figures", lambda: (plots.tie_strength_outcomes(ties.table, ties.thresholds),
                               plots.diversity_over_time(div.by_company, div.won_per_month, div.by_source),
                               plots.dormant_vs_active(dormant.table),
                               plots.ego_network(holes.graph, EGO, names=holes.names.to_dict(), groups=holes.groups,
                                                 highlight=holes.top_brokers(6), seed=0)))
    print(f"  {'all steps after the imports':<28} wall {time.perf_counter() - w0:7.2f} s   "
          f"cpu {time.process_time() - c0:7.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, nargs="+", default=[2000, 10000])
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--data", help="a folder written by `netanalysis load`: time notebook 05's steps on it")
    ap.add_argument("--as-of", default="", help="with --data: the report's as-of date (empty: the last record)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.data:
        print(f"notebook 05 on {args.data}")
        notebook_steps(args.data, args.as_of)
        return
    import pandas as pd

    from netanalysis.analysis.network.diversity import diversity_over_time, network_diversity
    from netanalysis.analysis.network.structural_holes import structural_holes
    from netanalysis.analysis.network.ties import dormant_ties, tie_strength
    from netanalysis.dataset import Dataset
    from netanalysis.simulate.world import simulate_world

    for n in args.contacts:
        w = simulate_world(contacts=n, months=args.months, seed=1)
        inter = w.interactions.assign(interaction_id=[f"i{k}" for k in range(len(w.interactions))], source="sim",
                                      source_row=range(len(w.interactions)))
        outc = w.outcomes.assign(outcome_id=[f"o{k}" for k in range(len(w.outcomes))], source="sim",
                                 source_row=range(len(w.outcomes)))
        contacts = w.contacts.assign(emails=[[e] for e in w.contacts["email"]], sources=[["sim"]] * n,
                                     first_seen=pd.NaT)
        ds = Dataset.from_frames(contacts, inter, outc, check=False)
        print(f"{n} contacts, {len(inter)} interactions, {len(outc)} outcomes, "
              f"{inter['group_key'].nunique()} group meetings")
        _timed("tie_strength", lambda: tie_strength(ds))
        _timed("dormant_ties", lambda: dormant_ties(ds))
        _timed("diversity_over_time", lambda: diversity_over_time(ds))
        _timed("network_diversity", lambda: network_diversity(ds))
        sh = _timed("structural_holes", lambda: structural_holes(ds))
        print(f"  ego constraint {sh.ego_constraint:.4f}, effective size {sh.ego_effective_size:.1f}, "
              f"{sh.contact_edges} contact links, {len(sh.brokers)} brokers")


if __name__ == "__main__":
    main()

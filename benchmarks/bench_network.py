"""Time the network analysis (notebook 05's computations) on simulated worlds of growing size.

    .venv/bin/python benchmarks/bench_network.py [--contacts 2000 10000] [--months 36]

Not a test; run by hand. Prints wall and CPU seconds of each step. The world is
built in memory (no CSV round trip), so only the analysis is timed.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, nargs="+", default=[2000, 10000])
    ap.add_argument("--months", type=int, default=36)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
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

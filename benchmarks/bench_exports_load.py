"""Time loading the real-format exports of a simulated world (calendar, mail, LinkedIn, HubSpot).

Run: .venv/bin/python benchmarks/bench_exports_load.py [contacts] [months]
Prints rows per second per format. Not run by the tests.
"""

import sys
import tempfile
import time
from pathlib import Path

import netanalysis
from netanalysis.simulate.exports import write_exports
from netanalysis.simulate.world import simulate_world


def main(contacts: int = 3000, months: int = 36) -> None:
    world = simulate_world(contacts=contacts, months=months, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        out = write_exports(world, Path(tmp))
        for f in sorted(p for p in out.rglob("*") if p.is_file() and p.suffix not in (".json", ".md")):
            t0 = time.perf_counter()
            ds = netanalysis.load([f])
            dt = time.perf_counter() - t0
            rep = ds.load_report["files"][0]
            print(f"{rep['format']:<22} {rep['rows_read']:>8} rows {dt:7.2f} s {rep['rows_read'] / dt:9.0f} rows/s")
        t0 = time.perf_counter()
        ds = netanalysis.load([out])
        print(f"{'all together':<22} {ds.load_report['totals']['rows_read']:>8} rows {time.perf_counter() - t0:7.2f} s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))

"""Per-file totals of a pytest run's test durations, from its JUnit XML.

Run the suite as CI does, with ``--junitxml=run.xml``, then::

    python benchmarks/suite_times.py run.xml [--top 25]

The sum of the durations is the CPU-bound work of the suite (setup of fixtures included,
as pytest counts it); with two workers the wall time is at least half of it, and at
least the longest file's total under ``--dist loadfile``.
"""

import argparse
import xml.etree.ElementTree as ET
from collections import defaultdict


def file_totals(path: str) -> tuple[dict[str, float], int]:
    """Seconds per test file (the module part of each case's classname) and the number of cases."""
    totals: dict[str, float] = defaultdict(float)
    cases = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")
        name = next((m for m in module if m.startswith("test_")), ".".join(module[:2]) or "?")
        totals[name] += float(case.get("time", 0.0))
        cases += 1
    return dict(totals), cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("xml")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    totals, cases = file_totals(args.xml)
    print(f"{cases} tests, sum of durations {sum(totals.values()):.0f} s")
    for name, sec in sorted(totals.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"{sec:8.1f} s  {name}")


if __name__ == "__main__":
    main()

"""Per-file totals of a pytest run's test durations (and CPU seconds), from its JUnit XML.

Run the suite as CI does, with ``--junitxml=run.xml`` (and the ``suite_cpu`` plugin for CPU
seconds: see suite_cpu.py), then::

    python benchmarks/suite_times.py run.xml [--top 25]

The sum of the durations is the CPU-bound work of the suite (setup of fixtures included,
as pytest counts it) on a quiet machine; on a busy one it grows with the neighbours' load,
and the CPU seconds (this process and its notebook kernels) are the steadier figure. With two
workers the wall time is at least half of it, and at least the longest file's total under
``--dist loadfile``.
"""

import argparse
import xml.etree.ElementTree as ET
from collections import defaultdict


def file_totals(path: str) -> tuple[dict[str, list[float]], int]:
    """[seconds, CPU seconds] per test file (the module part of each case's classname), and the number of cases."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    cases = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")
        name = next((m for m in module if m.startswith("test_")), ".".join(module[:2]) or "?")
        totals[name][0] += float(case.get("time", 0.0))
        totals[name][1] += sum(float(p.get("value")) for p in case.iter("property") if p.get("name") == "cpu_s")
        cases += 1
    return dict(totals), cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("xml")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    totals, cases = file_totals(args.xml)
    seconds, cpu = (sum(t[i] for t in totals.values()) for i in (0, 1))
    print(f"{cases} tests, sum of durations {seconds:.0f} s, CPU {cpu:.0f} s")
    for name, (sec, cpu_s) in sorted(totals.items(), key=lambda kv: -max(kv[1]))[:args.top]:
        print(f"{sec:8.1f} s  {cpu_s:8.1f} s CPU  {name}")


if __name__ == "__main__":
    main()

"""Rows per second of loading a large LinkedIn messages.csv (not a test; run by hand).

    .venv/bin/python benchmarks/bench_linkedin_load.py [--rows 200000] [--contacts 5000] [--repeat 2]

Writes a synthetic 2025-layout ``messages.csv`` (owner in every conversation,
multi-line content with quoted commas, ~10% group messages with several
recipients, some ``LinkedIn Member`` senders, a few sponsored and system rows)
to a temporary folder, then times ``netanalysis.load`` on it and on the parse
step alone, and checks the accounting.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
          "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS"]
OWNER = ("Pat Owner", "https://www.linkedin.com/in/pat-owner")


def generate(path: Path, rows: int, contacts: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    people = [(f"Person {i}", f"https://www.linkedin.com/in/person-{i}-{i * 7919 % 10007:x}") for i in range(contacts)]
    conv_of = rng.integers(0, contacts, size=rows)
    outbound = rng.random(rows) < 0.5
    group = rng.random(rows) < 0.1
    member = rng.random(rows) < 0.01
    special = rng.random(rows)
    seconds = rng.integers(0, 3 * 365 * 86400, size=rows)
    start = np.datetime64("2023-01-01T00:00:00", "s")
    stamps = (start + seconds.astype("timedelta64[s]")).astype(str)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            c = int(conv_of[i])
            other = people[c]
            recips = [other] + ([people[(c + 1) % contacts], people[(c + 2) % contacts]] if group[i] else [])
            date = stamps[i].replace("T", " ") + " UTC"
            content = f"Hi {other[0]},\nthanks, let's talk next week (#{i})."
            title = ""
            if special[i] < 0.002:
                frm, to = ("", ""), [("", "")]  # system row
            elif special[i] < 0.004:
                frm, to, title = ("Acme Ads", "https://www.linkedin.com/company/acme"), [OWNER], "Sponsored Conversation"
            elif outbound[i]:
                frm, to = OWNER, recips
            else:
                frm, to = (("LinkedIn Member", "") if member[i] else other), [OWNER]
            w.writerow([f"2-conv{c}", title, frm[0], frm[1], ",".join(n for n, _ in to), ",".join(u for _, u in to),
                        date, "", content, "INBOX", ""])
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--contacts", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import netanalysis
    from netanalysis.io.loader import LoadContext
    from netanalysis.io.sources import linkedin_messages
    from netanalysis.io.sources.base import sniff

    with tempfile.TemporaryDirectory() as tmp:
        path = generate(Path(tmp) / "messages.csv", args.rows, args.contacts)
        print(f"{args.rows} rows, {path.stat().st_size / 1e6:.1f} MB")
        for _ in range(args.repeat):
            # Wall time, and CPU time of this process (the honest figure on a busy machine).
            t0, c0 = time.perf_counter(), time.process_time()
            parsed = linkedin_messages.read_messages(path, sniff(path), LoadContext())
            t1, c1 = time.perf_counter(), time.process_time()
            ds = netanalysis.load([path])
            t2, c2 = time.perf_counter(), time.process_time()
            f = ds.load_report["files"][0]
            assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"] == args.rows, f
            print(f"parse only: {t1 - t0:6.2f} s wall ({c1 - c0:6.2f} s CPU) = {args.rows / (c1 - c0):9,.0f} rows/CPU-s | "
                  f"netanalysis.load: {t2 - t1:6.2f} s wall ({c2 - c1:6.2f} s CPU) = "
                  f"{args.rows / (t2 - t1):9,.0f} rows/s wall, {args.rows / (c2 - c1):9,.0f} rows/CPU-s")
            print(f"  {len(parsed.interactions):,} interactions, {len(ds.contacts):,} contacts, "
                  f"rejected {f['rejected_by_reason']}")


if __name__ == "__main__":
    main()

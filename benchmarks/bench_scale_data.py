"""Generate large canonical CSV folders for the scale benchmarks (vectorised).

    python benchmarks/bench_scale_data.py --interactions 1000000 --contacts 100000 --out /tmp/bench1m

Writes `contacts.csv`, `interactions.csv` and `outcomes.csv` in the canonical
format of DESIGN.md: `interactions` rows spread over `months` months, contacts
with a heavy-tailed activity level, one company per ~20 contacts, and won or
lost deals for about 2% of the contacts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

CHANNELS = np.array(["meeting", "call", "email", "message", "event", "connection", "note"])
CHANNEL_P = np.array([0.15, 0.15, 0.35, 0.2, 0.05, 0.05, 0.05])
DIRECTIONS = np.array(["outbound", "inbound", "mutual", "unknown"])
START = np.datetime64("2022-01-01T00:00:00", "s")


def generate(out, interactions: int = 1_000_000, contacts: int = 100_000, months: int = 48, seed: int = 0) -> Path:
    """Write a canonical folder with `interactions` rows; returns the folder."""
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ids = np.char.add("k", np.arange(contacts).astype(str))
    company = np.char.add("Company ", (np.arange(contacts) // 20).astype(str))
    pd.DataFrame({"contact_id": ids, "name": np.char.add("Person ", np.arange(contacts).astype(str)),
                  "email": np.char.add(ids, "@example.com"), "company": company}).to_csv(out / "contacts.csv", index=False)

    weight = rng.pareto(1.5, contacts) + 0.05
    who = rng.choice(contacts, size=interactions, p=weight / weight.sum())
    # Each contact starts at a random month; its touches fall between that start and the end.
    start_s = rng.integers(0, months * 30 * 86400 * 3 // 4, contacts)
    span = months * 30 * 86400 - start_s
    offset = start_s[who] + (rng.random(interactions) * span[who]).astype("int64")
    ts = (START + offset.astype("timedelta64[s]"))
    channel = rng.choice(CHANNELS, size=interactions, p=CHANNEL_P)
    direction = rng.choice(DIRECTIONS, size=interactions, p=[0.5, 0.35, 0.1, 0.05])
    duration = np.where(rng.random(interactions) < 0.3, rng.integers(5, 120, interactions).astype(str), "")
    chunk = 2_000_000
    with pacsv.CSVWriter(out / "interactions.csv", pa.schema([(c, pa.string()) for c in
                         ("contact_id", "timestamp", "channel", "direction", "duration_minutes")]),
                         write_options=pacsv.WriteOptions(quoting_style="none")) as w:
        for lo in range(0, interactions, chunk):
            sl = slice(lo, lo + chunk)
            stamp = np.char.add(np.datetime_as_string(ts[sl], unit="s"), "Z")
            w.write_table(pa.table({"contact_id": ids[who[sl]], "timestamp": stamp, "channel": channel[sl],
                                    "direction": direction[sl], "duration_minutes": duration[sl]}))

    n_out = max(1, contacts // 50)
    oc = rng.choice(contacts, n_out, replace=False)
    o_ts = START + (start_s[oc] + (rng.random(n_out) * span[oc]).astype("int64")).astype("timedelta64[s]")
    pd.DataFrame({"contact_id": ids[oc], "timestamp": np.char.add(np.datetime_as_string(o_ts, unit="s"), "Z"),
                  "kind": "deal", "status": rng.choice(["won", "lost"], n_out, p=[0.7, 0.3]),
                  "value": rng.integers(1000, 50000, n_out)}).to_csv(out / "outcomes.csv", index=False)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--interactions", type=int, default=1_000_000)
    ap.add_argument("--contacts", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=48)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print(generate(a.out, a.interactions, a.contacts, a.months, a.seed))

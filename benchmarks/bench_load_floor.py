"""The least a `load` of canonical interactions can cost here: read, parse times, sort, write.

    .venv/bin/python benchmarks/bench_load_floor.py /tmp/netanalysis-bench/csv_1000000

A bare pyarrow script (one process, run as a user runs a command) that reads
interactions.csv, parses the times, sorts the rows by time and writes Parquet,
and nothing else: no stable ids, no contacts, no identity resolution, no
accounting of rows, no schema validation. `netanalysis load` does all of
those; this script's time is the floor under it, used in benchmarks/README.md
to judge how close to DuckDB the pair `load` + `panel` can come.
"""

from __future__ import annotations

import sys
import time

T0 = time.perf_counter()
import pandas  # noqa: F401  (any netanalysis command imports pandas)
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

COLUMNS = ["contact_id", "timestamp", "channel", "direction", "duration_minutes"]


def main(csv_dir: str) -> None:
    marks = {"imports": time.perf_counter() - T0}
    t = time.perf_counter()
    table = pacsv.read_csv(f"{csv_dir}/interactions.csv",
                           convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in COLUMNS}))
    marks["read"] = time.perf_counter() - t
    t = time.perf_counter()
    ts = pc.cast(pc.utf8_trim_whitespace(table["timestamp"]), pa.timestamp("ns", tz="UTC"))
    channel = pc.utf8_lower(pc.utf8_trim_whitespace(table["channel"]))
    contact = pc.utf8_trim_whitespace(table["contact_id"])
    marks["parse"] = time.perf_counter() - t
    t = time.perf_counter()
    order = pc.sort_indices(pa.table({"ts": ts}), sort_keys=[("ts", "ascending")])
    out = pa.table({"contact_id": contact, "timestamp": ts, "channel": channel, "direction": table["direction"],
                    "duration_minutes": table["duration_minutes"]}).take(order)
    marks["sort"] = time.perf_counter() - t
    t = time.perf_counter()
    pq.write_table(out, f"{csv_dir}/../floor_interactions.parquet")
    marks["write"] = time.perf_counter() - t
    marks["total"] = time.perf_counter() - T0
    print(" ".join(f"{k} {v:.2f}s" for k, v in marks.items()))


if __name__ == "__main__":
    main(sys.argv[1])

"""Hazard rows straight from a simulated world's monthly truth (no files), for the verdict tests."""

import numpy as np
import pandas as pd

from netanalysis.analysis.returns.carryover import HazardRows
from netanalysis.simulate.world import simulate_world


def world_rows(world: str, contacts: int, months: int, seed: int, **kw) -> HazardRows:
    """Contact x month rows from first meeting to the end of the world (as_of = the last month)."""
    w = simulate_world(contacts, months, seed=seed, world=world, **kw)
    m = w.monthly.sort_values(["contact_id", "month"], kind="stable").reset_index(drop=True)
    start = pd.Timestamp(w.truth.start, tz="UTC")
    won = w.outcomes[w.outcomes["status"] == "won"]
    won_month = (won["timestamp"].dt.year - start.year) * 12 + won["timestamp"].dt.month - start.month
    key = pd.MultiIndex.from_arrays([won["contact_id"].to_numpy(), won_month.to_numpy()])
    event = pd.MultiIndex.from_arrays([m["contact_id"].to_numpy(), m["month"].to_numpy()]).isin(key)
    tenure = (m["month"] - m.groupby("contact_id")["month"].transform("min")).to_numpy()
    months_from = pd.date_range(start, periods=int(m["month"].max()) + 1, freq="MS")
    period = np.asarray(months_from[m["month"].to_numpy()].to_pydatetime(), dtype=object)
    return HazardRows(unit=m["contact_id"].to_numpy(dtype=object), period=period,
                      minutes=m["minutes"].to_numpy(dtype=float), event=event.astype(float),
                      tenure=tenure.astype("int64"), starts=np.flatnonzero(tenure == 0).astype("int64"))

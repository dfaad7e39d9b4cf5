"""Deal work apart from origination: time spent before an opportunity opened and while it was open.

Where a CRM records when each opportunity opened (`opened_at`), the minutes
invested in the unit split in two: *origination*, in the `before_months`
months before the opening, and *deal work*, from the opening to the close.
Deal work is time a deal in progress brings with it (meetings because it is
closing), so counting it as investment that later paid would credit the
relationship with the deal's own activity: reverse causation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.dates import as_timestamp
from netanalysis.io.vocabulary import invested_minutes
from netanalysis.panel.build import unit_of_interactions, unit_of_outcomes

COLUMNS = ["outcome_id", "unit", "status", "opened_at", "closed", "origination_minutes", "deal_work_minutes",
           "deal_days"]


def deal_work(ds, unit: str = "contact", as_of: pd.Timestamp | None = None, before_months: int = 12) -> pd.DataFrame:
    """Per closed outcome with an opening date: minutes before the opening and between opening and close.

    Origination counts interactions in ``[opened_at - before_months, opened_at)``,
    deal work those in ``[opened_at, close]``; both only up to `as_of`.
    Outcomes without an opening date, or opened after they closed, are left out.
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    o = ds.outcomes
    if "opened_at" not in o or o.empty:
        return pd.DataFrame(columns=COLUMNS)
    keep = (o["opened_at"].notna() & (o["timestamp"] <= cut) & o["status"].isin(["won", "lost"])
            & (o["opened_at"] <= o["timestamp"])).to_numpy()
    units = unit_of_outcomes(ds, unit)
    keep = keep & units.notna().to_numpy()
    out = pd.DataFrame({"outcome_id": o.loc[keep, "outcome_id"].to_numpy(), "unit": units[keep].astype(str).to_numpy(),
                        "status": o.loc[keep, "status"].astype(str).to_numpy(),
                        "opened_at": o.loc[keep, "opened_at"].to_numpy(), "closed": o.loc[keep, "timestamp"].to_numpy()})
    if out.empty:
        return pd.DataFrame(columns=COLUMNS)
    inter = ds.interactions[ds.interactions["timestamp"] <= cut]
    stamps = pd.DataFrame({"unit": unit_of_interactions(ds, unit)[inter.index].astype(str).to_numpy(),
                           "t": inter["timestamp"].to_numpy(), "minutes": invested_minutes(inter).to_numpy()})
    window_start = (pd.DatetimeIndex(out["opened_at"]) - pd.DateOffset(months=int(before_months))).to_numpy()
    origination = _minutes_between(stamps, out["unit"], window_start, out["opened_at"].to_numpy(), right=False)
    work = _minutes_between(stamps, out["unit"], out["opened_at"].to_numpy(), out["closed"].to_numpy(), right=True)
    out["origination_minutes"], out["deal_work_minutes"] = origination, work
    out["deal_days"] = (out["closed"] - out["opened_at"]).dt.total_seconds() / 86400.0
    return out[COLUMNS]


def _minutes_between(stamps: pd.DataFrame, units: pd.Series, start, end, right: bool) -> np.ndarray:
    """Sum of minutes of each unit's interactions from `start` (inclusive) to `end` (inclusive if `right`)."""
    total = np.zeros(len(units))
    groups = stamps.sort_values("t", kind="stable").groupby("unit", sort=False)
    for u, rows in pd.Series(np.arange(len(units))).groupby(units.to_numpy()):
        if u not in groups.groups:
            continue
        g = groups.get_group(u)
        t = g["t"].to_numpy()
        cum = np.r_[0.0, np.cumsum(g["minutes"].to_numpy(dtype=float))]
        lo = np.searchsorted(t, start[rows.to_numpy()], side="left")
        hi = np.searchsorted(t, end[rows.to_numpy()], side="right" if right else "left")
        total[rows.to_numpy()] = cum[hi] - cum[lo]
    return total


def deal_work_summary(table: pd.DataFrame, status: str = "won") -> pd.DataFrame:
    """Origination against deal work for outcomes of `status`: outcomes, median and total hours, share of the hours."""
    t = table[table["status"] == status]
    rows = []
    total = float(t["origination_minutes"].sum() + t["deal_work_minutes"].sum())
    for label, column in (("before opening (origination)", "origination_minutes"),
                          ("opening to close (deal work)", "deal_work_minutes")):
        minutes = t[column].astype(float)
        rows.append({"phase": label, "outcomes": int(len(t)), "units": int(t["unit"].nunique()),
                     "median_hours": float(minutes.median() / 60) if len(t) else np.nan,
                     "total_hours": float(minutes.sum() / 60),
                     "share_of_hours": float(minutes.sum() / total) if total > 0 else np.nan})
    return pd.DataFrame(rows).set_index("phase")

"""Deal cycles: from the engagement that opened a deal to its close (CRMs with deal-level engagements).

Some CRM exports (the Maven sales-pipeline teaching dataset, for one) give each
deal an engagement date and a close date on the same row. The loader turns the
row into one interaction and one outcome from the same `source` and
`source_row`; this module pairs them back, so the engagement-to-close lag of
every closed deal can be shown. Data without such pairs gives an empty table.
"""

from __future__ import annotations

import pandas as pd

from .panel import unit_of_interactions, unit_of_outcomes
from .timeutil import DAYS_PER_MONTH, parse_as_of


def deal_cycles(ds, unit: str = "account", as_of=None) -> pd.DataFrame:
    """One row per deal paired with its engagement: unit, engaged, closed, status, days, months, value.

    Closed deals (won or lost) run from engagement to close. Engagements of the
    same source with no close yet are open deals (`status` "open", `closed`
    NaT), their `days` counted to `as_of`: censored, for Kaplan-Meier.

    Examples
    --------
    >>> cycles = deal_cycles(netanalysis.load(["../shared/datasets/maven_crm"]))  # doctest: +SKIP
    >>> cycles.loc[cycles["status"] == "won", "days"].median()  # doctest: +SKIP
    """
    cols = ["unit", "engaged", "closed", "status", "days", "months", "value"]
    cut = parse_as_of(as_of, default=ds.last_timestamp)
    inter, outc = ds.interactions, ds.outcomes
    if inter.empty or outc.empty:
        return pd.DataFrame(columns=cols)
    i = pd.DataFrame({"source": inter["source"].astype(str), "source_row": inter["source_row"],
                      "unit": unit_of_interactions(ds, unit).astype(str), "engaged": inter["timestamp"]})
    o = pd.DataFrame({"source": outc["source"].astype(str), "source_row": outc["source_row"],
                      "unit": unit_of_outcomes(ds, unit).astype(str), "closed": outc["timestamp"],
                      "status": outc["status"].astype(str), "value": outc["value"]})
    i = i[i["engaged"] <= cut].drop_duplicates(["source", "source_row"], keep=False)
    o = o[(o["closed"] <= cut) & o["status"].isin(["won", "lost"])].drop_duplicates(["source", "source_row"], keep=False)
    d = o.merge(i, on=["source", "source_row", "unit"], how="inner")
    d = d[d["closed"] >= d["engaged"]]
    paired = i.merge(o[["source", "source_row"]], on=["source", "source_row"], how="left", indicator=True)
    open_ = paired[(paired["_merge"] == "left_only") & paired["source"].isin(set(d["source"]))].drop(columns="_merge")
    open_ = open_.assign(closed=pd.NaT, status="open", value=float("nan"))
    if len(open_):
        d = pd.concat([d, open_[d.columns]], ignore_index=True)
    d["closed"] = pd.to_datetime(d["closed"], utc=True)
    d["engaged"] = pd.to_datetime(d["engaged"], utc=True)
    d["days"] = (d["closed"].fillna(cut) - d["engaged"]).dt.total_seconds() / 86400.0
    d["months"] = d["days"] / DAYS_PER_MONTH
    return d[cols].reset_index(drop=True)

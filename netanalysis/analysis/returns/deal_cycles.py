"""Deal cycles: from the engagement that opened a deal to its close (CRMs with deal-level engagements).

Some CRM exports (the Maven sales-pipeline teaching dataset, for one) give each
deal an engagement date and a close date on the same row. The loader turns the
row into one interaction and one outcome that carry the deal's own id as their
`group_key`; this module pairs them back on that id, so the engagement-to-close
lag of every closed deal can be shown. Row numbers are never a key: row k of
one file has nothing to do with row k of another. Data without such pairs
gives an empty table.
"""

from __future__ import annotations

import pandas as pd

from netanalysis.analysis.words import plural
from netanalysis.dates import DAYS_PER_MONTH, as_timestamp
from netanalysis.panel.build import unit_of_interactions, unit_of_outcomes


def deal_cycles(ds, unit: str = "account", as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per deal paired with its engagement: unit, engaged, closed, status, days, months, value.

    An engagement and a close belong to one deal when they share the deal's id
    (`group_key`). Closed deals (won or lost) run from engagement to close.
    Engagements whose id is of the same kind as a paired deal's and that have no
    close yet are open deals (`status` "open", `closed` NaT), their `days`
    counted to `as_of`: censored, for Kaplan-Meier.
    """
    cols = ["unit", "engaged", "closed", "status", "days", "months", "value"]
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    inter, outc = ds.interactions, ds.outcomes
    if inter.empty or outc.empty or "group_key" not in inter or "group_key" not in outc:
        return pd.DataFrame(columns=cols)
    i = pd.DataFrame({"deal": inter["group_key"], "unit": unit_of_interactions(ds, unit).astype(str),
                      "engaged": inter["timestamp"]})
    i = i[i["deal"].notna() & (i["engaged"] <= cut)]
    o = pd.DataFrame({"deal": outc["group_key"], "unit": unit_of_outcomes(ds, unit).astype(str),
                      "closed": outc["timestamp"], "status": outc["status"].astype(str), "value": outc["value"]})
    o = o[o["deal"].notna() & (o["closed"] <= cut) & o["status"].isin(["won", "lost"])]
    if i.empty or o.empty:
        return pd.DataFrame(columns=cols)
    # A deal split across contacts is one outcome per contact: each unit's share is one cycle.
    engaged = i.groupby(["deal", "unit"], as_index=False)["engaged"].min()
    closed = o.groupby(["deal", "unit"], as_index=False).agg(closed=("closed", "min"), status=("status", "first"),
                                                          value=("value", lambda v: v.sum(min_count=1)))
    d = closed.merge(engaged, on=["deal", "unit"], how="inner")
    d = d[d["closed"] >= d["engaged"]]
    d = pd.concat([d, _open_deals(engaged, set(o["deal"]), set(d["deal"]))], ignore_index=True)
    d["closed"] = pd.to_datetime(d["closed"], utc=True)
    d["engaged"] = pd.to_datetime(d["engaged"], utc=True)
    d["days"] = (d["closed"].fillna(cut) - d["engaged"]).dt.total_seconds() / 86400.0
    d["months"] = d["days"] / DAYS_PER_MONTH
    return d[cols].reset_index(drop=True)


def _open_deals(engaged: pd.DataFrame, decided: set, paired: set) -> pd.DataFrame:
    """Engaged deals with no close yet: ids of the same kind (`source:kind|id`) as a paired deal's."""
    kind = engaged["deal"].astype(str).str.rpartition("|")[0]
    paired_kinds = {k.rpartition("|")[0] for k in paired} - {""}
    open_ = engaged[kind.isin(paired_kinds) & ~engaged["deal"].isin(decided)]
    return open_.assign(closed=pd.NaT, status="open", value=float("nan"))


def describe_deal_cycles(cycles: pd.DataFrame, who: str = "relationships") -> str:
    """How long won deals took from their own engagement, the share within 30 days, the win rate, open deals.

    The 30-day share here counts from each deal's own engagement, while the page's
    other 30-day share counts from the first interaction with the relationship (or
    account); the sentence says so, as the two can differ widely.
    """
    won = cycles[cycles["status"] == "won"]
    if won.empty:
        return "This data has no won deals with their own engagement date, so this section is empty."
    decided = int((cycles["status"] != "open").sum())
    still_open = int((cycles["status"] == "open").sum())
    one = who[:-1] if who.endswith("s") else who
    n = len(won)
    within30 = float((won["days"] <= 30).mean())
    if n == 1:
        took = f"The one won deal took **{plural(float(won['days'].iloc[0]), 'day', '.0f')}** from its engagement to close"
    else:
        took = (f"Of **{n:,}** won deals, half took more than **{won['days'].median():.0f} days** from their own "
                f"engagement to close, and **{within30:.0%}** closed within 30 days of it")
    return (took + f" (counted from each deal's engagement; the 30-day share above counts from the first interaction "
            f"with the {one}, so a later deal with a long-known {one} is slow there). "
            f"{(n / max(decided, 1)):.0%} of {plural(decided, 'decided deal', ',')} "
            f"{'was' if decided == 1 else 'were'} won; {still_open:,} {'is' if still_open == 1 else 'are'} still open.")

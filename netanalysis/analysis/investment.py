"""Time invested over time: hours per period, new against nurtured relationships, and the carryover stock."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from netanalysis.analysis.words import plural
from netanalysis.dates import as_timestamp
from netanalysis.panel.build import period_totals


@dataclass
class Investment:
    """The contact-by-period panel and its per-period totals.

    `latest` is the panel's last period; the stock there is the invested time still
    working in each relationship at the as-of date (half-life `half_life_months`).
    """

    panel: pd.DataFrame
    totals: pd.DataFrame
    half_life_months: float
    notes: list[str] = field(default_factory=list)

    captions = {"02_investment": "Hours invested per period in new and nurtured relationships, and active relationships.",
                "02_stock": "Invested time still working in each relationship at the as-of date (carryover stock)."}

    @property
    def latest(self) -> pd.DataFrame:
        return self.panel[self.panel["period"] == self.panel["period"].max()]

    @property
    def share_new(self) -> float:
        """Share of invested hours that went to relationships in their first three months."""
        t = self.totals
        return t["new_hours"].sum() / max(t[["new_hours", "nurtured_hours"]].sum().sum(), 1e-9)

    def metrics(self) -> dict:
        """`hours_invested`, `share_hours_new_relationships`, `active_relationships_last_period`."""
        return {"hours_invested": float(self.panel["minutes"].sum() / 60),
                "share_hours_new_relationships": float(self.share_new),
                "active_relationships_last_period": int((self.latest["touches"] > 0).sum())}

    def summary(self, periods: int = 12) -> pd.DataFrame:
        """The totals of the last `periods` periods, rounded."""
        t = self.totals
        return t.assign(period=t["period"].dt.strftime("%Y-%m")).tail(periods).round(1)

    def sentence(self) -> str:
        """How much time went to new relationships, and how many still hold more than an hour of stock."""
        latest = self.latest
        held = int((latest["stock"] > 60).sum())
        if not len(self.panel) or self.panel["minutes"].sum() <= 0:
            return "No time invested is recorded in this data, so there is nothing to split or carry over."
        return (f"Over the whole period, **{self.share_new:.0%}** of invested hours went to relationships in their first "
                f"three months; **{held}** of {plural(len(latest), 'relationship')} still "
                f"{'holds' if held == 1 else 'hold'} more than one hour of stock.")


def investment_over_time(ds, freq: str = "M", half_life_months: float = 3.0,
                         as_of: pd.Timestamp | None = None) -> Investment:
    """Build the panel up to `as_of` at `freq` and total it per period."""
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    panel = ds.panel(freq=freq, half_life_months=half_life_months, as_of=cut)
    return Investment(panel, period_totals(panel), half_life_months)

"""Cohorts: for each first-contact quarter, how outcomes keep arriving month after month.

A cohort is the set of units whose first interaction fell in the same calendar
quarter. For each cohort and each month since first contact, the triangle
shows the cumulative share of its units that have produced a won outcome, and
the cumulative won outcomes per 100 units. A cell is shown only when every unit
of the cohort has been followed that long (so late cohorts have shorter rows:
the triangle).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.dates import as_timestamp

MEASURES = {"share_with_outcome": "% of relationships with a won outcome",
            "outcomes_per_100": "won outcomes per 100 relationships"}


def cohort_table(ds, unit: str = "contact", as_of: pd.Timestamp | None = None,
                 panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long table: cohort (first-contact quarter), months_since_first, units, share_with_outcome, outcomes_per_100.

    `panel`: the monthly panel up to `as_of` when already built (`ds.panel(freq="M", unit=unit, as_of=as_of)`).
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    panel = ds.panel(freq="M", half_life_months=1.0, unit=unit, as_of=cut) if panel is None else panel
    cols = ["cohort", "months_since_first", "units", "share_with_outcome", "outcomes_per_100"]
    if panel.empty:
        return pd.DataFrame(columns=cols)
    tenure = panel["months_since_first"].to_numpy()
    starts = np.flatnonzero(tenure == 0)
    lengths = np.diff(np.append(starts, len(panel)))
    won = panel["outcomes_won"].to_numpy(dtype=float)
    cum = np.cumsum(won)
    cum -= np.repeat(np.r_[0.0, cum[starts[1:] - 1]], lengths)
    first_period = pd.DatetimeIndex(panel["period"].iloc[starts])
    first_period = first_period.tz_convert(None) if first_period.tz is not None else first_period
    codes, cohorts = pd.factorize(pd.PeriodIndex(first_period, freq="Q").astype(str), sort=True)
    # one integer per (cohort, month since first): counts and sums by bincount, over millions of rows
    width = int(tenure.max()) + 1
    key = np.repeat(codes, lengths) * width + tenure
    units = np.bincount(key, minlength=len(cohorts) * width)
    seen = np.flatnonzero(units)
    n = units[seen]
    size = np.bincount(codes, minlength=len(cohorts))
    full = n == size[seen // width]  # every unit of the cohort followed this long
    seen, n = seen[full], n[full]
    return pd.DataFrame({"cohort": np.asarray(cohorts)[seen // width], "months_since_first": seen % width,
                         "units": n, "share_with_outcome": np.bincount(key, cum > 0)[seen] / n,
                         "outcomes_per_100": 100.0 * np.bincount(key, cum)[seen] / n})


def cohort_triangle(long: pd.DataFrame, measure: str = "share_with_outcome", max_months: int | None = None) -> pd.DataFrame:
    """Wide triangle: one row per cohort (with its size), one column per month since first contact."""
    if long.empty:
        return pd.DataFrame()
    d = long if max_months is None else long[long["months_since_first"] <= max_months]
    wide = d.pivot(index="cohort", columns="months_since_first", values=measure).sort_index()
    wide.insert(0, "relationships", long[long["months_since_first"] == 0].set_index("cohort")["units"].reindex(wide.index))
    wide.columns.name = "months since first contact"
    wide.index.name = "first contact in"
    return wide

"""Values no real export holds: each rejects its row with a reason, never the file.

Every reader's records pass through `reject_implausible` (the loader calls it),
so one rule holds for all sources:

- timestamps outside 1900-01-01 .. 2100-12-31 (placeholders such as
  9999-12-31 or 0001-01-01, epoch -1, a year typed wrong): nobody's
  relationship history reaches further, and pandas cannot hold 9999 at all;
- durations that are not finite, negative, or longer than 24 hours: one
  interaction that takes more than a day is a damaged cell (an all-day event
  has no duration here);
- amounts that are not finite, negative or above `money.MAX_AMOUNT`.

A row yielding several records (an event with many attendees) is rejected
whole when any of its records is implausible, so it is counted once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.io.money import implausible_amount
from netanalysis.io.sources.base import Parsed, rejected_frame

EARLIEST = pd.Timestamp("1900-01-01", tz="UTC")
LATEST = pd.Timestamp("2101-01-01", tz="UTC")  # exclusive: 2100-12-31 is the last day
MAX_MINUTES = 24 * 60


def time_reason(ts: pd.Series) -> pd.Series:
    """Why a timestamp is implausible (NA where it is fine or missing)."""
    t = pd.to_datetime(ts, utc=True, errors="coerce")
    out = pd.Series(pd.NA, index=t.index, dtype="string")
    return out.mask(((t < EARLIEST) | (t >= LATEST)).fillna(False).astype(bool), "timestamp outside 1900-2100")


def duration_reason(minutes: pd.Series) -> pd.Series:
    """Why a duration in minutes is implausible (NA where it is fine or missing)."""
    m = pd.to_numeric(minutes, errors="coerce").astype("float64")
    out = pd.Series(pd.NA, index=m.index, dtype="string")
    out = out.mask(np.isinf(m), "duration is not finite")
    out = out.mask(out.isna() & (m < 0), "negative duration")
    return out.mask(out.isna() & (m > MAX_MINUTES), "duration longer than 24 hours")


def reject_implausible(parsed: Parsed) -> Parsed:
    """`parsed` with rows holding an implausible record moved to its rejects."""
    bad: dict = {}
    it, oc = parsed.interactions, parsed.outcomes
    for records, reasons in (
        (it, [time_reason(it["timestamp"]), duration_reason(it["duration_minutes"])]),
        (oc, [time_reason(oc["timestamp"]), implausible_amount(oc["value"])]),
    ):
        if not len(records):
            continue
        reason = reasons[0].fillna(reasons[1])
        flagged = reason.notna().to_numpy()
        if flagged.any():
            for row, why in zip(records["source_row"].to_numpy()[flagged], reason[flagged]):
                bad.setdefault(row, why)
    if not bad:
        return parsed
    rows = pd.Index(list(bad))
    parsed.interactions = it[~it["source_row"].isin(rows)].reset_index(drop=True)
    parsed.outcomes = oc[~oc["source_row"].isin(rows)].reset_index(drop=True)
    pe = parsed.people
    # A person record of a rejected row (a CRM contact on a deal row) goes with it; people
    # without a row (named by a ref) stay, as other rows may name them.
    parsed.people = pe[~(pe["source_row"].isin(rows) & pe["record_key"].notna())].reset_index(drop=True)
    extra = rejected_frame([(row, why, "") for row, why in bad.items()])
    parsed.rejected = pd.concat([parsed.rejected, extra], ignore_index=True) if len(parsed.rejected) else extra
    return parsed

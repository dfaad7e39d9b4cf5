"""Small helpers shared by the CRM sources (HubSpot, Salesforce, Pipedrive, Maven).

CRM exports are plain CSV tables, read with the shared row-level reader
(`base.read_csv_table`); these helpers turn their cells into typed values and
build the Parsed result with row-level rejections.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from netanalysis.dates import to_utc, within_range
from netanalysis.io.money import parse_money
from netanalysis.io.sources.base import (
    INTERACTION_COLUMNS,
    OUTCOME_COLUMNS,
    PEOPLE_COLUMNS,
    Parsed,
    Sniff,
    frame,
    header_fields,
    rejected_frame,
)

TRUE = {"1", "true", "yes", "y", "t", "wahr", "ja"}
FALSE = {"0", "false", "no", "n", "f", "", "falsch", "nein"}


def header(sn: Sniff) -> list[str]:
    """The first non-empty line's fields, as written (BOM and quotes stripped)."""
    first = next((ln for ln in sn.lines if ln.strip()), "")
    return [c.lstrip("\ufeff") for c in header_fields(first)]


def has(cols, *names) -> bool:
    low = {c.lower() for c in cols}
    return all(n.lower() in low for n in names)


def col(rows: pd.DataFrame, *names, default="") -> pd.Series:
    """The first present column among `names` (case-insensitive), stripped, else `default`."""
    lower = {c.lower(): c for c in rows.columns}
    for n in names:
        c = lower.get(n.lower())
        if c is not None:
            return rows[c].astype(str).str.strip()
    return pd.Series(default, index=rows.index, dtype=object)


def truthy(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.lower().isin(TRUE)


def number(s: pd.Series) -> pd.Series:
    """Numbers as exported: `1,234.50`, `1234.5`, empty -> NaN; currency symbols dropped."""
    cleaned = s.astype(str).str.replace(r"[^\d.\-eE]", "", regex=True)
    return pd.to_numeric(cleaned.where(cleaned != "", None), errors="coerce")


def money(s: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    """Amounts read by the one money parser of every source, and why a value was not read."""
    return parse_money(s.astype(str).str.strip(), name)


def times(s: pd.Series, tz: str) -> pd.Series:
    """Timestamps; all-digit values of 12-13 digits are epoch milliseconds (HubSpot API exports)."""
    s = s.astype(str).str.strip()
    epoch = s.str.fullmatch(r"\d{12,13}")
    out = to_utc(s.where(~epoch, ""), tz)
    if epoch.any():
        out.loc[epoch] = within_range(pd.to_datetime(s[epoch].astype("int64"), unit="ms", utc=True))
    return out.astype("datetime64[ns, UTC]")


def split_list(value: str) -> list[str]:
    """`a;b`, `a, b` -> [a, b] (HubSpot joins associations with `;`)."""
    return [x.strip() for x in re.split(r"[;\n]", value or "") if x.strip()]


def raw(rows: pd.DataFrame) -> pd.Series:
    if rows.empty:
        return pd.Series([], dtype=str)
    return rows.drop(columns="__row__").astype(str).agg(",".join, axis=1).str.slice(0, 500)


def build(fmt: str, source: str, t, reason: pd.Series, people=None, inter=None, outc=None, extra_rejected=(),
          owner=()) -> Parsed:
    """A Parsed with `reason`-flagged rows (NA = fine) rejected, plus the reader's damaged rows."""
    rows = t.rows
    bad = reason.notna()
    rejected = list(t.bad) + list(zip(rows.loc[bad, "__row__"].astype(int), reason[bad].astype(str), raw(rows[bad])))
    rejected += list(extra_rejected)
    inter = frame(inter, INTERACTION_COLUMNS)
    if len(inter):
        inter["timestamp"] = pd.to_datetime(inter["timestamp"], utc=True).astype("datetime64[ns, UTC]")
        inter["duration_minutes"] = pd.to_numeric(inter["duration_minutes"], errors="coerce").astype("float64")
    outc = frame(outc, OUTCOME_COLUMNS)
    if len(outc):
        outc["timestamp"] = pd.to_datetime(outc["timestamp"], utc=True).astype("datetime64[ns, UTC]")
        outc["value"] = pd.to_numeric(outc["value"], errors="coerce").astype("float64")
        outc["opened_at"] = pd.to_datetime(outc["opened_at"], utc=True).astype("datetime64[ns, UTC]")
    people = frame(people, PEOPLE_COLUMNS)
    people["emails"] = people["emails"].map(lambda v: list(v) if isinstance(v, (list, tuple, np.ndarray)) else [])
    return Parsed(fmt, source, t.rows_read, people, inter, outc, rejected_frame(sorted(rejected, key=lambda r: r[0])),
                  owner=list(owner))


def first_reason(*pairs) -> pd.Series:
    """Combine (mask, reason) pairs into one reason per row; the first true one wins.

    A reason may be a Series (one reason per row, as the money parser gives).
    """
    reason = None
    for mask, why in pairs:
        if reason is None:
            reason = pd.Series(pd.NA, index=mask.index, dtype="string")
        reason = reason.mask(reason.isna() & mask.fillna(False).astype(bool), why)
    return reason

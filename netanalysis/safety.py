"""Writing CSVs that spreadsheets cannot execute (OWASP CSV injection rule)."""

from __future__ import annotations

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    """Prefix a cell that a spreadsheet would run as a formula with a single quote.

    >>> neutralize("=HYPERLINK(1)"), neutralize("Ann"), neutralize(-3)
    ("'=HYPERLINK(1)", 'Ann', -3)
    """
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(neutralize)
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def write_safe_csv(df: pd.DataFrame, path) -> None:
    safe_frame(df).to_csv(path, index=False)

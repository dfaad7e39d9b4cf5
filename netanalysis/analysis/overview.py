"""Tables for the data overview: files and their accounting, rejected rows, coverage."""

from __future__ import annotations

import pandas as pd


def files_table(load_report: dict) -> pd.DataFrame:
    """One row per input file: format, rows read, loaded, duplicates, rejected."""
    rows = load_report.get("files", [])
    cols = ["path", "format", "rows_read", "loaded", "duplicates", "rejected"]
    df = pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(columns=cols)
    df["file"] = df["path"].map(lambda p: str(p).replace("\\", "/").rsplit("/", 1)[-1])
    return df[["file", "format", "rows_read", "loaded", "duplicates", "rejected"]]


def rejected_reasons(rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted by file and reason."""
    if rejected is None or rejected.empty:
        return pd.DataFrame({"file": [], "reason": [], "rows": []})
    r = rejected.assign(file=rejected["file"].astype(str).str.replace("\\", "/").str.rsplit("/", n=1).str[-1],
                        reason=rejected["reason"].astype(str).str.split(":").str[0])
    return r.groupby(["file", "reason"]).size().rename("rows").reset_index().sort_values("rows", ascending=False)


def coverage_table(ds) -> pd.DataFrame:
    """First and last timestamp, and counts, per source."""
    i = ds.interactions
    if i.empty:
        return pd.DataFrame(columns=["source", "interactions", "contacts", "first", "last"])
    g = i.groupby("source")
    return pd.DataFrame({
        "interactions": g.size(), "contacts": g["contact_id"].nunique(),
        "first": g["timestamp"].min().dt.strftime("%Y-%m-%d"), "last": g["timestamp"].max().dt.strftime("%Y-%m-%d"),
    }).reset_index()

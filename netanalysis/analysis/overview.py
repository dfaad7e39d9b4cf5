"""Tables for the data overview: files and their accounting, rejected rows, coverage."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class DataOverview:
    """What was loaded: the load report's accounting, the rejected rows and the interactions.

    Its tables are :func:`files_table`, :func:`rejected_reasons` and
    :func:`coverage_table`; `metrics()` gives the rows read and rejected.
    """

    ds: object
    notes: list[str] = field(default_factory=list)

    captions = {"01_coverage": "Interactions per month by source: the months the data covers."}

    def files(self) -> pd.DataFrame:
        return files_table(self.ds.load_report)

    def rejected(self) -> pd.DataFrame:
        return rejected_reasons(self.ds.rejected)

    def coverage(self) -> pd.DataFrame:
        return coverage_table(self.ds)

    def _total(self, key: str) -> int:
        return int(self.ds.load_report.get("totals", {}).get(key, 0))

    def metrics(self) -> dict:
        """`rows_read` and `rows_rejected` over all input files."""
        return {"rows_read": self._total("rows_read"), "rows_rejected": self._total("rejected")}

    def sentence(self) -> str:
        """The accounting of all rows in one line."""
        return (f"**{self._total('rows_read'):,}** rows read: {self._total('loaded'):,} loaded, "
                f"{self._total('duplicates'):,} duplicates, {self._total('rejected'):,} rejected with a reason.")

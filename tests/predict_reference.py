"""Straightforward versions of the prediction's fast paths, kept as references for tests.

Each is the plain loop the fast path replaces: the same numbers, written for reading, not speed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.dates import month_ordinal
from netanalysis.errors import LeakageError


def check_shifted_labels_reference(table: pd.DataFrame, feature_cols, unit_col: str, horizon_months: int,
                                   min_class: int = 10) -> None:
    """`validation.check_shifted_labels` one shift and one feature at a time, labels looked up by (unit, month)."""
    lab = table["label"]
    if lab.notna().sum() == 0:
        return
    months = month_ordinal(table["period"])
    units = table[unit_col].astype(str).to_numpy()
    by_key = pd.Series(lab.to_numpy(), index=pd.MultiIndex.from_arrays([units, months]))
    by_key = by_key[~by_key.index.duplicated()]
    bad = []
    for s in range(-horizon_months + 1, horizon_months + 1):
        shifted = by_key.reindex(pd.MultiIndex.from_arrays([units, months + s])).to_numpy()
        for c in feature_cols:
            x = table[c].to_numpy(dtype=float)
            ok = ~np.isnan(shifted) & np.isfinite(x)
            x, y = x[ok], shifted[ok]
            n_pos = int(y.sum())
            if n_pos < min_class or len(y) - n_pos < min_class:
                continue
            pos, neg = x[y == 1], x[y == 0]
            if pos.min() > neg.max() or pos.max() < neg.min() or np.array_equal(x, y) or np.array_equal(x, 1 - y):
                bad.append(f"{c} (label shifted by {s:+d} months)")
    if bad:
        raise LeakageError("features reproduce a label they could not know yet: " + ", ".join(bad))

"""The distributed-lag view with a correction for testing many months at once.

`carryover.lag_profile` gives one interval per earlier month. Calling a month
"clearly higher" whenever its own 95% interval is above 1 tests twelve months
at once, so in a world without any link some month passes in about a third of
the data sets. Here each month's one-sided p-value (the hour invested then goes
with a higher chance of a win) is adjusted for the number of months tested
(Holm's method, `statsmodels.stats.multitest`), and only months that pass after
the adjustment are named. The same month (lag 0) is shown but never tested: it
is the most exposed to reverse causation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from netanalysis.analysis.words import months as months_words

METHOD = "holm"
PER_HOUR = np.log(2.0)  # log1p(60 / 60): one hour against none, as in carryover.lag_profile


def adjusted_lag_table(table: pd.DataFrame, method: str = METHOD, alpha: float = 0.05) -> pd.DataFrame:
    """`lag_profile`'s table plus `p_value` (one-sided, per month), `p_adjusted` and `clear` (passes after adjusting).

    The standard error is read back from the 95% interval, which `lag_profile`
    builds as coef +- 1.96 se on the log hazard-ratio scale.
    """
    out = table.copy()
    tested = (out["months_earlier"] >= 1) & out["coef"].notna() & out["low"].gt(0)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # an unbounded interval gives z = 0
        se = (np.log(out["high"]) - np.log(out["low"])) / (2 * 1.96 * PER_HOUR)
        z = (out["coef"] / se).fillna(0.0)
    out["p_value"] = np.where(tested, stats.norm.sf(z), np.nan)
    out["p_adjusted"] = np.nan
    out["clear"] = False
    if tested.any():
        reject, p_adj, _, _ = multipletests(out.loc[tested, "p_value"].to_numpy(), alpha=alpha, method=method)
        out.loc[tested, "p_adjusted"] = p_adj
        out.loc[tested, "clear"] = reject
    return out


def describe_adjusted_lags(table: pd.DataFrame, method: str = METHOD) -> str:
    """One plain sentence naming the earlier months that pass after the correction (or none)."""
    if table["hazard_ratio_1h"].isna().all():
        return "There are too few won outcomes to tell which earlier months matter."
    n = int(table["p_value"].notna().sum())
    clear = table.loc[table["clear"], "months_earlier"].astype(int).tolist()
    how = f"after correcting for testing {n} months at once ({method.capitalize()})"
    if not clear:
        return (f"No single earlier month stands out {how}; the carryover model above pools the months "
                "and is the stronger test.")
    if len(clear) == 1:
        return (f"An hour invested **{months_words(clear[0])}** before goes with a higher chance of a win {how}; "
                "no other earlier month does.")
    listed = ", ".join(str(m) for m in clear[:-1]) + f" and {clear[-1]}"
    return (f"An hour invested **{listed} months** before goes with a higher chance of a win {how}; "
            f"the latest of these is **{months_words(max(clear))}** before the win.")

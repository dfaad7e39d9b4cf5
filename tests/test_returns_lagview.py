"""The lag view names a month only after correcting for testing many months; opening dates move the wins."""

import numpy as np
import pandas as pd
from scipy import stats

from netanalysis.analysis.returns.carryover import HazardRows, lag_profile
from netanalysis.analysis.returns.evidence import opened_rows
from netanalysis.analysis.returns.lag_view import adjusted_lag_table, describe_adjusted_lags
from netanalysis.dates import parse_as_of


def _table(coefs, ses):
    per_hour = np.log(2.0)
    coef = np.asarray(coefs, dtype=float)
    se = np.asarray(ses, dtype=float)
    return pd.DataFrame({"months_earlier": np.arange(len(coef)), "coef": coef, "hazard_ratio_1h": np.exp(coef * per_hour),
                         "low": np.exp((coef - 1.96 * se) * per_hour), "high": np.exp((coef + 1.96 * se) * per_hour)})


def test_holm_by_hand():
    # Lag 0 is not tested; lags 1-3 have z = 3.0, 2.0 and 0.5.
    t = adjusted_lag_table(_table([9.0, 0.6, 0.4, 0.1], [0.1, 0.2, 0.2, 0.2]))
    p = stats.norm.sf([3.0, 2.0, 0.5])
    assert np.isnan(t.loc[0, "p_value"]) and not t.loc[0, "clear"]
    assert np.allclose(t["p_value"].iloc[1:], p)
    # Holm: sorted p1 < p2 < p3 multiplied by 3, 2, 1 and made monotone.
    holm = [3 * p[0], max(3 * p[0], 2 * p[1]), max(3 * p[0], 2 * p[1], p[2])]
    assert np.allclose(t["p_adjusted"].iloc[1:], holm)
    # 3 * 0.00135 = 0.004 and 2 * 0.0228 = 0.046 pass at 5%; 0.31 does not.
    assert t["clear"].tolist() == [False, True, True, False]
    t2 = adjusted_lag_table(_table([0.0] + [0.38] * 12, [0.2] * 13))  # twelve months at z = 1.9 each
    assert not t2["clear"].any()  # each p = 0.029 alone, 0.34 after Holm
    assert "No single earlier month stands out after correcting for testing 12 months" in describe_adjusted_lags(t2)


def test_null_worlds_name_no_month(world_rows):
    named = 0
    for seed in (1, 2, 3, 4):
        t = adjusted_lag_table(lag_profile(world_rows("null", 300, 30, seed), max_lag=12))
        named += bool(t["clear"].any())
    assert named <= 1


def test_opened_rows_date_wins_by_opening():
    rows = HazardRows(unit=np.array(["a"] * 4 + ["b"] * 3, dtype=object),
                      period=np.array(list(pd.date_range("2024-01-01", periods=4, freq="MS", tz="UTC"))
                                      + list(pd.date_range("2024-02-01", periods=3, freq="MS", tz="UTC")), dtype=object),
                      minutes=np.ones(7), event=np.array([0, 0, 0, 1, 0, 0, 1.0]), tenure=np.array([0, 1, 2, 3, 0, 1, 2]),
                      starts=np.array([0, 4]))

    class DS:  # just the outcomes table the function reads
        outcomes = pd.DataFrame({
            "contact_id": ["a", "b", "b"], "account": ["A", "B", "B"], "status": ["won", "won", "lost"],
            "timestamp": pd.to_datetime(["2024-04-20", "2024-04-03", "2024-04-05"], utc=True),
            "opened_at": pd.to_datetime(["2024-02-10", "2024-01-15", "2024-03-01"], utc=True)})

    opened, cycle = opened_rows(DS(), rows)
    # a's win opened in February (row 1); b's opened in January, before b's first month: dropped.
    assert opened.event.tolist() == [0, 1, 0, 0, 0, 0, 0]
    # months from opening to win: 70 and 79 days -> median 74.5 / 30.4375 = 2.4 -> 2
    assert cycle == 2
    DS.outcomes = DS.outcomes.drop(columns="opened_at")
    assert opened_rows(DS(), rows) == (None, None)


def test_opened_rows_respect_as_of():
    rows = HazardRows(unit=np.array(["a"] * 3, dtype=object),
                      period=np.array(list(pd.date_range("2024-01-01", periods=3, freq="MS", tz="UTC")), dtype=object),
                      minutes=np.ones(3), event=np.zeros(3), tenure=np.arange(3), starts=np.array([0]))

    class DS:
        outcomes = pd.DataFrame({"contact_id": ["a", "a"], "account": ["A", "A"], "status": ["won", "won"],
                                 "timestamp": pd.to_datetime(["2024-03-31 20:00", "2024-04-02 09:00"], utc=True),
                                 "opened_at": pd.to_datetime(["2024-02-01", "2024-03-01"], utc=True)})

    # The second win closed after as_of: its opening month (March) is not an event. Both a date parsed where
    # the run starts (the end of that day) and a tz-aware timestamp work as as_of.
    for as_of in (parse_as_of("2024-03-31"), pd.Timestamp("2024-03-31 23:59:59", tz="UTC")):
        opened, _ = opened_rows(DS(), rows, as_of=as_of)
        assert opened.event.tolist() == [0, 1, 0]

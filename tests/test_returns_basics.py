"""Kaplan-Meier and instant-result share against hand computations."""

import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.returns.first_outcome import within_days_share
from netanalysis.analysis.returns.kaplan_meier import KaplanMeier


def test_kaplan_meier_by_hand():
    # times 1,2,2,3,4 with events 1,0,1,1,0:
    # S(1) = 4/5; S(2) = 4/5 * 3/4 = 0.6 (4 at risk); S(3) = 0.6 * 1/2 = 0.3 (2 at risk).
    km = KaplanMeier.fit([1, 2, 2, 3, 4], [1, 0, 1, 1, 0])
    assert km.survival_at(1.5) == pytest.approx(0.8)
    assert km.survival_at(2.5) == pytest.approx(0.6)
    assert km.probability_by(3.5)[0] == pytest.approx(0.7)
    # Greenwood at t=2: S^2 * (1/(5*4) + 1/(4*3))
    se = np.sqrt(0.36 * (1 / 20 + 1 / 12))
    idx = np.searchsorted(km.times, 2.0)
    assert km.se[idx] == pytest.approx(se, rel=1e-6)
    p, lo, hi = km.probability_by(2.5)
    assert lo < p < hi
    assert km.median()[0] == pytest.approx(3.0)


def test_median_is_none_when_fewer_than_half_pay():
    km = KaplanMeier.fit([5, 6, 7, 8], [1, 0, 0, 0])
    assert km.median() is None


def test_within_30_days_share_and_bootstrap():
    lags = pd.DataFrame({"unit": ["a", "a", "b", "c"], "lag_days": [10.0, 200.0, 400.0, 29.0]})
    r = within_days_share(lags, 30, n_boot=500, seed=1)
    assert r["share"] == pytest.approx(0.5)
    assert r["n_units"] == 3 and r["n_outcomes"] == 4
    assert 0.0 <= r["ci"][0] <= 0.5 <= r["ci"][1] <= 1.0


def _first_by_pandas(ds, unit, cut):
    """The plain pandas reference: string ids grouped directly, interactions sorted by time and id."""
    from netanalysis.panel.build import unit_of_interactions

    inter = ds.interactions[ds.interactions["timestamp"] <= cut]
    units = unit_of_interactions(ds, unit)[inter.index]
    start = inter["timestamp"].groupby(units.to_numpy()).min()
    ordered = inter.assign(_unit=units.to_numpy()).sort_values(["timestamp", "interaction_id"], kind="stable")
    return start, ordered.groupby("_unit")["channel"].first(), ordered.groupby("_unit")["source"].first()


@pytest.mark.parametrize("unit", ["contact", "account"])
def test_first_interactions_match_pandas_grouping(simulated_dataset, unit):
    """Integer-coded grouping gives pandas' own result: missing channels skipped, contacts without a
    company left out of the accounts, interactions out of order sorted first."""
    from netanalysis.analysis.returns.first_outcome import first_interactions
    from netanalysis.dataset import Dataset

    ds = simulated_dataset(contacts=300, months=24, seed=5)
    inter = ds.interactions.copy()
    inter.loc[inter.index[::7], "channel"] = pd.NA  # some first channels missing: the next one given counts
    contacts = ds.contacts.copy()
    contacts.loc[contacts.index[::5], "company"] = pd.NA
    shuffled = inter.sample(frac=1.0, random_state=0)  # a Dataset built by hand need not be sorted
    for table in (inter, shuffled):
        case = Dataset(contacts, table, ds.outcomes)
        cut = ds.last_timestamp - pd.Timedelta(days=200)
        start, channel, source = _first_by_pandas(case, unit, cut)
        got = first_interactions(case, unit, cut, ["channel", "source"])
        pd.testing.assert_series_equal(got["start"], start, check_names=False)
        pd.testing.assert_series_equal(got["channel"], channel, check_names=False)
        pd.testing.assert_series_equal(got["source"], source, check_names=False)
        assert len(got) > 10

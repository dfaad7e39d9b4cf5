"""The simulator's outcomes really lag investment."""

import json

import numpy as np
import pandas as pd

import netanalysis
from netanalysis.analysis.returns.first_outcome import first_outcome_table, outcome_lags, within_days_share
from netanalysis.analysis.returns.kaplan_meier import KaplanMeier
from netanalysis.simulate.world import hazard, simulate_world, write_canonical


def test_outcomes_lag_investment(tmp_path):
    world = simulate_world(contacts=800, months=36, seed=3)
    write_canonical(world, tmp_path)
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    assert truth["half_life_months"] == 3.0
    ds = netanalysis.load([tmp_path])
    lags = outcome_lags(ds)
    # Upper bound from the model: in the first month the stock before it is zero, so the
    # monthly chance is the base hazard 1 - exp(-exp(alpha)) for every contact.
    base = 1 - np.exp(-np.exp(truth["alpha"]))
    assert base < 0.005
    share = within_days_share(lags, 30)["share"]
    assert share < 0.12
    # The Kaplan-Meier curve keeps rising well after the first months.
    t = first_outcome_table(ds)
    km = KaplanMeier.fit(t["months"], t["event"])
    p3, p12, p24 = (km.probability_by(m)[0] for m in (3, 12, 24))
    assert p3 < p12 < p24
    assert p24 - p12 > 0.03


def test_nurtured_relationships_pay_more_often():
    world = simulate_world(contacts=1500, months=36, seed=5)
    won = world.outcomes[world.outcomes["status"] == "won"]
    rate = world.contacts.assign(won=world.contacts["contact_id"].isin(won["contact_id"])).groupby("follow_up")["won"].mean()
    assert rate["nurtured"] > rate["occasional"] > rate["one_off"]


def test_hazard_formula():
    # cloglog(h) = alpha + beta * log1p(stock/60): with stock 60 min, eta = alpha + beta * ln 2.
    h = hazard(np.array([0.0, 60.0]), alpha=-5.0, beta=2.0)
    assert h[0] == 1 - np.exp(-np.exp(-5.0))
    assert abs(h[1] - (1 - np.exp(-np.exp(-5.0 + 2.0 * np.log(2))))) < 1e-12


def test_same_seed_same_world():
    a, b = simulate_world(100, 24, seed=9), simulate_world(100, 24, seed=9)
    pd.testing.assert_frame_equal(a.interactions, b.interactions)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)


def test_group_first_is_pandas_first_of_each_group():
    """Each touch's source is its group's first member (pandas' transform("first")), or itself outside groups."""
    from netanalysis.simulate.world import _group_first

    rng = np.random.default_rng(2)
    group = np.where(rng.random(300) < 0.6, rng.integers(0, 40, 300), -1)
    values = pd.Series(rng.normal(size=300))
    expected = values.copy()
    g = group >= 0
    expected[g] = values[g].groupby(group[g]).transform("first").to_numpy()
    np.testing.assert_array_equal(values.to_numpy()[_group_first(group)], expected.to_numpy())
    assert _group_first(np.full(4, -1)).tolist() == [0, 1, 2, 3]


def test_months_stacked_into_one_frame_are_the_concatenated_month_frames():
    """`_frame` of the months' columns equals `pd.concat` of one frame per month: values and dtypes (zoned times,
    pandas strings with missing values, text), a month with no rows adding nothing."""
    from netanalysis.simulate.world import _frame

    months = []
    for t, k in enumerate((3, 0, 2)):
        months.append({
            "contact_id": np.array([f"c{t}{i}" for i in range(k)], dtype=object), "month": np.full(k, t),
            "timestamp": pd.Timestamp("2024-01-01", tz="UTC") + pd.DateOffset(months=t) + pd.to_timedelta(np.arange(k),
                                                                                                              unit="D"),
            "group_key": pd.array([f"g{i}" if i % 2 else None for i in range(k)], dtype="string"),
            "value": np.arange(k) / 3.0})
    # (pd.concat would turn the text columns into objects for the empty month's frame: the months with rows)
    expected = pd.concat([pd.DataFrame(m) for m in months if len(m["month"])], ignore_index=True)
    pd.testing.assert_frame_equal(_frame(months), expected, check_exact=True)

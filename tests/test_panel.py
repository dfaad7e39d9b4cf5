"""The panel against values worked out by hand."""

import numpy as np
import pandas as pd
import pytest

import netanalysis
from netanalysis.errors import UserError
from conftest import write


def test_stock_and_gaps_by_hand(tmp_path):
    # Half-life 1 month: the stock halves each month. Jan 60 min, nothing in Feb, 5 min in Mar.
    write(tmp_path, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
a,2025-01-10T00:00:00Z,meeting,outbound,60
a,2025-03-10T00:00:00Z,email,inbound,
""")
    ds = netanalysis.load([tmp_path])
    p = ds.panel(half_life_months=1.0, as_of="2025-04-30")
    assert p["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert p["minutes"].tolist() == [60.0, 0.0, 5.0, 0.0]
    assert p["stock"].tolist() == pytest.approx([60.0, 30.0, 20.0, 10.0])
    assert p["cum_minutes"].tolist() == [60.0, 60.0, 65.0, 65.0]
    assert p["months_since_first"].tolist() == [0, 1, 2, 3]
    assert p["months_since_last"].tolist() == [0, 1, 0, 1]
    assert p["inbound"].tolist() == [0, 0, 1, 0]
    assert p["outbound"].tolist() == [1, 0, 0, 0]


def test_two_units_restart_stock_and_outcomes(tiny_ds):
    # Half-life 3: d = 0.5 ** (1/3). Ann: 60 (Jan), 60d, 60d^2 + 5 (Mar), then decays.
    d = 0.5 ** (1 / 3)
    p = tiny_ds.panel(half_life_months=3.0, as_of="2025-05-31")
    ann = p[p["contact_id"] == "c1"]
    bob = p[p["contact_id"] == "c2"]
    assert ann["stock"].tolist() == pytest.approx([60, 60 * d, 60 * d**2 + 5, (60 * d**2 + 5) * d, (60 * d**2 + 5) * d**2])
    # Bob's call has no duration: the channel default, 20 minutes; his panel starts in February.
    assert bob["stock"].tolist() == pytest.approx([20, 20 * d, 20 * d**2, 20 * d**3])
    assert ann["outcomes_won"].tolist() == [0, 0, 0, 1, 0]
    assert ann["value_won"].sum() == 1000.0
    assert bob["outcomes_won"].sum() == 0  # a lost deal is not a won outcome


def test_single_touch_unit_is_dense_to_as_of(tmp_path):
    write(tmp_path, "interactions.csv", "contact_id,timestamp,channel\nz,2024-11-30T23:00:00Z,message\n")
    p = netanalysis.load([tmp_path]).panel(as_of="2025-02-15")
    assert len(p) == 4  # Nov, Dec, Jan, Feb
    assert p["touches"].tolist() == [1, 0, 0, 0]
    assert p["months_since_last"].tolist() == [0, 1, 2, 3]


def test_as_of_cuts_later_data(tiny_ds):
    p = tiny_ds.panel(as_of="2025-02-28")
    assert p["period"].max() == pd.Timestamp("2025-02-01", tz="UTC")
    assert p["minutes"].sum() == 60 + 20  # the March e-mail is after as_of
    assert p["outcomes_won"].sum() == 0


def test_quarterly_decay_uses_three_months(tiny_ds):
    p = tiny_ds.panel(freq="Q", half_life_months=3.0, as_of="2025-06-30")
    ann = p[p["contact_id"] == "c1"]
    assert ann["stock"].tolist() == pytest.approx([65.0, 32.5])
    assert ann["months_since_first"].tolist() == [0, 3]


def test_account_unit_groups_by_company(tiny_ds):
    p = tiny_ds.panel(unit="account", as_of="2025-04-30")
    assert set(p["account"]) == {"Acme", "Beta"}
    assert p.loc[p["account"] == "Acme", "outcomes_won"].sum() == 1


def test_stock_restart_matches_a_plain_loop():
    # The vectorised recursion against a straightforward per-unit loop on random data.
    from netanalysis.panel import _stock

    rng = np.random.default_rng(3)
    lengths = rng.integers(1, 40, size=50)
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    minutes = rng.exponential(30, size=lengths.sum()) * (rng.random(lengths.sum()) < 0.4)
    d = 0.5 ** (1 / 2.5)
    expected = np.empty_like(minutes)
    for s, n in zip(starts, lengths):
        acc = 0.0
        for k in range(n):
            acc = acc * d + minutes[s + k]
            expected[s + k] = acc
    assert np.allclose(_stock(minutes, starts, d), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("kwargs,word", [({"freq": "W"}, "freq"), ({"unit": "team"}, "unit"),
                                         ({"half_life_months": 0}, "half_life_months")])
def test_bad_parameters_name_themselves(tiny_ds, kwargs, word):
    with pytest.raises(UserError, match=word):
        tiny_ds.panel(**kwargs)

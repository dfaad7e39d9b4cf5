"""Tie strength and dormant ties, on hand-computed tiny datasets and on a simulated world."""

import numpy as np
import pandas as pd
import pytest
from helpers import write

import netanalysis
from netanalysis.analysis.network.ties import (
    classify_ties,
    cluster_bootstrap_ratio,
    dormant_ties,
    reactivations,
    tercile_thresholds,
    tie_months,
    tie_strength,
)
from netanalysis.dates import parse_as_of
from netanalysis.simulate.world import simulate_world, write_canonical


def _load(tmp_path, interactions: str, outcomes: str):
    write(tmp_path, "interactions.csv", "contact_id,timestamp,channel,direction,duration_minutes\n" + interactions)
    write(tmp_path, "outcomes.csv", "contact_id,account,timestamp,kind,status\n" + outcomes)
    return netanalysis.load([tmp_path])


def test_recent_minutes_cover_the_twelve_months_before_each_month(tmp_path):
    ds = _load(tmp_path, """a,2025-01-10T10:00:00Z,meeting,mutual,60
a,2025-03-05T10:00:00Z,call,outbound,30
a,2026-02-01T10:00:00Z,call,outbound,10
""", "a,,2025-01-20T00:00:00Z,deal,won\n")
    tm = tie_months(ds, parse_as_of("2026-03-31")).set_index("period")
    recent = tm["recent_minutes"]
    at = lambda d: recent[pd.Timestamp(d, tz="UTC")]  # noqa: E731
    # By hand: the month itself never counts; the window is the 12 months before it.
    assert at("2025-01-01") == 0
    assert at("2025-02-01") == 60
    assert at("2025-04-01") == 90
    assert at("2026-01-01") == 90   # Jan-Dec 2025
    assert at("2026-02-01") == 30   # Feb 2025-Jan 2026: the January 2025 meeting has left the window
    assert at("2026-03-01") == 40   # Mar 2025-Feb 2026
    assert len(tm) == 15  # January 2025 to March 2026


def test_terciles_and_classes_by_hand():
    recent = pd.Series([0, 10, 20, 30, 40, 50, 60], dtype=float)
    low, high = tercile_thresholds(recent)
    # Active values 10..60; linear quantiles at 1/3 and 2/3: 10 + 5/3 * 10 and 10 + 10/3 * 10.
    assert low == pytest.approx(10 + 10 * 5 / 3)
    assert high == pytest.approx(10 + 10 * 10 / 3)
    assert classify_ties(recent, (low, high)).tolist() == [pd.NA, "weak", "weak", "medium", "medium", "strong", "strong"]
    assert tercile_thresholds(pd.Series([0.0, 0.0])) is None


def test_rates_and_shares_by_tie_strength_by_hand(tmp_path):
    # a: an e-mail (5 min), b: a 20-minute call, c: a 60-minute meeting, all in January 2025.
    ds = _load(tmp_path, """a,2025-01-10T10:00:00Z,email,outbound,
b,2025-01-11T10:00:00Z,call,outbound,20
c,2025-01-12T10:00:00Z,meeting,mutual,60
""", """c,,2025-02-10T00:00:00Z,deal,won
c,,2025-03-10T00:00:00Z,deal,won
b,,2025-03-11T00:00:00Z,deal,won
a,,2025-01-20T00:00:00Z,deal,won
,Acme,2025-02-01T00:00:00Z,deal,won
c,,2025-03-12T00:00:00Z,deal,lost
""")
    ts = tie_strength(ds, parse_as_of("2025-03-31"), n_boot=200)
    # Active tie-months (Feb, Mar) have recent minutes 5, 5, 20, 20, 60, 60:
    # thresholds at positions 5/3 and 10/3 of the sorted values.
    assert ts.thresholds == pytest.approx((5 + 15 * 2 / 3, 20 + 40 / 3))
    t = ts.table
    assert t["tie_months"].tolist() == [2, 2, 2]
    assert ts.rates() == pytest.approx({"weak": 0.0, "medium": 0.5, "strong": 1.0})
    assert ts.shares() == pytest.approx({"weak": 0.0, "medium": 1 / 3, "strong": 2 / 3})
    assert ts.outcomes_from_inactive == 1      # a's deal came in the month of the first e-mail
    assert ts.outcomes_without_contact == 1    # the Acme deal is known only by its account
    assert t.loc["strong", "outcome_rate_low"] <= 1.0 <= t.loc["strong", "outcome_rate_high"] + 1e-12


def test_nothing_after_as_of_is_used(tmp_path):
    ds = _load(tmp_path, """a,2025-01-10T10:00:00Z,meeting,mutual,60
a,2025-05-10T10:00:00Z,meeting,mutual,600
""", "a,,2025-06-10T00:00:00Z,deal,won\n")
    early = tie_strength(ds, parse_as_of("2025-03-31"), n_boot=50)
    assert early.thresholds == (60.0, 60.0)
    assert early.table["outcomes_won"].sum() == 0


def test_strong_ties_pay_more_in_a_simulated_world(tmp_path):
    # In the simulator the monthly chance of an outcome rises with the recent stock of minutes.
    write_canonical(simulate_world(contacts=500, months=36, seed=11), tmp_path)
    ts = tie_strength(netanalysis.load([tmp_path]), n_boot=300)
    r, t = ts.rates(), ts.table
    assert r["strong"] > r["medium"] > r["weak"]
    assert t.loc["strong", "outcome_rate_low"] > t.loc["weak", "outcome_rate_high"]
    assert ts.shares()["strong"] > ts.shares()["weak"]


def test_dormant_ties_by_hand(tmp_path):
    # d: silent for 14 months, then touched again and a deal two months later.
    # e: touched every month of 2023 and 2024, one deal in June 2024.
    e_rows = "".join(f"e,{y}-{m:02d}-05T10:00:00Z,email,outbound,\n" for y in (2023, 2024) for m in range(1, 13))
    ds = _load(tmp_path, "d,2023-01-10T10:00:00Z,meeting,mutual,60\nd,2024-03-15T10:00:00Z,call,outbound,20\n" + e_rows,
               "d,,2024-05-01T00:00:00Z,deal,won\ne,,2024-06-10T00:00:00Z,deal,won\n")
    react = reactivations(ds, parse_as_of("2024-12-31"))
    assert react["contact_id"].tolist() == ["d"]
    assert react["silent_months"].iloc[0] == pytest.approx(430 / 30.4375)
    dt = dormant_ties(ds, parse_as_of("2024-12-31"), n_boot=100)
    t = dt.table
    # After the reactivation: March to December 2024 (10 months), one with a deal.
    assert t.loc["reactivated", "tie_months"] == 10
    assert t.loc["reactivated", "outcome_rate"] == pytest.approx(0.1)
    # Active: d from Feb 2023 to Jan 2024 (12 months), e from Feb 2023 to Dec 2024 (23 months); one deal.
    assert t.loc["active", "tie_months"] == 35
    assert t.loc["active", "outcome_rate"] == pytest.approx(1 / 35)
    assert t.loc["reactivated", "reactivations"] == 1


def test_no_dormant_ties_gives_a_reason(tiny_ds):
    dt = dormant_ties(tiny_ds, n_boot=50)
    assert dt.table.loc["reactivated", "tie_months"] == 0
    assert np.isnan(dt.table.loc["reactivated", "outcome_rate"])
    assert any("dormant_reactivation_outcome_rate" in n for n in dt.notes)


def test_cluster_bootstrap_matches_a_plain_loop():
    num = np.array([[1.0], [0.0], [2.0], [1.0]])
    den = np.array([[2.0], [1.0], [2.0], [3.0]])
    lo, hi = cluster_bootstrap_ratio(num, den, n_boot=400, seed=3)[0]
    rng = np.random.default_rng(7)
    ref = []
    for _ in range(4000):
        pick = rng.integers(0, 4, 4)
        ref.append(num[pick].sum() / den[pick].sum())
    ref_lo, ref_hi = np.quantile(ref, [0.025, 0.975])
    assert lo == pytest.approx(ref_lo, abs=0.08) and hi == pytest.approx(ref_hi, abs=0.08)
    assert lo <= 0.5 <= hi


def test_a_rate_of_zero_still_gets_an_upper_bound():
    from netanalysis.analysis.network.ties import rate_interval

    # Wilson's interval for 0 of 10: upper bound z^2 / (n + z^2) = 3.8415 / 13.8415.
    lo, hi = rate_interval(0, 10, np.array([0.0, 0.0]))
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(3.841459 / 13.841459, rel=1e-5)
    assert rate_interval(3, 10, np.array([0.1, 0.6])) == (0.1, 0.6)


def test_tie_rates_in_a_reverse_world_come_with_the_association_caveat():
    # Wins fall at a constant rate and deals bring meetings: strong ties "win" far more often,
    # and the sentence must say that this is an association, partly made by the deals.
    from netanalysis.analysis.network.ties import describe_tie_rates, tie_strength
    from netanalysis.classroom.naive_readings import world_dataset
    from netanalysis.simulate.world import simulate_world

    ds = world_dataset(simulate_world(contacts=200, months=30, seed=0, world="reverse"))
    rates = tie_strength(ds, n_boot=100).rates()
    assert rates["strong"] > 3 * rates["weak"]
    text = describe_tie_rates(rates)
    assert "association, not an effect" in text and "deal in progress brings meetings" in text
    assert "section 3" in text

"""Diversity: Shannon entropy of invested minutes across companies, by hand."""

import numpy as np
import pandas as pd
import pytest
from helpers import write

import netanalysis
from netanalysis.analysis.network.diversity import (
    _jackknife_ci,
    diversity_and_outcomes,
    diversity_over_time,
    network_diversity,
    shannon_entropy_bits,
)
from netanalysis.dates import parse_as_of


@pytest.fixture
def three_companies(tmp_path):
    write(tmp_path, "contacts.csv", """
contact_id,name,company
a,Ann,Acme
b,Bea,Acme
c,Cy,Beta
d,Di,Gamma
e,Ed,
""")
    write(tmp_path, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
a,2025-01-10T10:00:00Z,meeting,mutual,60
b,2025-02-10T10:00:00Z,meeting,mutual,60
c,2025-02-11T10:00:00Z,meeting,mutual,60
d,2025-03-12T10:00:00Z,meeting,mutual,120
e,2025-03-13T10:00:00Z,meeting,mutual,60
a,2026-02-10T10:00:00Z,call,outbound,30
""")
    write(tmp_path, "outcomes.csv", "contact_id,timestamp,kind\na,2025-04-01T00:00:00Z,deal\n")
    return netanalysis.load([tmp_path])


def test_entropy_in_bits_by_hand():
    assert shannon_entropy_bits([1, 1]) == pytest.approx(1.0)
    assert shannon_entropy_bits([5]) == 0.0
    assert shannon_entropy_bits([1, 1, 1, 1]) == pytest.approx(2.0)
    # p = (1/2, 1/4, 1/4): 1/2*1 + 2 * 1/4*2 = 1.5 bits
    assert shannon_entropy_bits([2, 1, 1, 0]) == pytest.approx(1.5)
    assert np.isnan(shannon_entropy_bits([0, 0]))


def test_diversity_over_time_by_hand(three_companies):
    d = diversity_over_time(three_companies, parse_as_of("2026-03-31")).set_index("period")
    at = lambda m: d.loc[pd.Timestamp(m, tz="UTC")]  # noqa: E731
    assert at("2025-01-01")["entropy_bits"] == 0.0                  # Acme only
    assert at("2025-02-01")["entropy_bits"] == pytest.approx(-(2 / 3) * np.log2(2 / 3) - (1 / 3) * np.log2(1 / 3))
    # March 2025: Acme 120, Beta 60, Gamma 120 (Ed has no company): shares 0.4, 0.2, 0.4.
    m = at("2025-03-01")
    assert m["entropy_bits"] == pytest.approx(-2 * 0.4 * np.log2(0.4) - 0.2 * np.log2(0.2))
    assert m["groups"] == 3 and m["unknown_share"] == pytest.approx(60 / 360)
    assert m["effective_number"] == pytest.approx(2 ** m["entropy_bits"])
    # February 2026: the 12 months Mar 2025-Feb 2026 hold Gamma 120 and Acme 30.
    assert at("2026-02-01")["entropy_bits"] == pytest.approx(shannon_entropy_bits([120, 30]))


def test_network_diversity_uses_the_last_twelve_months_only(three_companies):
    nd = network_diversity(three_companies, parse_as_of("2026-02-28"))
    # (2025-02-28, 2026-02-28]: d 120 (Gamma), e 60 (unknown), a 30 (Acme).
    assert nd["entropy_bits"] == pytest.approx(shannon_entropy_bits([120, 30]))
    assert nd["groups"] == 2 and nd["contacts"] == 2
    assert nd["unknown_share"] == pytest.approx(60 / 210)
    empty = network_diversity(three_companies, parse_as_of("2028-01-01"))
    assert empty["entropy_bits"] is None and "no interactions" in empty["note"]


def test_jackknife_matches_leaving_each_contact_out_by_brute_force():
    per_contact = pd.Series([60.0, 30.0, 60.0, 120.0, 10.0, 5.0],
                            index=pd.MultiIndex.from_tuples([("a", "X"), ("a", "Y"), ("b", "X"), ("c", "Z"), ("d", "Y"), ("e", "W")],
                                                            names=["contact_id", "group"]))
    h = shannon_entropy_bits(per_contact.groupby(level="group").sum())
    loo = []
    for c in "abcde":
        rest = per_contact.drop(c, level="contact_id")
        loo.append(shannon_entropy_bits(rest.groupby(level="group").sum()))
    loo = np.array(loo)
    se = np.sqrt(4 / 5 * ((loo - loo.mean()) ** 2).sum())
    lo, hi = _jackknife_ci(per_contact, h)
    assert lo == pytest.approx(max(0.0, h - 1.959964 * se)) and hi == pytest.approx(h + 1.959964 * se)


def test_diversity_and_outcomes_needs_enough_months(three_companies):
    d = diversity_over_time(three_companies, parse_as_of("2026-03-31"))
    out = diversity_and_outcomes(three_companies, d, parse_as_of("2026-03-31"))
    assert out["rho"] is None and "at least 12" in out["note"]


def test_diversity_tracks_outcomes_when_it_drives_them(tmp_path):
    # Months alternate between one company and six companies for a year each, and an outcome
    # follows each diverse month one month later: the correlation must be clearly positive.
    rows, outs = [], []
    for m in range(48):
        y, mo = 2021 + m // 12, m % 12 + 1
        diverse = (m // 12) % 2 == 1
        for k in range(6 if diverse else 1):
            rows.append(f"c{k},{y}-{mo:02d}-03T10:00:00Z,meeting,mutual,60")
        if diverse and m + 1 < 48:
            y1, mo1 = 2021 + (m + 1) // 12, (m + 1) % 12 + 1
            outs.append(f"c0,{y1}-{mo1:02d}-20T00:00:00Z,deal")
    write(tmp_path, "contacts.csv", "contact_id,name,company\n" + "".join(f"c{k},N{k},Co{k}\n" for k in range(6)))
    write(tmp_path, "interactions.csv", "contact_id,timestamp,channel,direction,duration_minutes\n" + "\n".join(rows) + "\n")
    write(tmp_path, "outcomes.csv", "contact_id,timestamp,kind\n" + "\n".join(outs) + "\n")
    ds = netanalysis.load([tmp_path])
    d = diversity_over_time(ds, parse_as_of("2024-12-31"), window_months=1)
    out = diversity_and_outcomes(ds, d, parse_as_of("2024-12-31"), ahead_months=1, n_boot=200)
    assert out["rho"] > 0.8 and out["months"] == 47
    assert 0 < out["ci"][0] <= out["ci"][1] <= 1
    assert out["beyond_trend"] and out["p_value"] < 0.05


def test_null_world_where_both_series_trend_finds_nothing_beyond_the_trend():
    # Outcomes fall at a constant hazard whatever the time invested; a growing network
    # still gives diversity and outcomes a shared trend (levels correlate strongly).
    from netanalysis.classroom.naive_readings import world_dataset
    from netanalysis.simulate.world import simulate_world

    world = simulate_world(contacts=200, months=48, seed=19, world="null")
    assert world.truth.causal_link is False
    ds = world_dataset(world)
    out = diversity_and_outcomes(ds, diversity_over_time(ds, None, "company", 12), None, ahead_months=6, n_boot=200)
    assert out["rho_raw"] > 0.7
    assert not out["beyond_trend"] and out["p_value"] > 0.05
    assert out["ci"][0] < 0 < out["ci"][1]
    from netanalysis.analysis.network.diversity import describe_diversity_and_outcomes
    assert "cannot be told apart from no link" in describe_diversity_and_outcomes(out)

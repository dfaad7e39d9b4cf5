"""Segments (log-rank), cohorts, cumulative shares, deal cycles and parameter checks against hand computations."""

import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.returns.carryover import HazardRows, lag_profile
from netanalysis.analysis.returns.cohorts import cohort_table, cohort_triangle
from netanalysis.analysis.returns.first_outcome import (
    check_returns_parameters,
    month_when_share_reached,
    outcome_share_by_month,
)
from netanalysis.analysis.returns.segments import compare_segments, segment_labels
from netanalysis.dataset import Dataset
from netanalysis.dates import parse_as_of
from netanalysis.errors import UserError


def _dataset(interactions, outcomes, contacts=None):
    inter = pd.DataFrame(interactions, columns=["contact_id", "timestamp", "source", "source_row"])
    inter = inter.assign(interaction_id=[f"i{k}" for k in range(len(inter))], channel="meeting", direction="mutual",
                         duration_minutes=60.0)
    outc = pd.DataFrame(outcomes, columns=["contact_id", "timestamp", "status", "value", "source", "source_row"])
    outc = outc.assign(outcome_id=[f"o{k}" for k in range(len(outc))], account=pd.NA, kind="deal", currency="EUR")
    ids = sorted(set(inter["contact_id"]))
    cont = contacts if contacts is not None else pd.DataFrame({"contact_id": ids, "company": [f"Co {i}" for i in ids]})
    cont = cont.assign(name=cont["contact_id"], emails=[[] for _ in range(len(cont))], sources=[["t"]] * len(cont),
                       first_seen=pd.NaT)
    return Dataset.from_frames(cont, inter, outc, check=False)


def _logrank_by_hand(time, event, group):
    """Two-group log-rank chi-square: sum (O - E) over event times, hypergeometric variance."""
    time, event, group = map(np.asarray, (time, event, group))
    o_minus_e, var = 0.0, 0.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n, n1 = at_risk.sum(), (at_risk & (group == 0)).sum()
        d = ((time == t) & (event == 1)).sum()
        d1 = ((time == t) & (event == 1) & (group == 0)).sum()
        o_minus_e += d1 - d * n1 / n
        if n > 1:
            var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_minus_e ** 2 / var


def test_logrank_matches_a_hand_computation():
    table = pd.DataFrame({"months": [1, 3, 5, 7, 2, 4, 4, 6, 8, 9],
                          "event": [1, 1, 0, 1, 1, 1, 0, 0, 1, 0],
                          "first_channel": ["call"] * 4 + ["meeting"] * 6})
    cmp = compare_segments(table, "first_channel", min_units=1)
    groups = (table["first_channel"] == "meeting").astype(int)
    assert cmp.chi2 == pytest.approx(_logrank_by_hand(table["months"], table["event"], groups), rel=1e-9)
    assert set(cmp.curves) == {"call", "meeting"}
    assert cmp.summary.set_index("segment").loc["call", "with a won outcome"] == 3


def test_small_segments_are_pooled_and_unknown_segment_is_a_user_error():
    table = pd.DataFrame({"source": ["a"] * 12 + ["b"] * 11 + ["c"] * 2, "months": 1.0, "event": 0})
    labels = segment_labels(table, "source", max_groups=6, min_units=10)
    assert labels.value_counts().to_dict() == {"a": 12, "b": 11, "other": 2}
    with pytest.raises(UserError, match="segment"):
        segment_labels(table, "colour")


def test_cohort_triangle_by_hand():
    ds = _dataset([("a", "2025-01-10T10:00:00Z", "t", 1), ("b", "2025-02-20T10:00:00Z", "t", 2),
                   ("c", "2025-04-02T10:00:00Z", "t", 3)],
                  [("a", "2025-03-05T10:00:00Z", "won", 100.0, "t", 1), ("c", "2025-04-20T10:00:00Z", "won", 50.0, "t", 2),
                   ("b", "2025-05-20T10:00:00Z", "lost", 50.0, "t", 3)])
    long = cohort_table(ds, as_of=parse_as_of("2025-06-30"))
    tri = cohort_triangle(long)
    # 2025Q1 = {a (Jan), b (Feb)}: both followed 0..4 months; a wins in month 2 (March)
    q1 = tri.loc["2025Q1"]
    assert q1["relationships"] == 2
    assert [q1[k] for k in range(5)] == [0.0, 0.0, 0.5, 0.5, 0.5]
    assert 5 not in tri.columns  # b has not been followed 5 months, so the cohort's cell is left out
    q2 = tri.loc["2025Q2"]
    assert [q2[k] for k in range(3)] == [1.0, 1.0, 1.0] and pd.isna(q2[3])
    per100 = long.set_index(["cohort", "months_since_first"])["outcomes_per_100"]
    assert per100[("2025Q1", 2)] == pytest.approx(50.0)


def test_outcome_share_by_month_by_hand():
    lags = pd.DataFrame({"unit": list("abcd"), "lag_months": [0.5, 1.2, 1.9, 5.0], "value": [100.0, 0.0, 300.0, 600.0]})
    s = outcome_share_by_month(lags)
    assert s["outcomes"].tolist() == [1, 2, 0, 0, 0, 1]
    np.testing.assert_allclose(s["share_of_outcomes"], [0.25, 0.75, 0.75, 0.75, 0.75, 1.0])
    np.testing.assert_allclose(s["share_of_value"], [0.1, 0.4, 0.4, 0.4, 0.4, 1.0])
    assert month_when_share_reached(lags, 0.5, "value") == 5.0
    assert month_when_share_reached(lags, 0.5, "count") == 1.2


def test_lag_profile_has_one_row_per_lag_and_is_empty_without_outcomes():
    rows = HazardRows(unit=np.array(["a"] * 5, dtype=object), period=np.zeros(5), minutes=np.ones(5),
                      event=np.zeros(5), tenure=np.arange(5), starts=np.array([0]))
    out = lag_profile(rows, max_lag=3)
    assert out["months_earlier"].tolist() == [0, 1, 2, 3] and out["hazard_ratio_1h"].isna().all()


@pytest.mark.parametrize("kw, name", [({"unit": "team"}, "unit"), ({"segment": "x"}, "segment"),
                                      ({"half_life_min": 5, "half_life_max": 2}, "half_life_min"),
                                      ({"half_life_steps": 1}, "half_life_steps"),
                                      ({"reverse_causation_gap_months": -1}, "reverse_causation_gap_months")])
def test_bad_parameters_are_user_errors_naming_the_parameter(kw, name):
    with pytest.raises(UserError, match=name):
        check_returns_parameters(**kw)


def test_default_grid_is_fine_and_log_spaced():
    grid = check_returns_parameters()
    assert grid[0] == pytest.approx(0.25) and grid[-1] == pytest.approx(36.0) and len(grid) == 64
    assert np.allclose(np.diff(np.log(grid)), np.log(grid[1] / grid[0]))


def test_chance_by_a_year_is_known_when_everyone_already_had_an_outcome():
    from netanalysis.analysis.returns.kaplan_meier import KaplanMeier

    km = KaplanMeier.fit([1.0, 2.0, 3.0], [1, 1, 1])  # all three paid within 3 months
    assert km.followed_long_enough(12) and km.probability_by(12)[0] == 1.0
    km = KaplanMeier.fit([1.0, 2.0, 3.0], [1, 0, 1])
    assert km.followed_long_enough(12)  # the last one at risk had its outcome at 3 months: S = 0
    km = KaplanMeier.fit([1.0, 2.0, 3.0], [1, 1, 0])
    assert not km.followed_long_enough(12)


def test_nothing_after_as_of_is_used():
    """Every delayed-returns table is the same whether the data after as_of exists or was cut off first."""
    from netanalysis.analysis.returns.carryover import hazard_rows, profile_half_life
    from netanalysis.analysis.returns.first_outcome import first_outcome_table, outcome_lags
    from netanalysis.classroom.naive_readings import world_dataset
    from netanalysis.simulate.world import simulate_world

    full = world_dataset(simulate_world(contacts=300, months=30, seed=4))
    cut = "2024-06-30"
    known, at = full.until(cut), parse_as_of(cut)
    pd.testing.assert_frame_equal(first_outcome_table(full, as_of=at), first_outcome_table(known, as_of=at))
    pd.testing.assert_frame_equal(outcome_lags(full, as_of=at).reset_index(drop=True),
                                  outcome_lags(known, as_of=at).reset_index(drop=True))
    pd.testing.assert_frame_equal(cohort_table(full, as_of=at), cohort_table(known, as_of=at))
    a, b = hazard_rows(full, as_of=at), hazard_rows(known, as_of=at)
    np.testing.assert_array_equal(a.minutes, b.minutes)
    np.testing.assert_array_equal(a.event, b.event)
    grid = np.geomspace(0.5, 12, 12)
    np.testing.assert_allclose(profile_half_life(a, grid, min_events=5).deviance,
                               profile_half_life(b, grid, min_events=5).deviance)
    assert pd.Timestamp(a.period.max(), tz="UTC") <= pd.Timestamp(cut, tz="UTC")  # periods are UTC datetime64


def test_every_view_runs_for_accounts():
    from netanalysis.analysis.returns.first_outcome import first_outcome_table, outcome_lags
    from netanalysis.classroom.naive_readings import world_dataset
    from netanalysis.simulate.world import simulate_world

    world = simulate_world(contacts=200, months=24, seed=6)
    ds = world_dataset(world)
    table = first_outcome_table(ds, unit="account")
    assert set(table["unit"]) == set(world.contacts["company"])
    assert (table["company"] == table["unit"]).all()
    cmp = compare_segments(table, "first_contact_year", min_units=1)
    assert cmp.n_units == len(table)
    lags = outcome_lags(ds, unit="account")
    assert len(lags) == (world.outcomes["status"] == "won").sum()  # every won outcome belongs to an account
    long = cohort_table(ds, unit="account")
    assert long.groupby("cohort")["units"].first().sum() == world.contacts["company"].nunique()


def test_headline_sentences_from_metrics():
    from netanalysis.analysis.returns.first_outcome import headline

    text = headline({"outcomes_within_30d_share": 0.02, "outcomes_within_30d_share_ci": [0.01, 0.04],
                     "outcomes_within_30d_share_constant_rate": 0.06, "outcome_value_half_arrived_months": 9.2,
                     "outcome_value_half_arrived_months_constant_rate": 8.6,
                     "first_outcome_probability_12m": 0.14, "first_outcome_probability_12m_ci": [0.11, 0.18],
                     "carryover_half_life_months": 3.84, "carryover_half_life_months_ci": [2.4, None]})
    # 4% (the interval's top) is below the 6% a constant rate gives: rare is earned
    assert "Instant results are rare:** only 2% of won outcomes" in text and "by month 9 (by month 9 at a constant" in text
    assert "new relationship has produced a won outcome is 14% (95% interval 11% to 18%)" in text
    assert "about 3.8 months (95% interval at least 2.4 months)" in text
    assert "cannot be pinned down" in headline({"carryover_half_life_months": None})


def test_interval_when_everyone_paid_is_the_exact_binomial_one():
    from netanalysis.analysis.returns.kaplan_meier import KaplanMeier

    km = KaplanMeier.fit([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1])
    p, lo, hi = km.probability_by(12)
    # Clopper-Pearson for 4 of 4: lower = (0.025) ** (1/4)
    assert p == 1.0 and hi == 1.0 and lo == pytest.approx(0.025 ** 0.25)


def test_no_won_outcomes_gives_nulls_and_empty_views_not_errors():
    from netanalysis.analysis.returns.carryover import (
        describe_dose_response,
        dose_response,
        hazard_rows,
        profile_half_life,
    )
    from netanalysis.analysis.returns.first_outcome import (
        first_outcome_table,
        headline,
        outcome_lags,
        within_days_share,
    )
    from netanalysis.analysis.returns.kaplan_meier import KaplanMeier
    from netanalysis.classroom.naive_readings import world_dataset
    from netanalysis.plots import returns as plots_returns
    from netanalysis.simulate.world import simulate_world

    world = simulate_world(contacts=80, months=18, seed=1)
    world.outcomes = world.outcomes.iloc[0:0]
    ds = world_dataset(world)
    table = first_outcome_table(ds)
    km = KaplanMeier.fit(table["months"], table["event"])
    assert km.n_events == 0 and km.median() is None
    lags = outcome_lags(ds)
    assert within_days_share(lags)["share"] is None and outcome_share_by_month(lags).empty
    rows = hazard_rows(ds)
    prof = profile_half_life(rows)
    assert prof.best is None and "0 months with a won outcome" in prof.reason
    curve = dose_response(rows, prof)
    assert curve.empty and "too few" in describe_dose_response(curve)
    plots_returns.dose_response(curve)
    plots_returns.half_life_profile(prof.table(), prof.best, None)
    assert lag_profile(rows)["hazard_ratio_1h"].isna().all()
    assert compare_segments(table, "first_contact_year", min_units=1).p_value is None
    assert "cannot be pinned down" in headline({"carryover_half_life_months": None})


def test_one_panel_serves_the_hazard_rows_the_cohorts_and_the_event_study(simulated_dataset):
    """Handing over the panel already built gives what each view builds on its own; the event study keeps
    only the months of units with a won outcome, and its results do not change."""
    from netanalysis.analysis.returns.carryover import PANEL_COLUMNS, hazard_rows, monthly_panel
    from netanalysis.analysis.returns.event_study import event_study, event_study_panel

    ds = simulated_dataset(contacts=300, months=24, seed=4)
    at = ds.last_timestamp
    panel = monthly_panel(ds, as_of=at)
    full = ds.panel(freq="M", half_life_months=1.0, unit="contact", as_of=at)
    pd.testing.assert_frame_equal(panel, full[["contact_id", *PANEL_COLUMNS]])
    pd.testing.assert_frame_equal(cohort_table(ds, as_of=at, panel=panel), cohort_table(ds, as_of=at))
    a, b = hazard_rows(ds, as_of=at, panel=panel), hazard_rows(ds, as_of=at)
    assert np.array_equal(a.minutes, b.minutes) and np.array_equal(a.event, b.event) and list(a.unit) == list(b.unit)
    activity, events = event_study_panel(ds, as_of=at, panel=panel)
    assert set(activity["unit"]) == set(events["unit"]) and len(activity) < len(panel)
    whole = pd.DataFrame({"unit": panel["contact_id"].astype(str).to_numpy(),
                          "month": (panel["period"].dt.year * 12 + panel["period"].dt.month - 1).to_numpy("int64"),
                          "minutes": panel["minutes"].to_numpy(float), "touches": panel["touches"].to_numpy(float)})
    pd.testing.assert_frame_equal(event_study(activity, events, seed=1).table, event_study(whole, events, seed=1).table)

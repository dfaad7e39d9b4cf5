"""How soon outcomes come is said only against what a constant rate over the same follow-up gives."""

import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.returns.first_outcome import (
    constant_rate_reference,
    describe_arrival,
    first_outcome_table,
    followup_months,
    headline,
    month_when_share_reached,
    outcome_lags,
    within_days_share,
)
from netanalysis.classroom.naive_readings import world_dataset
from netanalysis.dates import parse_as_of
from netanalysis.simulate.world import simulate_world


def test_reference_by_hand():
    # Followed 1, 1, 1 and 5 months (sum 8): sum min(t, F) = 4 at t = 1 (3 * 1 + 1).
    ref = constant_rate_reference(np.array([1.0, 1.0, 1.0, 5.0]))
    assert ref["half_arrived_months"] == pytest.approx(1.0)
    d = 30 / 30.4375
    assert ref["share_within_days"] == pytest.approx(4 * d / 8)
    # Followed 10 months each: outcomes spread evenly, half by month 5.
    assert constant_rate_reference(np.full(7, 10.0))["half_arrived_months"] == pytest.approx(5.0)
    assert constant_rate_reference(np.array([]))["half_arrived_months"] is None


def test_followup_runs_from_first_interaction_to_as_of():
    table = pd.DataFrame({"start": pd.to_datetime(["2025-01-01", "2025-03-01"], utc=True)})
    # as_of is the end of 1 March: 60 days and 1 day
    assert followup_months(table, parse_as_of("2025-03-01")) == pytest.approx([60 / 30.4375, 1 / 30.4375])


def _arrival(ds):
    lags = outcome_lags(ds)
    instant = within_days_share(lags, 30, n_boot=400)
    ref = constant_rate_reference(followup_months(first_outcome_table(ds), ds.last_timestamp))
    return instant, ref, month_when_share_reached(lags, 0.5, "value")


def test_constant_hazard_world_claims_no_delay():
    world = simulate_world(contacts=300, months=36, seed=0, world="null")
    instant, ref, half = _arrival(world_dataset(world))
    assert instant["ci"][0] <= ref["share_within_days"] <= instant["ci"][1]
    text = describe_arrival(instant, half, ref)
    assert "show no delay" in text and "measures follow-up, not delay" in text
    assert "seldom" not in text and "rare" not in text
    metrics = {"outcomes_within_30d_share": instant["share"], "outcomes_within_30d_share_ci": instant["ci"],
               "outcomes_within_30d_share_constant_rate": ref["share_within_days"],
               "outcome_value_half_arrived_months": half,
               "outcome_value_half_arrived_months_constant_rate": ref["half_arrived_months"]}
    assert "rare" not in headline(metrics) and "Outcomes within 30 days" in headline(metrics)


def test_bundled_sample_sentence_follows_the_reference(sample_ds):
    instant, ref, half = _arrival(sample_ds)
    text = describe_arrival(instant, half, ref)
    lo, hi = instant["ci"]
    expected = "fewer" if hi < ref["share_within_days"] else "more" if lo > ref["share_within_days"] else "same"
    assert {"fewer": "seldom follow", "more": "many outcomes follow", "same": "show no delay"}[expected] in text
    assert f"month **{half:.0f}**" in text and f"month {ref['half_arrived_months']:.0f} at a constant rate" in text


def test_fewer_early_outcomes_than_the_reference_is_called_rare():
    instant = {"share": 0.01, "ci": [0.0, 0.02], "n_outcomes": 100, "n_units": 60}
    text = describe_arrival(instant, 20.0, {"share_within_days": 0.1, "half_arrived_months": 6.0})
    assert "seldom follow a first meeting" in text and "about **10%** would have" in text

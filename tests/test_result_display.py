"""Results that show themselves: metrics, notes and sentences worked out by hand on tiny tables."""

import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.investment import Investment
from netanalysis.analysis.network.ties import CLASSES, DormantTies, TieStrength, _with_metric_notes


def test_investment_metrics_by_hand():
    jan, feb = pd.Timestamp("2025-01-01", tz="UTC"), pd.Timestamp("2025-02-01", tz="UTC")
    panel = pd.DataFrame({"period": [jan, jan, feb, feb], "minutes": [60.0, 120.0, 30.0, 90.0],
                          "touches": [1, 2, 0, 1], "stock": [60.0, 120.0, 45.0, 150.0]})
    totals = pd.DataFrame({"period": [jan, feb], "new_hours": [3.0, 0.0], "nurtured_hours": [0.0, 1.0]})
    inv = Investment(panel, totals, half_life_months=3.0)
    # 300 minutes = 5 hours; 3 of 4 hours to new relationships; in February one relationship was touched.
    assert inv.metrics() == {"hours_invested": 5.0, "share_hours_new_relationships": 0.75,
                             "active_relationships_last_period": 1}
    assert "**75%**" in inv.sentence() and "**1** of 2 relationships" in inv.sentence()
    assert list(inv.summary()["period"]) == ["2025-01", "2025-02"]


def _ties(rates, shares, ties, won):
    table = pd.DataFrame({"tie_months": [10, 10, 10], "ties": ties, "months_with_outcome": [1, 2, 3],
                          "outcomes_won": won, "outcome_rate": rates, "outcome_rate_low": rates,
                          "outcome_rate_high": rates, "outcome_share": shares, "outcome_share_low": shares,
                          "outcome_share_high": shares}, index=pd.Index(CLASSES, name="tie_strength"))
    return table


def test_tie_strength_metrics_and_their_n():
    ts = _with_metric_notes(TieStrength((60.0, 180.0), _ties([0.1, 0.2, 0.3], [1 / 6, 2 / 6, 3 / 6], [4, 5, 6],
                                                             [1, 2, 3]), window_months=12))
    m = ts.metrics()
    assert m["outcome_rate_by_tie_strength"] == pytest.approx({"weak": 0.1, "medium": 0.2, "strong": 0.3})
    assert m["outcome_rate_by_tie_strength_n"] == {"weak": 4, "medium": 5, "strong": 6}
    assert m["outcome_share_by_tie_strength_n"] == 6  # 1 + 2 + 3 won outcomes
    assert m["tie_strength_thresholds_minutes"] == [60.0, 180.0] and ts.notes == []
    assert "up to 1 hour in" in ts.sentence() and "above 3 hours" in ts.sentence()


def test_tie_strength_without_active_ties_says_why():
    nan = [np.nan] * 3
    ts = _with_metric_notes(TieStrength(None, _ties(nan, nan, [0, 0, 0], [0, 0, 0]), window_months=6))
    m = ts.metrics()
    assert m == {"outcome_rate_by_tie_strength": None, "outcome_share_by_tie_strength": None,
                 "tie_strength_thresholds_minutes": None}
    assert [n.split(":")[0] for n in ts.notes] == ["outcome_rate_by_tie_strength", "outcome_share_by_tie_strength"]
    assert "previous 6 months" in ts.notes[1]
    assert ts.sentence().startswith("No relationship had time invested in a previous 6-month window yet")
    assert ts.captions == {}  # no figure without thresholds


def test_dormant_ties_metrics_leave_out_empty_groups():
    table = pd.DataFrame({"reactivations": [2, 0], "ties": [2, 0], "tie_months": [8, 0], "months_with_outcome": [2, 0],
                          "outcome_rate": [0.25, np.nan], "outcome_rate_low": [0.0, np.nan],
                          "outcome_rate_high": [0.5, np.nan]}, index=pd.Index(["reactivated", "active"], name="group"))
    react = pd.DataFrame({"contact_id": ["a", "b"]})
    m = DormantTies(react, table).metrics()
    assert m == {"dormant_reactivations": 2, "dormant_reactivation_outcome_rate": 0.25,
                 "dormant_reactivation_outcome_rate_ci": [0.0, 0.5], "dormant_reactivation_outcome_rate_n": 2,
                 "active_tie_outcome_rate": None}
    assert "**25.0%** of months." in DormantTies(react, table).sentence()

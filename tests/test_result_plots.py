"""Results draw themselves into a caller's axes: what is drawn is counted on tiny tables known by hand."""

import matplotlib

matplotlib.use("Agg")  # the test process has no display; the package itself sets no backend
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.network.diversity_summary import Diversity
from netanalysis.analysis.network.structural_holes import EGO, StructuralHoles
from netanalysis.analysis.network.ties import CLASSES, DormantTies, TieStrength
from netanalysis.analysis.predict.holdout import Holdout, Prediction
from netanalysis.analysis.returns.event_study import EventStudy
from netanalysis.classroom.naive_readings import ReverseLesson
from netanalysis.plots.classroom import fooled_by_reverse_causation


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _bar_heights(ax) -> list:
    return [float(p.get_height()) for p in ax.patches]


def test_tie_strength_draws_three_bars_in_each_of_two_given_axes():
    rates, shares = [0.1, 0.2, 0.3], [1 / 6, 2 / 6, 3 / 6]
    table = pd.DataFrame({"tie_months": [10, 10, 10], "ties": [4, 5, 6], "months_with_outcome": [1, 2, 3],
                          "outcomes_won": [1, 2, 3], "outcome_rate": rates, "outcome_rate_low": rates,
                          "outcome_rate_high": rates, "outcome_share": shares, "outcome_share_low": shares,
                          "outcome_share_high": shares}, index=pd.Index(CLASSES, name="tie_strength"))
    fig, axes = plt.subplots(1, 2)
    fig.suptitle("mine")
    assert TieStrength((60.0, 180.0), table).plot(axes=axes) is fig
    # Left panel: shares of won outcomes; right: monthly chances; one bar per strength (row).
    assert _bar_heights(axes[0]) == pytest.approx(shares)
    assert _bar_heights(axes[1]) == pytest.approx(rates)
    assert fig.get_suptitle() == "mine" and len(fig.axes) == 2  # the caller's figure keeps its title


def test_dormant_ties_draw_one_bar_per_group():
    table = pd.DataFrame({"reactivations": [2, 0], "ties": [2, 7], "tie_months": [8, 40], "months_with_outcome": [2, 4],
                          "outcome_rate": [0.25, 0.1], "outcome_rate_low": [0.0, 0.05],
                          "outcome_rate_high": [0.5, 0.2]}, index=pd.Index(["reactivated", "active"], name="group"))
    fig, ax = plt.subplots()
    assert DormantTies(pd.DataFrame({"contact_id": ["a", "b"]}), table).plot(ax=ax) is fig
    assert _bar_heights(ax) == pytest.approx([0.25, 0.1])  # 2 of 8 reactivated months, 4 of 40 active ones
    assert "(7 ties)" in ax.get_xticklabels()[1].get_text()


def test_diversity_draws_its_entropy_line_over_the_won_outcomes():
    months = pd.date_range("2025-01-01", periods=3, freq="MS", tz="UTC")
    by_company = pd.DataFrame({"period": months, "entropy_bits": [0.0, 1.0, np.log2(3)]})
    won = pd.Series([2, 1], index=months[[0, 2]])
    result = Diversity(by_company, by_company.iloc[:0], won, network={}, outcomes={})
    fig, ax = plt.subplots()
    assert result.plot(ax=ax) is fig
    assert ax.lines[0].get_ydata().tolist() == pytest.approx([0.0, 1.0, np.log2(3)])  # no source line: none given
    behind = [a for a in fig.axes if a is not ax]
    assert len(behind) == 1 and _bar_heights(behind[0]) == [2, 0, 1]  # February had no won outcome


def test_structural_holes_draw_the_linked_contacts_and_name_the_broker():
    g = nx.Graph()
    g.add_edges_from([(EGO, "a"), (EGO, "b"), (EGO, "c")], weight=1)
    g.add_edge("a", "b", weight=2)  # c shares no occasion with another contact: not drawn
    holes = StructuralHoles(g, 0.5, 2.0, contacts=3, contact_edges=1,
                            brokers=pd.DataFrame({"contact_id": ["a"]}), groups={"a": 0, "b": 0},
                            names=pd.Series({"a": "Ann", "b": "Bob", "c": "Cy"}))
    fig, ax = plt.subplots()
    assert holes.plot(ax=ax) is fig
    nodes = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    assert [len(c.get_offsets()) for c in nodes] == [2, 1, 1]  # a and b, the user in the middle, the ring on broker a
    assert {t.get_text() for t in ax.texts} == {"you", "Ann"}


def _holdout() -> Holdout:
    table = pd.DataFrame({"model": ["logistic_regression", "recency"], "name": ["logistic regression", "recency"],
                          "auc": [0.7, 0.6], "auc_low": [0.6, 0.5], "auc_high": [0.8, 0.7]})
    calibration = pd.DataFrame({"model": ["logistic_regression"] * 3, "predicted": [0.1, 0.2, 0.3],
                                "observed": [0.1, 0.25, 0.3]})
    importance = pd.DataFrame({"model": ["logistic_regression"] * 3 + ["gradient_boosting"],
                               "feature": ["stock_hl3", "touches_3m", "past_outcomes", "stock_hl3"],
                               "importance": [0.05, 0.02, 0.01, 0.2], "importance_std": [0.01, 0.01, 0.01, 0.01]})
    return Holdout(table, calibration, importance, pd.DataFrame(), {"test_positive_share": 0.2})


def test_holdout_draws_one_point_per_model_and_one_bar_per_feature():
    h = _holdout()
    fig, ax = plt.subplots()
    assert h.plot(ax=ax) is fig
    points = ax.collections[-1].get_offsets()
    assert sorted(points[:, 0].tolist()) == [0.6, 0.7]  # the AUC of each row
    assert [t.get_text() for t in ax.get_yticklabels()] == ["recency", "logistic regression"]
    fig2, ax2 = plt.subplots()
    assert h.plot_importance(ax=ax2) is fig2
    assert [p.get_width() for p in ax2.patches] == pytest.approx([0.01, 0.02, 0.05])  # the logistic regression's three
    fig3, ax3 = plt.subplots()
    assert h.plot_calibration(ax=ax3) is fig3
    # the diagonal, the model's curve, the base rate
    assert len(ax3.lines) == 3 and ax3.lines[1].get_ydata().tolist() == [0.1, 0.25, 0.3]


def test_prediction_draws_its_holdout_and_one_rolling_line_per_model():
    origins = pd.date_range("2025-01-01", periods=2, freq="MS", tz="UTC")
    rolling = pd.DataFrame({"origin": list(origins) * 2, "model": ["logistic_regression"] * 2 + ["recency"] * 2,
                            "auc": [0.7, 0.72, 0.6, 0.61]})
    pred = Prediction(pd.DataFrame(), _holdout(), rolling, pd.DataFrame(), [], 0)
    fig, ax = plt.subplots()
    assert pred.plot(ax=ax) is fig and len(ax.collections[-1].get_offsets()) == 2
    fig2, ax2 = plt.subplots()
    assert pred.plot_rolling(ax=ax2) is fig2
    # two models, two origins each, and the coin-flip line
    assert [line.get_ydata().tolist() for line in ax2.lines[:2]] == [[0.7, 0.72], [0.6, 0.61]]


def test_fooled_by_reverse_causation_draws_into_a_given_pair():
    table = pd.DataFrame({"event_month": [-1, 0, 1], "outcomes": [3, 3, 3], "minutes": [10.0, 30.0, 20.0],
                          "minutes_low": [5.0, 20.0, 10.0], "minutes_high": [15.0, 40.0, 30.0]})
    base = {"minutes": np.nan, "minutes_low": np.nan, "minutes_high": np.nan, "unit_months": 0}
    study = EventStudy(table, base, None, None)
    lesson = ReverseLesson(0.0, 0.0, reverse=study, carryover=study)
    fig, axes = plt.subplots(1, 2)
    assert fooled_by_reverse_causation(lesson, axes=axes) is fig and len(fig.axes) == 2
    for ax in axes:
        assert ax.lines[0].get_ydata().tolist() == [10.0, 30.0, 20.0]

"""Every figure function draws into a given axes or a new figure, and returns the Figure."""

import matplotlib

matplotlib.use("Agg")  # the test process has no display; the package itself sets no backend
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from netanalysis.analysis.returns.kaplan_meier import Estimate, KaplanMeier
from netanalysis.plots import general, predict, returns
from netanalysis.plots._style import COLORS


def test_figures_draw_into_a_given_axes():
    fig, ax = plt.subplots()
    assert general.lag_distribution(pd.Series([1.0, 2.0, 2.0]), ax=ax) is fig
    fig2, ax2 = plt.subplots()
    assert returns.deal_cycle_lags(pd.Series([10.0, 40.0]), ax=ax2) is fig2
    new = predict.rolling_auc(pd.DataFrame())
    assert new is not fig and len(new.axes) == 1
    plt.close("all")


def test_kaplan_meier_result_object():
    # Five units: events at 1, 2, 3; censored at 2 and 4 (the by-hand example of test_returns_basics).
    km = KaplanMeier().fit([1, 2, 2, 3, 4], [1, 0, 1, 1, 0])
    assert (km.n_units_, km.n_events_) == (5, 3)
    # S(3) = 4/5 * 3/4 * 1/2 = 0.3: the median is the first time S <= 0.5, 3 months.
    assert km.median_ == 3.0 and km.median().value == 3.0
    est = km.probability_by(3.5)
    assert isinstance(est, Estimate) and abs(est.value - 0.7) < 1e-12 and est.low < 0.7 < est.high
    assert km.survival_["probability"].iloc[-1] == est.value
    table = km.summary(months=(3, 12))
    assert abs(table["probability"].iloc[0] - 0.7) < 1e-12 and np.isnan(table["probability"].iloc[1])
    assert km.metrics()["median_months"] == 3.0 and km.notes() == []
    fig, ax = plt.subplots()
    assert km.plot(ax=ax) is fig and len(ax.lines) == 1 and ax.lines[0].get_color() == COLORS[0]
    plt.close("all")
    never = KaplanMeier.fit([5, 6], [0, 0])
    assert never.median_ is None and never.median_ci_ is None and "cannot be estimated" in never.notes()[0]

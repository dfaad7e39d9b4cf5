"""Figures a manager reads: colour-blind-safe colours, few series per axes, zero-based amounts, whole counts,
words instead of codes, and no overlapping labels. Each test draws a tiny frame whose answer is known."""

import itertools

import matplotlib

matplotlib.use("Agg")  # the test process has no display; the package itself sets no backend
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.predict.features import feature_columns, feature_labels
from netanalysis.plots import general, predict, returns
from netanalysis.plots._style import COLORS, GREY, figure

# Okabe & Ito (2008), typed here from the published palette, not from the code.
OKABE_ITO = {"#0072B2", "#D55E00", "#E69F00", "#009E73", "#56B4E9", "#CC79A7", "#F0E442", "#000000"}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def overlapping_labels(fig) -> list[tuple[str, str]]:
    """Pairs of tick labels (same axis) or texts whose drawn boxes overlap."""
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure (no pyplot) has no canvas to draw on yet
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pairs = []
    for ax in fig.axes:
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            shown = [t for t in labels if t.get_visible() and t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in shown]
            for (a, ba), (b, bb) in itertools.combinations(zip(shown, boxes), 2):
                if ba.overlaps(bb):
                    pairs.append((a.get_text(), b.get_text()))
    return pairs


def coloured_lines(ax) -> list:
    """Lines drawn in a colour (not the grey of context series)."""
    return [ln for ln in ax.get_lines() if mcolors.to_hex(ln.get_color()).lower() != GREY.lower()
            and len(ln.get_xdata()) > 1]


def test_the_palette_is_okabe_ito_and_new_axes_cycle_through_it():
    assert {c.upper() for c in COLORS[:6]} <= OKABE_ITO and len(set(COLORS)) == len(COLORS)
    fig, ax = figure()
    drawn = [ax.plot([0, 1], [k, k])[0].get_color() for k in range(6)]
    assert drawn == COLORS[:6]


def cohort_frame(n_quarters: int = 12) -> pd.DataFrame:
    """n quarters from 2023Q1, each of 10 units with 1 more unit with an outcome each month, followed to the end."""
    rows = []
    for k in range(n_quarters):
        cohort = f"{2023 + k // 4}Q{k % 4 + 1}"
        for m in range(3 * (n_quarters - k)):
            rows.append({"cohort": cohort, "months_since_first": m, "units": 10,
                         "share_with_outcome": min(m, 10) / 10, "outcomes_per_100": 10.0 * m})
    return pd.DataFrame(rows)


def test_twelve_cohorts_become_small_multiples_of_at_most_four_coloured_lines():
    fig = returns.cohort_curves(cohort_frame(12))
    assert len(fig.axes) == 3  # 2023, 2024, 2025
    for ax in fig.axes:
        assert len(coloured_lines(ax)) == 4  # that year's quarters; the other 8 are grey
        assert len(ax.get_lines()) == 12 and ax.get_ylim()[0] == 0
    # one quarter reaches 100%: the share is drawn in percent
    assert max(max(ln.get_ydata()) for ln in fig.axes[0].get_lines()) == 100
    assert not overlapping_labels(fig)


def test_cohorts_in_a_given_axes_colour_only_the_latest_year():
    fig, ax = plt.subplots()
    assert returns.cohort_curves(cohort_frame(6), ax=ax) is fig  # 2023Q1..2024Q2
    assert len(coloured_lines(ax)) == 2 and len(ax.get_lines()) == 6


def test_stock_bands_count_relationships_on_a_zero_based_whole_number_axis():
    # minutes 0, 3, 30, 90, 600 -> hours 0, 0.05, 0.5, 1.5, 10
    fig = general.stock_distribution(pd.Series([0.0, 3.0, 30.0, 90.0, 600.0]), 3.0)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    # bands: under 0.1 h, 0.1-0.5, 0.5-1, 1-2, 2-5, 5-10, 10 or more
    assert heights == [2, 0, 1, 1, 0, 0, 1]
    assert ax.get_xscale() == "linear" and ax.get_ylim()[0] == 0
    assert all(float(t).is_integer() for t in ax.get_yticks())
    assert ax.get_xticklabels()[0].get_text() == "under\n6 min" and "h" in ax.get_xlabel()
    assert not overlapping_labels(fig)


def monthly_frame() -> pd.DataFrame:
    period = pd.date_range("2025-01-01", periods=12, freq="MS", tz="UTC")
    return pd.DataFrame({"period": period, "new_hours": np.full(12, 2.0), "nurtured_hours": np.arange(12.0),
                         "active": np.arange(20, 32)})


def test_investment_axes_start_at_zero_and_the_legend_stays_off_the_bars():
    fig = general.investment_over_time(monthly_frame())
    left, right = fig.axes
    assert left.get_ylim()[0] == 0 and right.get_ylim()[0] == 0  # active relationships run 20..31
    assert right.get_ylim()[1] >= 31
    fig.canvas.draw()
    legend = left.get_legend().get_window_extent()
    assert legend.y0 >= left.get_window_extent().y1 - 1  # above the plotting area
    assert not legend.overlaps(left.title.get_window_extent())
    assert not overlapping_labels(fig)


def test_coverage_counts_are_whole_numbers():
    ts = pd.to_datetime(["2025-01-05", "2025-01-09", "2025-02-01"], utc=True)
    fig = general.coverage_over_time(pd.DataFrame({"timestamp": ts, "source": ["mail", "calendar", "mail"]}))
    ax = fig.axes[0]
    assert all(float(t).is_integer() for t in ax.get_yticks()) and ax.get_ylim()[0] == 0
    assert not overlapping_labels(fig)


def test_every_feature_has_words_and_the_importance_chart_uses_them():
    words = feature_labels()
    assert set(words) == set(feature_columns())
    assert not [w for w in words.values() if "_" in w]
    assert words["stock_hl6"] == "time invested still working (half-life 6 months)"
    assert words["touches_1m"] == "touches last month"
    imp = pd.DataFrame({"feature": ["stock_hl6", "share_other", "cum_hours"], "importance": [0.01, 0.03, 0.02],
                        "importance_std": [0.0, 0.0, 0.0]})
    fig = predict.feature_importance(imp)
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert shown == ["time invested still working (half-life 6 months)", "hours invested so far",
                     "share of touches: other channels"]  # smallest drop at the bottom
    assert not overlapping_labels(fig)


def small_network():
    """The user met 10 contacts; c0-c3 meet in a ring, c4 and c5 once together; c6..c9 meet no other contact."""
    import networkx as nx

    g = nx.Graph()
    g.add_weighted_edges_from([("me", f"c{k}", 1.0) for k in range(10)])
    g.add_weighted_edges_from([("c0", "c1", 3.0), ("c1", "c2", 2.0), ("c2", "c3", 2.0), ("c3", "c0", 1.0),
                               ("c4", "c5", 1.0)])
    return g


def test_network_title_says_what_is_drawn_of_how_many_contacts():
    from netanalysis.plots import network

    g = small_network()
    title = network.ego_network(g, "me", max_nodes=3).axes[0].get_title(loc="left")
    assert title.startswith("Your network: the 3 most-connected of your 10 contacts")
    assert "6 of them share a meeting, message or deal" in title
    title = network.ego_network(g, "me").axes[0].get_title(loc="left")
    assert title.startswith("Your network: 6 of your 10 contacts")


def test_network_labels_do_not_overlap_and_only_the_first_few_are_named():
    from netanalysis.plots import network

    g = small_network()
    names = {f"c{k}": f"Contact number {k} with a long name" for k in range(10)}
    fig = network.ego_network(g, "me", names=names, highlight=["c0", "c1", "c2", "c3", "c4"], max_labels=4)
    ax = fig.axes[0]
    fig.canvas.draw()
    labels = [t for t in ax.texts if t.get_text().startswith("Contact number")]
    assert len(labels) == 4  # c4 is past max_labels
    boxes = [t.get_window_extent() for t in labels]
    assert not [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]


def test_place_labels_moves_a_label_off_one_at_the_same_point():
    from netanalysis.plots.network import place_labels

    fig, ax = plt.subplots()
    ax.set_xlim(0, 1); ax.set_ylim(0, 1)
    texts = place_labels(ax, [(0.5, 0.5)] * 3, ["first label", "second label", "third label"])
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in texts]
    assert not [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]
    assert texts[0].xyann == (0, 9)  # the first goes straight above its point


def trend_reports(dates: list[str]) -> list:
    from pathlib import Path

    return [(Path(d), {"as_of": d, "metrics": {"first_outcome_probability_12m": 0.2 + 0.01 * k,
                                                "first_outcome_probability_12m_ci": [0.1, 0.3], "holdout_auc": 0.8}})
            for k, d in enumerate(dates)]


def test_one_report_is_a_dot_with_its_date_not_a_point_on_a_long_axis():
    import matplotlib.dates as mdates

    from netanalysis.report.history import trend_figure

    fig = trend_figure(trend_reports(["2025-12-31"]))
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 2  # the two metrics with a value, one panel each
    pct = shown[0]
    lo, hi = (mdates.num2date(v).replace(tzinfo=None) for v in pct.get_xlim())
    assert pd.Timedelta(days=60) <= hi - lo <= pd.Timedelta(days=70)  # a month either side
    assert [t.get_text() for t in pct.get_xticklabels()] == ["31 Dec\n2025"]
    assert pct.get_ylim() == (0, 100) and pct.lines[0].get_ydata()[0] == pytest.approx(20.0)
    assert not overlapping_labels(fig)


def test_three_monthly_reports_have_readable_date_ticks():
    from netanalysis.report.history import trend_figure

    fig = trend_figure(trend_reports(["2025-12-31", "2026-01-31", "2026-02-28"]))
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["31 Dec\n2025", "31 Jan\n2026", "28 Feb\n2026"]
    assert not overlapping_labels(fig)


def test_stock_spread_far_from_zero_gets_equal_round_bands():
    # hours 12, 15, 25, 61: ten percent quantile above 61 / 10, so bands of 10 h (61 / 8 rounded up to 10)
    fig = general.stock_distribution(pd.Series([12.0, 15.0, 25.0, 61.0]) * 60, 3.0)
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == [0, 2, 1, 0, 0, 0, 1]
    assert ax.get_xticklabels()[1].get_text() == "10 h\u2013\n20 h"
    assert not overlapping_labels(fig)


def test_ratio_axes_have_plain_ticks_not_powers_of_ten():
    lags = pd.DataFrame({"months_earlier": [0, 1, 2], "hazard_ratio_1h": [1.2, 2.0, 0.9],
                         "low": [0.8, 1.4, 0.6], "high": [1.8, 3.0, 1.3]})
    fig = returns.lag_profile(lags)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["0.5", "1", "2", "4"]  # 0.6 / 1.5 .. 3.0 * 1.5
    fig = returns.lag_shape(lags, pd.DataFrame({"months_earlier": [0, 1, 2], "hazard_ratio_1h": [1.5, 1.3, 1.1]}))
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["0.5", "1", "2", "4"]
    assert not overlapping_labels(fig)


def test_tie_strength_values_stay_readable_on_their_bars():
    from netanalysis.plots import network

    table = pd.DataFrame({"tie_months": [10, 10, 10], "outcome_share": [0.1, 0.2, 0.7],
                          "outcome_share_low": [0.0, 0.1, 0.5], "outcome_share_high": [0.2, 0.3, 0.9],
                          "outcome_rate": [0.005, 0.01, 0.03], "outcome_rate_low": [0.0, 0.005, 0.02],
                          "outcome_rate_high": [0.01, 0.02, 0.04]}, index=["weak", "medium", "strong"])
    fig = network.tie_strength_outcomes(table, (30.0, 90.0))
    values = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    # the tallest error bar reaches 0.9: a bar above 12% of it holds its value in white, a shorter one is dark
    assert values == {"10%": "#222", "20%": "white", "70%": "white"}
    assert not overlapping_labels(fig)


def test_classroom_six_months_shades_the_whole_trap_and_says_so():
    from netanalysis.classroom.strategies import simulate_classroom, trap_months
    from netanalysis.plots import classroom as plots_classroom

    run = simulate_classroom(months=6, n_students=200, seed=0)
    b, c = run.mean_band("builder")[0], run.mean_band("broadcaster")[0]
    assert trap_months(b, c) == [1, 2, 3, 4, 5, 6]  # the teacher's guide: the broadcaster leads throughout
    fig = plots_classroom.cumulative_outcomes(run)
    ax = fig.axes[0]
    shaded = [p for p in ax.patches if p.get_facecolor()[3] < 1]  # the translucent trap span
    assert len(shaded) == 1
    span = shaded[0]
    assert (span.get_x(), span.get_x() + span.get_width()) == (0.5, 6.5)  # months 1 to 6, every one
    assert [t.get_text() for t in ax.texts] == ["the trap: the broadcaster is ahead\nin all 6 months"]
    assert {mcolors.to_hex(ln.get_color()).upper() for ln in ax.get_lines()} == {"#D55E00", "#0072B2", "#009E73"}
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().y0 >= ax.get_window_extent().y1 - 1  # above the plot
    assert not overlapping_labels(fig)


def test_classroom_figures_have_no_overlapping_labels():
    from netanalysis.classroom.strategies import simulate_classroom
    from netanalysis.plots import classroom as plots_classroom

    run = simulate_classroom(months=36, n_students=30, seed=1)
    for draw in (plots_classroom.cumulative_outcomes, plots_classroom.builder_lead, plots_classroom.monthly_outcomes,
                 plots_classroom.relationship_stock):
        assert not overlapping_labels(draw(run)), draw.__name__
    lead = plots_classroom.builder_lead(run).axes[0]
    assert "below zero, the broadcaster is ahead" in lead.get_title(loc="left")


def test_figure_functions_keep_their_ax_argument():
    import inspect

    from netanalysis.plots import classroom, network

    multi_panel = {"tie_strength_outcomes", "fooled_by_reverse_causation"}  # two axes side by side
    for module in (general, returns, predict, network, classroom):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_") or name in multi_panel:
                continue
            if inspect.signature(fn).return_annotation in ("plt.Figure", plt.Figure):
                param = inspect.signature(fn).parameters.get("ax")
                assert param is not None and param.default is None, f"{module.__name__}.{name}"


def test_the_same_data_draws_the_same_png():
    import io

    from netanalysis.plots import network

    def png():
        buf = io.BytesIO()
        network.ego_network(small_network(), "me", names={"c0": "Ann"}, highlight=["c0", "c1"]).savefig(
            buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    assert png() == png()


def test_classroom_stock_title_says_one_month_not_one_months():
    from netanalysis.classroom.strategies import simulate_classroom
    from netanalysis.plots import classroom as plots_classroom

    run = simulate_classroom(months=6, half_life_months=1.0, n_students=5)
    title = plots_classroom.relationship_stock(run).axes[0].get_title(loc="left")
    assert title.endswith("(half-life 1 month)")


def test_investment_by_quarter_says_quarter():
    period = pd.date_range("2025-01-01", periods=4, freq="QS", tz="UTC")
    frame = pd.DataFrame({"period": period, "new_hours": [1.0, 2, 3, 4], "nurtured_hours": [0.0, 1, 2, 3],
                          "active": [3, 4, 5, 6]})
    ax = general.investment_over_time(frame).axes[0]
    assert ax.get_ylabel() == "hours invested per quarter"
    assert ax.get_title(loc="left") == "Time invested in relationships, quarter by quarter"

"""Matplotlib figures. Each function takes data and returns a Figure; no file I/O."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from netanalysis.plots._style import COLORS, date_axis, empty, figure, integer_ticks, legend_above


def coverage_over_time(interactions: pd.DataFrame, ax=None) -> plt.Figure:
    """Interactions per month, stacked by source: where the data comes from, and when."""
    fig, ax = figure(ax=ax)
    if interactions.empty:
        empty(ax)
        return fig
    month = interactions["timestamp"].dt.tz_convert(None).dt.to_period("M").dt.to_timestamp()
    table = pd.crosstab(month, interactions["source"].astype(str)).sort_index()
    bottom = np.zeros(len(table))
    for k, col in enumerate(table.columns):
        ax.bar(table.index, table[col], width=25, bottom=bottom, label=col, color=COLORS[k % len(COLORS)])
        bottom += table[col].to_numpy()
    ax.set_ylabel("interactions per month")
    integer_ticks(ax.yaxis)
    legend_above(ax, "Where the data comes from: interactions per month, by source", ncol=min(len(table.columns), 4))
    date_axis(ax)
    fig.tight_layout()
    return fig


def investment_over_time(monthly: pd.DataFrame, ax=None) -> plt.Figure:
    """Invested hours per period split into new and nurtured relationships, with active relationships.

    Both axes start at zero (the bars and the line are amounts); the legend sits above the plot.
    """
    fig, ax = figure(ax=ax)
    if monthly.empty:
        empty(ax)
        return fig
    x = monthly["period"].dt.tz_convert(None)
    step = "quarter" if len(x) > 1 and x.diff().median() > pd.Timedelta(days=45) else "month"
    ax.bar(x, monthly["new_hours"], width=25 if step == "month" else 75, color=COLORS[2], label="hours with new relationships (first 3 months)")
    ax.bar(x, monthly["nurtured_hours"], width=25 if step == "month" else 75, bottom=monthly["new_hours"], color=COLORS[0],
           label="hours with nurtured relationships")
    ax.set_ylabel(f"hours invested per {step}")
    ax.set_ylim(bottom=0)
    ax2 = ax.twinx()
    ax2.plot(x, monthly["active"], color=COLORS[1], lw=2, label=f"active relationships (touched that {step}; right axis)")
    ax2.set_ylabel("active relationships")
    ax2.set_ylim(0, max(float(monthly["active"].max()) * 1.1, 1.0))
    integer_ticks(ax2.yaxis)
    ax2.spines[["top"]].set_visible(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    legend_above(ax, f"Time invested in relationships, {step} by {step}", h1 + h2, l1 + l2, ncol=2)
    date_axis(ax)
    fig.tight_layout()
    return fig


# Bands of the carryover stock, in hours, for stocks piled up near zero (a few
# touches long ago): fine at the bottom, where most relationships sit.
STOCK_BANDS = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0)


def _round_step(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `x`."""
    power = 10.0 ** np.floor(np.log10(x))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= x - 1e-12)


def stock_bands(hours: np.ndarray) -> list[float]:
    """Band edges (hours) from 0 up, the last edge above the largest stock (infinite for the open top band).

    Stocks piled up near zero get :data:`STOCK_BANDS`; others get about eight
    equal bands of a round width.

    >>> stock_bands(np.array([12.0, 25.0, 61.0]))
    [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]
    >>> stock_bands(np.array([0.0, 0.01, 0.02, 3.0]))
    [0.0, 0.1, 0.5, 1.0, 2.0, inf]
    """
    top = float(hours.max())
    if top <= 0:
        return [0.0, np.inf]
    if np.quantile(hours, 0.1) > top / 10:
        width = _round_step(top / 8)
        return [float(k * width) for k in range(int(np.floor(top / width + 1e-9)) + 2)]
    return [e for e in STOCK_BANDS if e <= top] + [np.inf]


def _band_label(lo: float, hi: float) -> str:
    def words(h):
        return f"{h * 60:g} min" if h < 1 else f"{h:g} h"
    if not np.isfinite(hi):
        return f"{words(lo)}\nor more"
    return f"under\n{words(hi)}" if lo == 0 else f"{words(lo)}\u2013\n{words(hi)}"


def stock_distribution(stock: pd.Series, half_life_months: float, ax=None) -> plt.Figure:
    """Relationships by the carryover stock (invested hours still working) at the as-of period.

    One bar per band of hours (:func:`stock_bands`); counts are whole numbers on a zero-based axis.
    """
    fig, ax = figure(ax=ax)
    hours = stock.to_numpy(dtype=float) / 60.0
    hours = hours[np.isfinite(hours)]
    if hours.size == 0:
        empty(ax)
        return fig
    edges = stock_bands(hours)
    counts = np.histogram(hours, bins=edges)[0]
    x = np.arange(len(counts))
    ax.bar(x, counts, color=COLORS[3], width=0.7)
    for xi, n in zip(x, counts):
        ax.annotate(f"{n:,}", (xi, n), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(x, [_band_label(lo, hi) for lo, hi in zip(edges, edges[1:])])
    ax.set_ylim(0, max(counts.max() * 1.12, 1))
    integer_ticks(ax.yaxis)
    ax.set_xlabel(f"invested hours still working at the as-of date (half-life {half_life_months:g} months)")
    ax.set_ylabel("relationships")
    ax.set_title("How much invested time is still working in each relationship", loc="left")
    fig.tight_layout()
    return fig


def kaplan_meier(curves: dict[str, pd.DataFrame], title: str = "Chance of a first won outcome",
                 max_months: float | None = None, ax=None) -> plt.Figure:
    """Cumulative chance of a first won outcome by months since first contact, with 95% bands."""
    fig, ax = figure(ax=ax)
    if not curves:
        empty(ax)
        return fig
    for k, (label, c) in enumerate(curves.items()):
        color = COLORS[k % len(COLORS)]
        ax.step(c["months"], c["probability"] * 100, where="post", color=color, lw=2, label=label)
        ax.fill_between(c["months"], c["low"] * 100, c["high"] * 100, step="post", color=color, alpha=0.15)
    ax.set_xlabel("months since first interaction")
    ax.set_ylabel("% with a won outcome")
    if max_months:
        ax.set_xlim(0, max_months)
    ax.set_ylim(bottom=0)
    if len(curves) > 1 or list(curves)[0]:
        legend_above(ax, title, ncol=min(len(curves), 4))
    else:
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def lag_distribution(lag_months: pd.Series, ax=None) -> plt.Figure:
    """Histogram of months from first contact to each won outcome, with its cumulative share."""
    fig, ax = figure(ax=ax)
    lag = lag_months.dropna().to_numpy(dtype=float)
    if lag.size == 0:
        empty(ax, "No won outcomes yet")
        return fig
    edges = np.arange(0, np.ceil(lag.max()) + 2, 1.0)
    ax.hist(lag, bins=edges, color=COLORS[0], alpha=0.85, label="won outcomes")
    ax.set_xlabel("months from first interaction to the won outcome")
    ax.set_ylabel("won outcomes")
    integer_ticks(ax.yaxis)
    ax2 = ax.twinx()
    xs = np.sort(lag)
    ax2.plot(xs, np.arange(1, xs.size + 1) / xs.size * 100, color=COLORS[1], lw=2, label="cumulative share")
    ax2.set_ylabel("cumulative % of outcomes")
    ax2.set_ylim(0, 100)
    ax2.spines[["top"]].set_visible(False)
    ax.set_title("How long returns take: months from first interaction to each won outcome", loc="left")
    fig.tight_layout()
    return fig

"""Matplotlib figures. Each function takes data and returns a Figure; no file I/O."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from netanalysis.plots._style import COLORS, empty, figure


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
    ax.set_title("Coverage: interactions per month by source")
    ax.legend(frameon=False, fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def investment_over_time(monthly: pd.DataFrame, ax=None) -> plt.Figure:
    """Invested hours per period split into new and nurtured relationships, with active relationships."""
    fig, ax = figure(ax=ax)
    if monthly.empty:
        empty(ax)
        return fig
    x = monthly["period"].dt.tz_convert(None)
    ax.bar(x, monthly["new_hours"], width=25, color=COLORS[2], label="hours with new relationships (first 3 months)")
    ax.bar(x, monthly["nurtured_hours"], width=25, bottom=monthly["new_hours"], color=COLORS[0],
           label="hours with nurtured relationships")
    ax.set_ylabel("hours invested")
    ax2 = ax.twinx()
    ax2.plot(x, monthly["active"], color=COLORS[1], lw=2, label="active relationships (touched this period)")
    ax2.set_ylabel("active relationships")
    ax2.spines[["top"]].set_visible(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, frameon=False, fontsize=8, loc="upper left")
    ax.set_title("Time invested in relationships")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def stock_distribution(stock: pd.Series, half_life_months: float, ax=None) -> plt.Figure:
    """Histogram of the carryover stock (hours) across relationships at the as-of period."""
    fig, ax = figure(ax=ax)
    hours = stock.to_numpy(dtype=float) / 60.0
    if hours.size == 0:
        empty(ax)
        return fig
    bins = np.unique(np.quantile(hours, np.linspace(0, 1, 30))) if hours.max() > 0 else 10
    ax.hist(hours, bins=np.geomspace(max(hours[hours > 0].min(), 1e-3), hours.max() + 1e-9, 30) if (hours > 0).sum() > 1 else bins,
            color=COLORS[3])
    if (hours > 0).sum() > 1:
        ax.set_xscale("log")
    ax.set_xlabel(f"relationship stock at the as-of date (hours; half-life {half_life_months:g} months)")
    ax.set_ylabel("relationships")
    ax.set_title("How much invested time is still 'working' in each relationship")
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
    ax.set_title(title)
    if len(curves) > 1 or list(curves)[0]:
        ax.legend(frameon=False, fontsize=8)
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
    ax2 = ax.twinx()
    xs = np.sort(lag)
    ax2.plot(xs, np.arange(1, xs.size + 1) / xs.size * 100, color=COLORS[1], lw=2, label="cumulative share")
    ax2.set_ylabel("cumulative % of outcomes")
    ax2.set_ylim(0, 100)
    ax2.spines[["top"]].set_visible(False)
    ax.set_title("How long returns take")
    fig.tight_layout()
    return fig

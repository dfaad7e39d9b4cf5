"""Figures for delayed returns: cohorts, cumulative share, carryover profile, dose-response, lag profile.

Each function takes data and returns a Figure; no file I/O. (Kaplan-Meier and
the lag histogram live in `plots.py`.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.analysis.returns.carryover import CHI2_95
from netanalysis.plots._style import COLORS, GREY, MAX_SERIES, STYLE, empty, figure, legend_above, plt, style_axes


def outcome_share_by_month(share: pd.DataFrame, ax=None) -> plt.Figure:
    """Cumulative % of won outcomes (and of their value) by months since first contact."""
    fig, ax = figure(ax=ax)
    if share.empty:
        empty(ax, "No won outcomes yet")
        return fig
    x = share["months_since_first"].to_numpy() + 1
    ax.step(x, share["share_of_outcomes"] * 100, where="post", color=COLORS[0], lw=2, label="won outcomes")
    if share["share_of_value"].notna().any():
        ax.step(x, share["share_of_value"] * 100, where="post", color=COLORS[1], lw=2, ls="--", label="their value")
    ax.axhline(50, color="#999", lw=0.8, ls=":")
    ax.set_xlabel("months since first interaction")
    ax.set_ylabel("cumulative % arrived")
    ax.set_ylim(0, 100)
    ax.set_xlim(0, None)
    ax.set_title("When the returns arrive")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def cohort_curves(long: pd.DataFrame, measure: str = "share_with_outcome", max_cohorts: int = 12, ax=None) -> plt.Figure:
    """Cumulative outcomes by months since first contact, one line per first-contact quarter.

    More than a handful of lines cannot be told apart, so a new figure has one
    panel per year of first contact (small multiples): that year's quarters in
    colour, every other cohort in grey behind them. Drawn into a given `ax`,
    the latest year's cohorts are coloured and the older ones grey.
    """
    from netanalysis.analysis.returns.cohorts import MEASURES

    if long.empty:
        fig, ax = figure(ax=ax)
        empty(ax)
        return fig
    cohorts = sorted(long["cohort"].unique())[-max_cohorts:]
    years = sorted({str(c)[:4] for c in cohorts})
    if ax is None:
        with plt.rc_context(STYLE):
            fig, axes = plt.subplots(1, len(years), figsize=(min(3.4 * len(years) + 1.2, 13.0), 4.0), dpi=110,
                                     sharex=True, sharey=True, squeeze=False)
        panels = list(zip(axes[0], years))
    else:
        fig, panels = ax.figure, [(ax, years[-1])]
    title = "Outcomes keep arriving, quarter after quarter of first contact"
    for a, year in panels:
        style_axes(a)
        _cohort_panel(a, long, cohorts, [c for c in cohorts if str(c)[:4] == year], measure)
        legend_above(a, f"first contact in {year} (relationships)" if len(panels) > 1 else title, ncol=4, fontsize=7.5,
                     title_size=9.5 if len(panels) > 1 else None)
        a.set_xlabel("months since first interaction")
    panels[0][0].set_ylabel(MEASURES[measure])
    if len(panels) > 1:
        fig.suptitle(title + " (grey: the other quarters)", fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def _cohort_panel(ax, long: pd.DataFrame, cohorts: list, highlight: list, measure: str) -> None:
    """All `cohorts` in grey, the `highlight` ones (at most four quarters) in colour with their sizes."""
    scale = 100.0 if measure == "share_with_outcome" else 1.0
    for c in cohorts:
        if c not in highlight:
            d = long[long["cohort"] == c]
            ax.plot(d["months_since_first"], d[measure] * scale, color=GREY, lw=1.0, zorder=1)
    for c in highlight:
        d = long[long["cohort"] == c]
        quarter = int(str(c)[-1]) - 1 if str(c)[-1].isdigit() else 0
        ax.plot(d["months_since_first"], d[measure] * scale, color=COLORS[quarter % MAX_SERIES], lw=1.8, zorder=2,
                label=f"{str(c)[-2:]} ({int(d['units'].iloc[0])})")
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)


def half_life_profile(table: pd.DataFrame, best: float | None, ci: tuple | None, ax=None) -> plt.Figure:
    """Drop in fit (deviance above the best) against the half-life tried; the 95% interval lies below 3.84."""
    fig, ax = figure(ax=ax)
    d = table.dropna(subset=["deviance"])
    if d.empty:
        empty(ax, "The hazard model could not be fitted")
        return fig
    ax.plot(d["half_life_months"], d["delta_deviance"], color=COLORS[0], lw=2)
    ax.axhline(CHI2_95, color=COLORS[1], ls="--", lw=1, label="95% interval threshold (3.84)")
    if best is not None:
        ax.axvline(best, color="#333", lw=1, label=f"best: {best:.1f} months")
        if ci is not None:
            lo = ci[0] if ci[0] is not None else d["half_life_months"].min()
            hi = ci[1] if ci[1] is not None else d["half_life_months"].max()
            ax.axvspan(lo, hi, color=COLORS[0], alpha=0.12, label="95% interval")
    ax.set_xscale("log")
    ticks = [t for t in (0.25, 0.5, 1, 2, 3, 6, 12, 24, 36) if d["half_life_months"].min() <= t <= d["half_life_months"].max()]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.set_ylim(0, max(4 * CHI2_95, min(float(d["delta_deviance"].max()), 40.0)))
    ax.set_xlabel("half-life of invested time (months)")
    ax.set_ylabel("worse fit than the best (deviance)")
    legend_above(ax, "Which half-life explains when outcomes happen", ncol=3)
    fig.tight_layout()
    return fig


def dose_response(curve: pd.DataFrame, ax=None) -> plt.Figure:
    """Monthly chance of a won outcome against the stock of invested hours, with its 95% band and observed rates."""
    fig, ax = figure(ax=ax)
    if curve.empty:
        empty(ax)
        return fig
    ax.plot(curve["stock_hours"], curve["hazard"] * 100, color=COLORS[0], lw=2, label="model")
    ax.fill_between(curve["stock_hours"], curve["low"] * 100, curve["high"] * 100, color=COLORS[0], alpha=0.15,
                    label="95% band")
    obs = curve.attrs.get("observed")
    if obs is not None and len(obs):
        obs = obs[obs["stock_hours"] <= curve["stock_hours"].max()]
        ax.scatter(obs["stock_hours"], obs["rate"] * 100, color=COLORS[1], s=18, zorder=3,
                   label="observed (months grouped by stock)")
    ax.set_xlabel(f"invested hours still working at the start of the month (half-life {curve.attrs.get('half_life_months', 0):.1f} months)")
    ax.set_ylabel("% chance of a won outcome that month")
    ax.set_ylim(bottom=0)
    ax.set_title("More time kept up, more outcomes (dose-response)")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def lag_profile(lags: pd.DataFrame, ax=None) -> plt.Figure:
    """Hazard ratio of one hour invested k months earlier (against none), with 95% intervals."""
    fig, ax = figure(ax=ax)
    d = lags.dropna(subset=["hazard_ratio_1h"])
    if d.empty:
        empty(ax, "Too few outcomes for a lag profile")
        return fig
    x = d["months_earlier"].to_numpy()
    ax.errorbar(x, d["hazard_ratio_1h"], yerr=[d["hazard_ratio_1h"] - d["low"], d["high"] - d["hazard_ratio_1h"]],
                fmt="o", color=COLORS[0], ecolor=COLORS[0], capsize=3)
    ax.axhline(1.0, color="#666", lw=1, ls="--")
    ax.set_xticks(x)
    ax.set_xticklabels(["same\nmonth" if v == 0 else str(v) for v in x])
    _ratio_axis(ax, d["low"].min(), d["high"].max())
    ax.set_xlabel("months before the month of the outcome")
    ax.set_ylabel("outcome chance × (one hour vs none)")
    ax.set_title("Where the return on an hour arrives (distributed lag)")
    fig.tight_layout()
    return fig


def deal_cycle_lags(days: pd.Series, ax=None) -> plt.Figure:
    """Histogram of days from engagement to close for won deals, with the median marked."""
    fig, ax = figure(ax=ax)
    d = days.dropna().to_numpy(dtype=float)
    if d.size == 0:
        empty(ax, "No won deals with an engagement date")
        return fig
    ax.hist(d, bins=np.arange(0, d.max() + 8, 7), color=COLORS[3])
    med = float(np.median(d))
    ax.axvline(med, color=COLORS[1], lw=2, label=f"median {med:.0f} days")
    ax.set_xlabel("days from engagement to won deal")
    ax.set_ylabel("won deals")
    ax.set_title("How long a won deal takes from first engagement")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def deal_decided(curve: pd.DataFrame, ax=None) -> plt.Figure:
    """Chance that an engaged deal has been decided (won or lost), by months since engagement, with its 95% band."""
    from netanalysis.plots.general import kaplan_meier

    fig = kaplan_meier({"": curve}, title="Chance an engaged deal is decided (won or lost)", ax=ax)
    ax = ax or fig.axes[0]
    ax.set_xlabel("months since the deal was engaged")
    ax.set_ylabel("% of deals decided")
    return fig


def event_study(study, ax=None, title: str | None = None) -> plt.Figure:
    """Minutes per unit-month by months from each won outcome (95% band), against the baseline far from outcomes.

    `study` is a :class:`netanalysis.analysis.returns.event_study.EventStudy`; month 0 is the outcome's (or the opening's) month.
    """
    if ax is None:
        fig, ax = figure()
    else:
        fig = ax.figure
    t = study.table
    if t.empty:
        empty(ax, "No won outcomes to align on")
        return fig
    x = t["event_month"].to_numpy()
    ax.fill_between(x, t["minutes_low"], t["minutes_high"], color=COLORS[0], alpha=0.2, lw=0)
    ax.plot(x, t["minutes"], color=COLORS[0], lw=2, marker="o", label="minutes per month (95% band)")
    base = study.baseline
    if np.isfinite(base["minutes"]):
        ax.axhspan(base["minutes_low"], base["minutes_high"], color="#999", alpha=0.15, lw=0)
        ax.axhline(base["minutes"], color="#666", ls="--", lw=1,
                   label=f"same units, months far from outcomes ({base['unit_months']} unit-months)")
    ax.axvline(0, color=COLORS[1], lw=1, ls=":")
    for xi, n in zip(x, t["outcomes"]):
        ax.annotate(str(int(n)), (xi, 0), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=6,
                    color="#777")
    anchor = "opening" if study.align == "opened" else "won outcome"
    ax.set_xlabel(f"months from the {anchor} (0 = its month; small numbers: outcomes behind each point)")
    ax.set_ylabel("minutes per unit-month")
    ax.set_ylim(bottom=0)
    legend_above(ax, title or f"Activity around each {anchor}", ncol=1)
    fig.tight_layout()
    return fig


def lag_shape(free: pd.DataFrame, curve: pd.DataFrame, peak: float | None = None, peak_ci: tuple | None = None,
              ax=None) -> plt.Figure:
    """The fitted lag kernel (line) over the free per-month estimates (dots, 95% intervals); the peak shaded.

    Both are the hazard ratio of one hour invested k months before a month, against none.
    """
    if ax is None:
        fig, ax = figure()
    else:
        fig = ax.figure
    d = free.dropna(subset=["hazard_ratio_1h"])
    if d.empty:
        empty(ax, "Too few outcomes to see when returns arrive")
        return fig
    x = d["months_earlier"].to_numpy()
    ax.errorbar(x, d["hazard_ratio_1h"], yerr=[d["hazard_ratio_1h"] - d["low"], d["high"] - d["hazard_ratio_1h"]],
                fmt="o", color=COLORS[0], ecolor=COLORS[0], alpha=0.7, capsize=3, label="each month on its own (95%)")
    if not curve.empty:
        ax.plot(curve["months_earlier"], curve["hazard_ratio_1h"], color=COLORS[1], lw=2,
                label=f"fitted lag shape ({curve.attrs.get('kernel', '')})")
    if peak is not None:
        lo = peak_ci[0] if peak_ci and peak_ci[0] is not None else x.min()
        hi = peak_ci[1] if peak_ci and peak_ci[1] is not None else x.max()
        ax.axvspan(lo, hi, color=COLORS[1], alpha=0.08, label=f"peak {peak:.1f} months (95% interval)")
    ax.axhline(1.0, color="#666", lw=1, ls="--")
    _ratio_axis(ax, d["low"].min(), d["high"].max())
    ax.set_xticks(x)
    ax.set_xlabel("months before the month of the outcome")
    ax.set_ylabel("outcome chance × (one hour vs none)")
    legend_above(ax, "When the return on an hour arrives (lag shape)", ncol=2)
    fig.tight_layout()
    return fig


def _ratio_axis(ax, low: float, high: float) -> None:
    """A log axis for ratios with plain ticks (0.5, 1, 2, not 10^0), spanning the intervals drawn."""
    ax.set_yscale("log")
    ticks = [t for t in (0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32) if low / 1.5 <= t <= high * 1.5] or [1]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())

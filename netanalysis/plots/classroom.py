"""Projector-readable figures for the classroom demo: large type, thick lines, few words.

Each function takes a `strategies.ClassroomRun` and returns a Figure (no file I/O).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from netanalysis.classroom.strategies import STRATEGY_NAMES, crossover_month, trap_months
from netanalysis.plots._style import OKABE_ITO, figure, legend_above

# Okabe-Ito vermillion, blue and bluish green: told apart with the common colour-vision deficiencies.
COLORS = {"broadcaster": OKABE_ITO["vermillion"], "builder": OKABE_ITO["blue"], "mixed": OKABE_ITO["bluish green"]}
TRAP = OKABE_ITO["orange"]
LABELS = {"broadcaster": "Broadcaster (only new people)", "builder": "Builder (keeps following up)",
          "mixed": "Mixed (half and half)"}
ROOM = {"font.size": 18, "axes.titlesize": 24, "axes.labelsize": 20, "xtick.labelsize": 17,
        "ytick.labelsize": 17, "legend.fontsize": 17, "lines.linewidth": 4.5, "axes.linewidth": 1.5}


def _fig(ax=None):
    """A classroom-sized figure (large type for a projector)."""
    fig, ax = figure(13, 7.3, ax=ax, grid="both", dpi=100, rc=ROOM)
    for item in [ax.xaxis.label, ax.yaxis.label] + ax.get_xticklabels() + ax.get_yticklabels():
        item.set_fontsize(ROOM["xtick.labelsize"])
    ax.tick_params(labelsize=ROOM["xtick.labelsize"], width=1.5, length=6)
    return fig, ax


def _finish(fig, ax, title, xlabel, ylabel, legend=True):
    ax.set_xlabel(xlabel, fontsize=ROOM["axes.labelsize"])
    ax.set_ylabel(ylabel, fontsize=ROOM["axes.labelsize"])
    if legend:  # in a row under the title: no line, band or marker is hidden behind it
        legend_above(ax, title, ncol=3, fontsize=15, title_size=ROOM["axes.titlesize"])
    else:
        ax.set_title(title, fontsize=ROOM["axes.titlesize"], loc="left", pad=14)
    fig.tight_layout()
    return fig


def _mark_trap_and_crossover(ax, run, ymax, last):
    # Crossover and trap come from all months, even when the figure shows only the first `last`.
    b = run.mean_band("builder")[0]
    c = run.mean_band("broadcaster")[0]
    full = crossover_month(b, c)
    trap = trap_months(b, c)
    cross = full if full is not None and full <= last else None
    always = len(trap) == len(b)  # the broadcaster ahead in every month: the whole chart is the trap
    early = [m for m in trap if m <= last]
    early = [m for i, m in enumerate(early) if m - i == early[0]]  # the first unbroken run of months
    if early:
        ax.axvspan(min(early) - 0.5, max(early) + 0.5, color=TRAP, alpha=0.18, lw=0)
        if not always:
            ax.text((min(early) + max(early)) / 2, ymax * 0.42, "the trap:\nbroadcaster\nlooks better",
                    ha="center", va="top", fontsize=15, color="#8a5a00")
    if cross is not None:
        ax.axvline(cross, color="#1b1f24", lw=2.5, ls="--")
        ax.text(cross + 0.02 * last, ymax * 0.35, f"builder ahead\nfor good from\nmonth {cross}", fontsize=16,
                color="#1b1f24", va="center")
    elif last == len(b) and not b[-1] > c[-1]:
        words = (f"the trap: the broadcaster is ahead\nin all {last} months" if always
                 else f"the builder does not stay ahead\nwithin {last} months")
        ax.text(0.62, 0.95, words, transform=ax.transAxes, ha="center", va="top", fontsize=17,
                color="#8a5a00" if always else "#1b1f24", fontweight="bold")
    return cross


def cumulative_outcomes(run, last_month: int | None = None, ax=None) -> plt.Figure:
    """Mean cumulative won outcomes per student by month, with 95% bands, the trap and the crossover.

    `last_month` zooms in on the first months; the trap and crossover marked are those of all months.
    """
    fig, ax = _fig(ax=ax)
    last = len(run.months) if last_month is None else max(1, min(int(last_month), len(run.months)))
    x = run.months[:last]
    top = 0.0
    for name in STRATEGY_NAMES:
        mean, lo, hi = (a[:last] for a in run.mean_band(name))
        ax.plot(x, mean, color=COLORS[name], lw=ROOM["lines.linewidth"], label=LABELS[name])
        if np.isfinite(lo).all():
            ax.fill_between(x, lo, hi, color=COLORS[name], alpha=0.2, lw=0)
            top = max(top, float(np.nanmax(hi)))
        top = max(top, float(mean.max()))
    ax.set_xlim(0.5, x[-1] + 0.5)
    ax.set_ylim(0, max(top * 1.05, 1.0))
    _mark_trap_and_crossover(ax, run, max(top * 1.05, 1.0), last)
    n = run.parameters["n_students"]
    title = (f"Outcomes so far: mean of {n} students per strategy" if last == len(run.months)
             else f"Zoom on the first {last} months ({n} students per strategy)")
    return _finish(fig, ax, title, "month",
                   "won outcomes so far (mean, 95% band)")


def builder_lead(run, ax=None) -> plt.Figure:
    """The builder's lead over the broadcaster in outcomes so far, month by month (negative: the trap)."""
    fig, ax = _fig(ax=ax)
    b = run.cumulative("builder").astype(float)
    c = run.cumulative("broadcaster").astype(float)
    diff = b.mean(axis=0) - c.mean(axis=0)
    n = b.shape[0]
    x = run.months
    colors = np.where(diff > 0, COLORS["builder"], COLORS["broadcaster"])
    ax.bar(x, diff, color=colors, width=0.8)
    if n > 1:
        se = np.sqrt(b.var(axis=0, ddof=1) / n + c.var(axis=0, ddof=1) / n)
        ax.errorbar(x, diff, yerr=1.96 * se, fmt="none", ecolor="#1b1f24", elinewidth=1.5, capsize=0)
    ax.axhline(0, color="#1b1f24", lw=2)
    cross = crossover_month(b.mean(axis=0), c.mean(axis=0))
    if cross is not None:
        ax.axvline(cross - 0.5, color="#1b1f24", lw=2.5, ls="--")
    ax.set_xlim(0.3, x[-1] + 0.7)
    return _finish(fig, ax, "Builder minus broadcaster: below zero, the broadcaster is ahead", "month",
                   "difference in outcomes so far", legend=False)


def monthly_outcomes(run, ax=None) -> plt.Figure:
    """Mean won outcomes in each month (not cumulative): how fast each strategy is paying now."""
    fig, ax = _fig(ax=ax)
    for name in STRATEGY_NAMES:
        ax.plot(run.months, run.outcomes[name].mean(axis=0), color=COLORS[name], lw=ROOM["lines.linewidth"],
                label=LABELS[name])
    ax.set_xlim(0.5, run.months[-1] + 0.5)
    ax.set_ylim(bottom=0)
    return _finish(fig, ax, "Outcomes per month (mean per student)", "month", "won outcomes in the month")


def relationship_stock(run, ax=None) -> plt.Figure:
    """One builder's relationships: the stock of invested hours still working, month by month.

    One broadcaster relationship (dashed) shows how a single meeting fades.
    """
    fig, ax = _fig(ax=ax)
    plan = run.plans["builder"]
    stock = run.stock["builder"] / 60.0
    x = run.months
    drawn = 0
    for g in range(len(plan.size)):
        for _ in range(int(plan.size[g])):
            ax.plot(x, stock[g], color=COLORS["builder"], alpha=0.75, lw=3,
                    label="each of the builder's relationships" if drawn == 0 else None)
            drawn += 1
    if len(run.plans["broadcaster"].size):
        ax.plot(x, run.stock["broadcaster"][0] / 60.0, color=COLORS["broadcaster"], lw=4, ls="--",
                label="one broadcaster relationship")
    chance = run.chance["builder"]
    if chance.size:
        last = float(chance[:, -1].max())
        ax.text(x[-1], stock.max() * 1.02, f"chance of an outcome now: {last:.0%} a month each",
                ha="right", va="bottom", fontsize=16, color=COLORS["builder"])
    ax.set_xlim(0.5, x[-1] + 0.5)
    ax.set_ylim(0, max(float(stock.max()) * 1.15, 1.2))
    half = run.parameters["half_life_months"]
    months = f"{half:g} month" + ("" if half == 1 else "s")
    return _finish(fig, ax, f"One builder's relationships: hours still working (half-life {months})",
                   "month", "stock of invested hours")


def fooled_by_reverse_causation(lesson, axes=None) -> plt.Figure:
    """Minutes around each win in a reverse-causation world and in a carryover world, side by side.

    `lesson` is a `naive.ReverseLesson`; `axes` (a pair) draws into a caller's figure.
    """
    from netanalysis.plots.returns import event_study

    if axes is None:
        with plt.rc_context(ROOM):
            fig, axes = plt.subplots(1, 2, figsize=(15, 6.5), dpi=100, sharey=True)
    else:
        fig = axes[0].figure
    for ax, study, title in ((axes[0], lesson.reverse, "Deals bring meetings (reverse)"),
                             (axes[1], lesson.carryover, "Time carries over")):
        ax.spines[["top", "right"]].set_visible(False)
        event_study(study, ax=ax, title=title)
        for text in list(ax.texts):
            text.remove()  # the outcomes behind each point: too small to read on a projector
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.set_title(title, fontsize=20, loc="left", pad=12)
        ax.set_xlabel("months from the win (0 = its month)", fontsize=16)
        ax.set_ylabel("minutes per contact-month" if ax is axes[0] else "", fontsize=16)
    handles = axes[1].get_legend_handles_labels()[0]
    if len(handles) == 2:
        axes[1].legend(handles, ["minutes per month (95% band)", "usual level, far from any win"], frameon=False,
                       fontsize=14, loc="upper right")
    fig.tight_layout()
    return fig


def fooled_by_confounding(table, ax=None) -> plt.Figure:
    """Win-rate ratios between contacts and within contacts, for a confounded and a carryover world.

    `table` is `naive.confounding_lesson`'s frame; bars are ratios with 95% intervals, 1 = no gap.
    """
    fig, ax = _fig(ax=ax)
    worlds = list(table.index)
    x = np.arange(len(worlds))
    for k, (col, label, color) in enumerate((("between", "comparing contacts (naive)", "broadcaster"),
                                             ("within", "each contact against itself", "builder"))):
        r = table[f"{col}_ratio"].astype(float).to_numpy()
        lo = table[f"{col}_low"].astype(float).to_numpy()
        hi = table[f"{col}_high"].astype(float).to_numpy()
        ax.bar(x + (k - 0.5) * 0.38, r, width=0.36, color=COLORS[color], label=label)
        ax.errorbar(x + (k - 0.5) * 0.38, r, yerr=[np.nan_to_num(r - lo), np.nan_to_num(hi - r)], fmt="none",
                    ecolor="#333", capsize=8, lw=2)
    ax.axhline(1, color="#333", lw=1.5, ls="--")
    ax.set_xticks(x, [f"{w}\n(time {'counts' if t else 'does nothing'})"
                      for w, t in zip(worlds, table["time_drives_outcomes"])])
    _finish(fig, ax, "More meetings, more wins?", "", "win rate: busier ÷ quieter")
    return fig

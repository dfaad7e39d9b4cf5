"""Figures for the prediction notebook. Each function takes data and returns a Figure; no file I/O."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from netanalysis.analysis.predict.features import feature_label
from netanalysis.plots._style import COLORS, empty, figure, legend_above

MODEL_COLORS = {"logistic_regression": COLORS[0], "gradient_boosting": COLORS[3], "recency": COLORS[1],
                "frequency": COLORS[2], "relationship_score": COLORS[5]}


def model_comparison(table: pd.DataFrame, ax=None) -> plt.Figure:
    """ROC AUC of each model and baseline on the held-out window, with 95% bootstrap intervals.

    `table` has `name`, `model`, `auc`, `auc_low`, `auc_high` (as `predict.Holdout.table`).
    """
    fig, ax = figure(8.0, 0.6 + 0.55 * max(len(table), 1), ax=ax)
    ax.grid(axis="y", alpha=0)
    ax.grid(axis="x", alpha=0.3)
    if table.empty or table["auc"].isna().all():
        empty(ax, "Not enough data to judge a prediction")
        return fig
    t = table.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(t))
    low = (t["auc"] - t["auc_low"]).clip(lower=0).fillna(0)
    high = (t["auc_high"] - t["auc"]).clip(lower=0).fillna(0)
    colors = [MODEL_COLORS.get(m, COLORS[-1]) for m in t["model"]]
    ax.errorbar(t["auc"], y, xerr=[low, high], fmt="none", ecolor="#555", capsize=4, lw=1.2)
    ax.scatter(t["auc"], y, s=60, c=colors, zorder=3)
    ax.axvline(0.5, color="#999", ls="--", lw=1)
    ax.text(0.5, len(t) - 0.45, " coin flip", color="#777", fontsize=8, va="bottom")
    ax.set_yticks(y)
    ax.set_yticklabels(t["name"])
    lo = np.nanmin([0.45, np.nanmin(t["auc_low"].fillna(t["auc"]))])
    ax.set_xlim(max(0.0, lo - 0.02), 1.0)
    ax.set_ylim(-0.6, len(t) - 0.2)
    ax.set_xlabel("ROC AUC on the held-out months (95% bootstrap interval over relationships)")
    ax.set_title("Who will pay next? Models against simple baselines")
    fig.tight_layout()
    return fig


def calibration(curves: pd.DataFrame, base_rate: float | None = None, ax=None) -> plt.Figure:
    """Predicted probability against the observed share of won outcomes, per model (quantile bins)."""
    fig, ax = figure(5.5, 4.5, ax=ax)
    if curves.empty:
        empty(ax, "Not enough data for a calibration curve")
        return fig
    top = float(max(curves["predicted"].max(), curves["observed"].max(), 0.05)) * 1.1
    ax.plot([0, top], [0, top], color="#999", ls="--", lw=1, label="perfectly calibrated")
    for model, g in curves.groupby("model", sort=False):
        ax.plot(g["predicted"], g["observed"], marker="o", color=MODEL_COLORS.get(model, COLORS[-1]),
                label=model.replace("_", " "))
    if base_rate is not None and np.isfinite(base_rate):
        ax.axhline(base_rate, color="#bbb", lw=1, ls=":", label="overall share in the held-out months")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("predicted chance of a won outcome")
    ax.set_ylabel("observed share with a won outcome")
    ax.set_title("Calibration on the held-out months")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def feature_importance(importance: pd.DataFrame, top: int = 12, ax=None) -> plt.Figure:
    """Permutation importance: how much the held-out ROC AUC drops when one feature is shuffled."""
    imp = importance.sort_values("importance", ascending=False).head(top).iloc[::-1]
    fig, ax = figure(7.0, 0.6 + 0.35 * max(len(imp), 1), ax=ax)
    ax.grid(axis="y", alpha=0)
    ax.grid(axis="x", alpha=0.3)
    if imp.empty:
        empty(ax, "Not enough data to measure importance")
        return fig
    ax.barh([feature_label(f) for f in imp["feature"]], imp["importance"], xerr=imp["importance_std"], color=COLORS[0], ecolor="#555",
            capsize=3)
    ax.axvline(0, color="#999", lw=1)
    ax.set_xlabel("drop in held-out ROC AUC when the feature is shuffled")
    ax.set_title("What the model relies on")
    fig.tight_layout()
    return fig


def rolling_auc(rolling: pd.DataFrame, ax=None) -> plt.Figure:
    """ROC AUC of each model and baseline at each rolling origin (one decision month each)."""
    fig, ax = figure(7.5, 4.0, ax=ax)
    if rolling.empty:
        empty(ax, "Not enough history for rolling-origin checks")
        return fig
    for model, g in rolling.groupby("model", sort=False):
        ax.plot(g["origin"], g["auc"], marker="o", color=MODEL_COLORS.get(model, COLORS[-1]),
                label=model.replace("_", " "))
    ax.axhline(0.5, color="#999", ls="--", lw=1)
    ax.set_ylabel("ROC AUC")
    ax.set_xlabel("decision month (each trained only on windows closed before it)")
    legend_above(ax, "Does the ranking hold month after month? (rolling origins)", ncol=3)
    fig.tight_layout()
    return fig

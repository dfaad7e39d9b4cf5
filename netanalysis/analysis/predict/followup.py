"""The follow-up list: relationships ranked by their chance of a won outcome in the coming months,
grouped active / cooling / dormant, with the reasons in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.analysis.predict.features import known_at
from netanalysis.analysis.predict.fits import WindowFits
from netanalysis.analysis.predict.models import (
    MIN_TRAIN_POSITIVES,
    PRIMARY,
    recency_score,
    relationship_score,
    single_thread,
)
from netanalysis.dates import DAYS_PER_MONTH
from netanalysis.panel.build import unit_of_interactions

FOLLOWUP_COLUMNS = ["rank", "name", "group", "probability", "last_touch", "stock_hours", "past_outcomes", "reason"]


@single_thread
def follow_up_list(table: pd.DataFrame, ds, seed: int = 0, model: str = PRIMARY,
                   fits: WindowFits | None = None) -> tuple[pd.DataFrame, list]:
    """Units ranked by the chance of a won outcome in the next `horizon_months`, with reasons in words.

    The model is fitted on every decision month whose outcome window is over at
    `as_of` and scores the month after `as_of`. Groups: *active* (touched in the
    last 3 months), *cooling* (last touch 4 to 6 months ago), *dormant* (no touch
    for more than 6 months). With too few won outcomes to fit, the list is ranked
    by the hand-weighted relationship score and `probability` is empty; without
    any outcome in the data, by recency alone, without a `probability` column.
    Returns (list, notes). Columns: `rank`, the unit (`contact_id` or `account`),
    `name`, `group`, `probability`, `last_touch`, `stock_hours`, `past_outcomes`, `reason`.
    `fits`: models already fitted on this table (`fits.WindowFits`); None fits the model here.
    """
    unit_col = table.columns[0]
    cols = table.attrs["feature_columns"]
    horizon = table.attrs["horizon_months"]
    now = table[table["scoring"]].reset_index(drop=True)
    lab = table[table["label"].notna()]
    notes = []
    if len(now) == 0:
        return pd.DataFrame(columns=["rank", unit_col] + FOLLOWUP_COLUMNS[1:]), notes
    cut = pd.Timestamp(table.attrs["as_of"])  # the ISO text feature_table wrote from its own Timestamp
    known = known_at(ds, cut)
    without_outcomes = known.outcomes.empty
    fits = fits if fits is not None else WindowFits(table, seed)
    prob, order_key = _ranking(now, lab, cols, lambda: fits.model(model, table["label"].notna().to_numpy()),
                               horizon, without_outcomes, notes)
    inter_units = unit_of_interactions(known, table.attrs["unit"])
    last = known.interactions["timestamp"].groupby(inter_units).max()  # grouped on the ids' codes, not as objects
    last_touch = now[unit_col].map(last)
    names = _names(known, unit_col)
    group = np.where(now["touches_3m"] > 0, "active", np.where(now["touches_6m"] > 0, "cooling", "dormant"))
    out = pd.DataFrame({
        unit_col: now[unit_col].to_numpy(),
        "name": now[unit_col].map(names).to_numpy() if names is not None else now[unit_col].to_numpy(),
        "group": group,
        "probability": np.round(prob, 4),
        "last_touch": last_touch.dt.strftime("%Y-%m-%d").to_numpy(),
        "stock_hours": np.round(now["stock_hl3"].to_numpy(dtype=float) / 60.0, 2),
        "past_outcomes": now["past_outcomes"].to_numpy(dtype=int),
    })
    days = ((cut - last_touch).dt.total_seconds() / 86400.0).to_numpy()
    out["reason"] = [_reason(d, g, s, k, t) for d, g, s, k, t in
                     zip(days, group, out["stock_hours"], out["past_outcomes"], now["touches_12m"].to_numpy(dtype=int))]
    out["_key"] = -days if without_outcomes else order_key  # recency to the day, not to the month
    out = out.sort_values(["_key", "stock_hours", unit_col], ascending=[False, False, True], kind="stable")
    out = out.drop(columns="_key").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    if without_outcomes:  # no model, so no chance to show: an empty column would read as "nan"
        out = out.drop(columns="probability")
    return out, notes


def _ranking(now, lab, cols, fitted, horizon, without_outcomes, notes) -> tuple[np.ndarray, np.ndarray]:
    """(probability, ordering key) of the units scored now: the chance from the model `fitted()` returns (fitted
    on every labelled row), else a rule, with a note saying why."""
    if without_outcomes:  # the caller orders by days since the last touch
        prob = np.full(len(now), np.nan)
        order_key = recency_score(now)
        notes.append("follow-up list: the data has no outcomes to learn from, so relationships are ranked by recency "
                     "alone (the most recently in touch first; equal ones by the time still carrying over)")
    elif lab["label"].sum() >= MIN_TRAIN_POSITIVES and lab["label"].sum() < len(lab):
        prob = fitted().predict_proba(now[cols])[:, 1]
        order_key = prob
    else:
        prob = np.full(len(now), np.nan)
        order_key = relationship_score(now)
        notes.append(_why_no_model(int(lab["label"].sum()), len(lab), horizon))
    return prob, order_key


def _why_no_model(positive: int, windows: int, horizon: int) -> str:
    """Why the list is ranked without a model: too few windows with a won outcome, or nothing to tell apart."""
    tail = "; ranked by the hand-weighted relationship score instead, without probabilities"
    if windows == 0:
        return f"follow-up list: no past {horizon}-month window is complete yet, so there is nothing to learn from" + tail
    if positive == windows:
        return (f"follow-up list: every one of the {windows:,} past {horizon}-month windows had a won outcome, so "
                "there is no window without one to tell them apart" + tail)
    return (f"follow-up list: only {positive} past {horizon}-month "
            f"{'window' if positive == 1 else 'windows'} with a won outcome, too few to learn from "
            f"(at least {MIN_TRAIN_POSITIVES})" + tail)


def _names(ds, unit_col):
    if unit_col != "contact_id":
        return None
    c = ds.contacts.drop_duplicates("contact_id").set_index("contact_id")["name"]
    return c.fillna("")


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def _reason(days_since_last: float, group: str, stock_hours: float, past: int, touches_12m: int) -> str:
    """The reasons in words: the last touch (counted back from `as_of`), time still carrying over, past outcomes."""
    days = int(max(days_since_last, 0))
    if days < 61:
        when = f"last touch {_plural(days, 'day')} ago"
    else:
        when = f"last touch {_plural(int(days // DAYS_PER_MONTH), 'month')} ago"
    if group == "dormant":
        when += " (dormant)"
    touches = f"{touches_12m} touch" + ("" if touches_12m == 1 else "es")
    parts = [when, f"{stock_hours:.1f} h of invested time still carrying over (3-month half-life)",
             f"{touches} in the last 12 months",
             _plural(past, "earlier won outcome") if past else "no won outcome yet"]
    return "; ".join(parts)

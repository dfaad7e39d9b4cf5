"""The delayed-returns page's share of `summary.json`, one small part per section.

Each section of notebook 03 computes and shows its results; the functions here
turn those results into the metrics, null-with-reason notes and figure captions
the page records, so the notebook does no bookkeeping. `gather` joins the parts
in page order (the order of keys and notes in `summary.json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from netanalysis.analysis.returns.unit_sample import sample_notes

FIRST_OUTCOME_CAPTION = ("Chance that a new relationship has produced a won outcome, by months since the first "
                         "interaction (95% band).")
# Captions of the figures a section draws only when there is something to draw.
FIGURE_CAPTIONS = {
    "03_cohorts": "For each quarter of first contact, the share of relationships with a won outcome by months "
                  "since first contact.",
    "03_carryover_profile": "How much worse the model fits for each half-life than for the best one; half-lives "
                            "under the dashed line are within the 95% interval.",
    "03_dose_response": "Monthly chance of a won outcome against the invested hours still working at the start of "
                        "the month (95% band; dots: observed).",
    "03_lag_shape": "The fitted lag shape (line) over each earlier month's own estimate (dots, 95% intervals); the "
                    "shaded band is the 95% interval of the peak month.",
}


@dataclass
class Part:
    """Metrics, notes and figure captions one section adds to the page's summary."""

    metrics: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    captions: dict = field(default_factory=dict)


def gather(*parts: Part) -> Part:
    """All parts joined in the order given: later keys follow earlier ones, notes keep their order."""
    whole = Part()
    for part in parts:
        whole.metrics.update(part.metrics)
        whole.notes.extend(part.notes)
        whole.captions.update(part.captions)
    return whole


def verdict_part(shape_fit, evidence, profile, rows=None) -> Part:
    """The lag shape, the verdict's designs and how many units the carryover profile rests on; with the
    models' `rows`, notes saying when those rest on a sample of units (`unit_sample`)."""
    part = Part(dict(shape_fit.metrics()), list(shape_fit.notes()))
    part.metrics.update(evidence.metrics())
    part.notes.extend(evidence.notes())
    part.metrics["carryover_half_life_months_n"] = profile.n_units
    if rows is not None:
        part.notes.extend(sample_notes(rows))
    return part


def first_outcome_part(km, months=(12, 24)) -> Part:
    """The chance of a first won outcome by each month and the median wait, or why they are missing."""
    part = Part()
    for m in months:
        key = f"first_outcome_probability_{m}m"
        if km.n_events_ == 0:
            part.metrics[key] = None
            part.notes.append(f"{key}: no won outcomes in the data, so no chance can be estimated")
        elif not km.followed_long_enough(m):
            part.metrics[key] = None
            part.notes.append(f"{key}: no relationship has been followed for {m} months yet")
        else:
            p, lo, hi = km.probability_by(m)
            part.metrics[key], part.metrics[key + "_ci"], part.metrics[key + "_n"] = p, [lo, hi], km.n_units_
    key = "time_to_first_outcome_median_months"
    if km.median_ is None:
        part.metrics[key] = None
        part.notes.append(f"{key}: fewer than half of the relationships have reached a won outcome, "
                          "so the median is not reached")
    else:
        part.metrics[key], part.metrics[key + "_ci"] = km.median_, list(km.median_ci_)
        part.metrics[key + "_n"] = km.n_units_
    part.captions["03_time_to_first_outcome"] = FIRST_OUTCOME_CAPTION
    return part


def first_outcome_chances(metrics: dict, months=(12, 24)) -> pd.DataFrame:
    """The chance of a won outcome within each month, as the page shows it."""
    keys = [f"first_outcome_probability_{m}m" for m in months]
    return pd.DataFrame({
        "within": [f"{m} months" for m in months],
        "chance of a won outcome": [f"{metrics[k]:.0%}" if metrics.get(k) is not None else "not enough data"
                                    for k in keys],
        "95% interval": [f"{metrics[k + '_ci'][0]:.0%} to {metrics[k + '_ci'][1]:.0%}"
                         if metrics.get(k) is not None else "" for k in keys]})


def segments_part(by_segment, segment: str) -> Part:
    """The log-rank test across segments, and its figure's caption."""
    label = segment.replace("_", " ")
    part = Part({"first_outcome_segments_logrank_p": by_segment.p_value,
                 "first_outcome_segments_logrank_n": by_segment.n_units})
    part.captions["03_time_to_first_outcome_by_segment"] = (
        f"The chance of a first won outcome, split by {label}, with 95% bands.")
    if by_segment.p_value is None:
        part.notes.append(f"first_outcome_segments_logrank_p: {by_segment.reason}")
    return part


def arrival_part(instant: dict, lags: pd.DataFrame, half_value, half_count, reference: dict) -> Part:
    """How soon outcomes come: the 30-day share, when half arrived, and the constant-rate reference."""
    part = Part()
    if instant["share"] is None:
        part.metrics["outcomes_within_30d_share"] = None
        part.notes.append("outcomes_within_30d_share: no won outcomes in the data")
    else:
        part.metrics["outcomes_within_30d_share"] = instant["share"]
        part.metrics["outcomes_within_30d_share_ci"] = instant["ci"]
        part.metrics["outcomes_within_30d_share_n"] = instant["n_units"]
    if len(lags):
        part.captions["03_outcome_lags"] = ("Months from the first interaction to each won outcome, "
                                            "and their cumulative share.")
        part.captions["03_outcome_share_by_month"] = ("Cumulative share of won outcomes, and of their value, "
                                                      "by months since the first interaction.")
    part.metrics["outcome_value_half_arrived_months"] = half_value
    part.metrics["outcome_count_half_arrived_months"] = half_count
    part.metrics["outcomes_within_30d_share_constant_rate"] = reference["share_within_days"]
    part.metrics["outcome_value_half_arrived_months_constant_rate"] = reference["half_arrived_months"]
    if not len(lags):
        part.notes.append("outcome_value_half_arrived_months: no won outcomes in the data")
        part.notes.append("outcome_count_half_arrived_months: no won outcomes in the data")
    return part


def figure_part(name: str, drawn) -> Part:
    """A figure's caption (from `FIGURE_CAPTIONS`), recorded only when the figure was drawn."""
    return Part(captions={name: FIGURE_CAPTIONS[name]} if drawn else {})


def lag_profile_part(lag_table: pd.DataFrame) -> Part:
    """The distributed-lag figure's caption, or why there is no profile."""
    fitted = bool(lag_table["hazard_ratio_1h"].notna().any())
    part = Part(captions={"03_lag_profile": "Chance of a won outcome this month with one hour invested k months "
                                            "earlier, against none (95% intervals)."} if fitted else {})
    if not fitted:
        part.notes.append("lag profile: too few won outcomes to fit it")
    return part


def deal_cycles_part(cycles: pd.DataFrame) -> Part:
    """Engagement-to-win days and the win rate of decided deals, or why there are none."""
    won = cycles[cycles["status"] == "won"]
    if won.empty:
        return Part({"deal_engage_to_won_median_days": None},
                    ["deal_engage_to_won_median_days: no deals with an engagement date in the data"])
    closed = (cycles["status"] != "open").sum()
    return Part({"deal_engage_to_won_median_days": float(won["days"].median()),
                 "deal_engage_to_won_median_days_n": int(len(won)),
                 "deal_win_rate_of_closed": float((cycles["status"] == "won").sum() / max(closed, 1))},
                captions={"03_deal_cycle_lags": "Days from engagement to each won deal.",
                          "03_deal_decided": "Chance that an engaged deal has been decided (won or lost), by "
                                             "months since engagement; open deals are censored."})


def event_study_part(study, opened_study=None) -> Part:
    """The near-to-far activity ratio around won outcomes, its notes and the figures' captions."""
    part = Part(notes=list(study.notes))
    if len(study.table):
        part.captions["03_event_study"] = (
            "Mean minutes per month around each won outcome (month 0), with 95% bands"
            + (", against the same relationships far from outcomes." if pd.notna(study.baseline["minutes"]) else
               "; no month is far enough from every outcome to compare with."))
    part.metrics["event_study_near_to_far_ratio"] = study.near_to_far
    if study.near_to_far is not None:
        part.metrics["event_study_near_to_far_ratio_ci"] = study.near_to_far_ci
        part.metrics["event_study_near_to_far_ratio_n"] = int(study.table["units"].max())
    if opened_study is not None:
        part.captions["03_event_study_opened"] = ("The same, counted from the month each won opportunity opened "
                                                  "(CRM create date).")
    return part


def deal_work_part(work_summary: pd.DataFrame | None) -> Part:
    """The share of hours spent between opening and close (deal work), or why it cannot be told apart."""
    if work_summary is None:
        return Part({"deal_work_share_of_hours": None},
                    ["deal_work_share_of_hours: no closed outcomes with an opening date (opened_at) in the data"])
    share = work_summary.loc["opening to close (deal work)", "share_of_hours"]
    return Part({"deal_work_share_of_hours": float(share) if pd.notna(share) else None,
                 "deal_work_share_of_hours_n": int(work_summary["outcomes"].iloc[0])})

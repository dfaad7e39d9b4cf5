"""Delayed returns: how long relationships take to pay.

Time to first outcome runs from a unit's first interaction to its first won
outcome, censored at `as_of`, and is estimated with Kaplan-Meier
(statsmodels' `SurvfuncRight`). Durations in months are days / 30.4375.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.analysis.returns.verdict import sentence_from_metrics
from netanalysis.analysis.words import months as months_words
from netanalysis.analysis.words import plural
from netanalysis.dates import DAYS_PER_MONTH, as_timestamp
from netanalysis.errors import UserError
from netanalysis.panel.build import UNITS, unit_of_interactions, unit_of_outcomes


def first_outcome_table(ds, unit: str = "contact", as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per unit: first interaction, first won outcome, months to it, and whether it happened.

    Units whose first won outcome came before their first interaction start at
    the outcome (duration 0): the relationship was already paying when first seen.
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    first = first_interactions(ds, unit, cut, ["channel", "source"])
    start, first_channel, first_source = first["start"], first["channel"], first["source"]
    won = ds.outcomes[(ds.outcomes["status"] == "won") & (ds.outcomes["timestamp"] <= cut)]
    o_units = unit_of_outcomes(ds, unit)[won.index]
    first_won = won["timestamp"].groupby(o_units.to_numpy()).min()
    t = pd.DataFrame({"start": start})
    t.index.name = "unit"
    t["first_won"] = first_won.reindex(t.index)
    t["first_channel"] = first_channel.reindex(t.index)
    t["source"] = first_source.reindex(t.index)
    if unit == "contact":
        t["company"] = ds.contacts.set_index("contact_id")["company"].reindex(t.index).fillna("(no company)")
    else:
        t["company"] = t.index.astype(str)
    t["event"] = t["first_won"].notna()
    end = t["first_won"].where(t["event"], cut)
    t["months"] = ((end - t["start"]).dt.total_seconds() / 86400.0 / DAYS_PER_MONTH).clip(lower=0.0)
    t["first_contact_year"] = t["start"].dt.year
    return t.reset_index()


def first_interactions(ds, unit: str, cut: pd.Timestamp, columns=()) -> pd.DataFrame:
    """Per unit (index: the unit ids, sorted), the first interaction's time up to `cut` (`start`) and, for each of
    `columns`, the first value given in time order (ties by interaction id; missing values skipped).

    The unit ids are factorized once and grouped as integers: grouping ten million
    string ids, three times over, is what made this slow. Interactions come sorted
    by time and id (`Dataset`); they are sorted here only when they are not.
    """
    from netanalysis.dataset import sorted_by

    keep = (ds.interactions["timestamp"] <= cut).to_numpy()
    units = unit_of_interactions(ds, unit)
    inter = ds.interactions.loc[keep, ["timestamp", "interaction_id", *columns]].assign(_unit=units.to_numpy()[keep])
    inter = sorted_by(inter, ["timestamp", "interaction_id"])
    codes, ids = pd.factorize(inter["_unit"], sort=True)
    known = codes >= 0  # a unit may be missing (an account of a contact without a company)
    grouped = inter.loc[known].drop(columns="_unit").groupby(codes[known])
    out = pd.DataFrame({"start": grouped["timestamp"].min(), **{c: grouped[c].first() for c in columns}})
    out.index = pd.Index(np.asarray(ids, dtype=object)[out.index.to_numpy()])
    return out


def outcome_lags(ds, unit: str = "contact", as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Every won outcome with the days and months since its unit's first interaction."""
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    start = first_interactions(ds, unit, cut)["start"]
    won = ds.outcomes[(ds.outcomes["status"] == "won") & (ds.outcomes["timestamp"] <= cut)].copy()
    won["unit"] = unit_of_outcomes(ds, unit)[won.index].to_numpy()
    first = won["unit"].map(start)  # by the index's hash table: `isin` on strings makes a Python object per id
    won = won[first.notna().to_numpy()]
    won["first_interaction"] = first[first.notna()]
    won["lag_days"] = (won["timestamp"] - won["first_interaction"]).dt.total_seconds() / 86400.0
    won["lag_months"] = won["lag_days"] / DAYS_PER_MONTH
    return won[["unit", "outcome_id", "timestamp", "first_interaction", "lag_days", "lag_months", "value", "kind"]]


def within_days_share(lags: pd.DataFrame, days: float = 30.0, n_boot: int = 1000, seed: int = 0) -> dict:
    """Share of won outcomes within `days` of first contact, with a unit-bootstrap 95% interval."""
    if lags.empty:
        return {"share": None, "ci": None, "n_outcomes": 0, "n_units": 0}
    hit = (lags["lag_days"] <= days).to_numpy()
    share = float(hit.mean())
    codes, _ = pd.factorize(lags["unit"])
    n_units = int(codes.max()) + 1
    per_unit_hits = np.bincount(codes, weights=hit, minlength=n_units)
    per_unit_n = np.bincount(codes, minlength=n_units)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_units, size=(n_boot, n_units))
    num = per_unit_hits[draws].sum(axis=1)
    den = per_unit_n[draws].sum(axis=1)
    boot = num / np.maximum(den, 1)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return {"share": share, "ci": [float(lo), float(hi)], "n_outcomes": int(len(lags)), "n_units": n_units}


def outcome_share_by_month(lags: pd.DataFrame, max_months: int | None = None) -> pd.DataFrame:
    """Cumulative share of won outcomes (and of their value) that had arrived by each month since first contact.

    Row k counts outcomes with a lag under k + 1 months (so row 0 is the first month).
    """
    cols = ["months_since_first", "outcomes", "share_of_outcomes", "share_of_value"]
    if lags.empty:
        return pd.DataFrame(columns=cols)
    month = np.floor(lags["lag_months"].clip(lower=0).to_numpy(dtype=float)).astype(int)
    top = int(month.max()) if max_months is None else int(max_months)
    counts = np.bincount(np.minimum(month, top + 1), minlength=top + 2)[:top + 1]
    value = lags["value"].fillna(0.0).to_numpy(dtype=float)
    values = np.bincount(np.minimum(month, top + 1), weights=value, minlength=top + 2)[:top + 1]
    total_value = value.sum()
    return pd.DataFrame({"months_since_first": np.arange(top + 1), "outcomes": counts,
                         "share_of_outcomes": np.cumsum(counts) / len(lags),
                         "share_of_value": np.cumsum(values) / total_value if total_value > 0 else np.nan})


def month_when_share_reached(lags: pd.DataFrame, share: float = 0.5, weight: str = "value") -> float | None:
    """Months since first contact by which `share` of the outcomes' value (or count) had arrived."""
    if lags.empty:
        return None
    d = lags.sort_values("lag_months")
    w = d["value"].fillna(0.0).to_numpy(float) if weight == "value" else np.ones(len(d))
    if w.sum() <= 0:
        return None
    c = np.cumsum(w) / w.sum()
    return float(d["lag_months"].to_numpy(float)[np.searchsorted(c, share - 1e-12)])


def followup_months(table: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """Months each unit of a :func:`first_outcome_table` has been followed: first interaction to `as_of`."""
    cut = as_timestamp(as_of)
    return ((cut - table["start"]).dt.total_seconds() / 86400.0 / DAYS_PER_MONTH).clip(lower=0.0).to_numpy(dtype=float)


def constant_rate_reference(followup: np.ndarray, days: float = 30.0) -> dict:
    """What the lag figures would be if outcomes arrived at one constant rate over each unit's follow-up.

    With a rate that is the same in every month of every unit, a unit followed
    F months gets outcomes in proportion to F, spread evenly over [0, F]. So the
    share within `days` is ``sum min(F, d) / sum F`` and half of the outcomes
    have arrived by the t with ``sum min(t, F) = sum F / 2``. Both depend only
    on how long units were followed: a lag figure means delay only where it
    differs from this reference.

    Returns a dict: `share_within_days`, `half_arrived_months` (None without follow-up).

    >>> ref = constant_rate_reference(np.array([2.0, 4.0]))
    >>> round(ref["half_arrived_months"], 6), round(ref["share_within_days"], 4)
    (1.5, 0.3285)
    """
    f = np.sort(np.asarray(followup, dtype=float))
    f = f[np.isfinite(f) & (f > 0)]
    if f.size == 0:
        return {"share_within_days": None, "half_arrived_months": None}
    d = days / DAYS_PER_MONTH
    # sum min(t, F) at each breakpoint F_k is linear in between, so interpolation is exact.
    at_breaks = np.cumsum(f) + f * (f.size - 1 - np.arange(f.size))
    half = float(np.interp(f.sum() / 2, np.r_[0.0, at_breaks], np.r_[0.0, f]))
    return {"share_within_days": float(np.minimum(f, d).sum() / f.sum()), "half_arrived_months": half}


def _pct(share: float) -> str:
    return f"{share:.0%}" if share >= 0.01 or share == 0 else f"{share:.1%}"


def _by_month(months: float) -> str:
    """'by month 9', or 'within the first month' where it rounds to month 0.

    >>> _by_month(8.6), _by_month(0.3)
    ('by month 9', 'within the first month')
    """
    return "within the first month" if round(months) == 0 else f"by month {months:.0f}"


def _one(who: str) -> str:
    """'relationship' from 'relationships', 'account' from 'accounts'."""
    return who[:-1] if who.endswith("s") else who


def share_within_words(share: float, n_outcomes: int, one: str = "relationship", days: int = 30) -> str:
    """'**None** of the 12 won outcomes came within 30 days ...', '**8%** of 101 ...', '**All** 3 ...'.

    Counted from the first interaction with the relationship (or account), not from a deal's own start.

    >>> share_within_words(0.0, 4238, "account")
    '**None** of the 4,238 won outcomes came within 30 days of the first interaction with their account'
    >>> share_within_words(1.0, 1)
    'The only won outcome **came** within 30 days of the first interaction with its relationship'
    """
    where = f"within {days} days of the first interaction with"
    if n_outcomes == 1:
        return f"The only won outcome **{'came' if share == 1 else 'did not come'}** {where} its {one}"
    if share == 0:
        return f"**None** of the {n_outcomes:,} won outcomes came {where} their {one}"
    if share == 1:
        return f"**All** {n_outcomes:,} won outcomes came {where} their {one}"
    return f"**{_pct(share)}** of {n_outcomes:,} won outcomes came {where} their {one}"


def compare_with_constant_rate(share_ci, reference_share) -> str | None:
    """"fewer", "more" or "same": the 30-day share's interval against the constant-rate reference."""
    if share_ci is None or reference_share is None:
        return None
    lo, hi = share_ci
    return "fewer" if hi < reference_share else "more" if lo > reference_share else "same"


def describe_arrival(instant: dict, half_months: float | None, reference: dict, who: str = "relationships",
                     weight: str = "value") -> str:
    """How soon won outcomes came, said only as far as the constant-rate reference allows.

    `instant` is :func:`within_days_share`'s result, `half_months` the month by
    which half of the value (or count) had arrived, `reference` the
    :func:`constant_rate_reference` of the same units.
    """
    if instant.get("share") is None:
        return "There are no won outcomes yet, so nothing can be said about how soon they come."
    lo, hi = instant["ci"]
    ref = reference.get("share_within_days")
    text = (share_within_words(instant["share"], instant["n_outcomes"], _one(who))
            + (f" (95% interval {lo:.0%} to {hi:.0%}, {plural(instant['n_units'], _one(who), ',')})"
               if f"{lo:.0%}" != f"{hi:.0%}" else f" ({plural(instant['n_units'], _one(who), ',')})"))
    verdict = compare_with_constant_rate(instant["ci"], ref)
    if verdict is not None:
        text += f"; at a constant rate over each one's own follow-up, about **{_pct(ref)}** would have. "
        text += {"fewer": "Fewer came at once than that: outcomes seldom follow a first meeting straight away. ",
                 "more": "More came at once than that: many outcomes follow soon after the first interaction. ",
                 "same": "That is about the same, so these figures show no delay. "}[verdict]
    else:
        text += ". "
    if half_months is not None:
        what = "the value" if weight == "value" else "the outcomes"
        text += f"Half of {what} arrived " + ("**within the first month**" if round(half_months) == 0 else
                                              f"by month **{half_months:.0f}**")
        if reference.get("half_arrived_months") is not None:
            text += (f" ({_by_month(reference['half_arrived_months'])} at a constant rate over the same follow-up); "
                     "that month grows with how long the relationships have been followed, so on its own it "
                     "measures follow-up, not delay.")
        else:
            text += "."
    return text.rstrip()


def check_returns_parameters(unit: str = "contact", segment: str = "first_channel", half_life_min: float = 0.25,
                             half_life_max: float = 36.0, half_life_steps: int = 64,
                             reverse_causation_gap_months: int = 1, max_lag_months: int = 12,
                             link_test_redraws: int = 199) -> np.ndarray:
    """Check the delayed-returns notebook's parameters (UserError naming the bad one); return the half-life grid."""
    from netanalysis.analysis.returns.segments import SEGMENTS

    if unit not in UNITS:
        raise UserError(f"unit: {unit!r} is not one of {', '.join(UNITS)}")
    if segment not in SEGMENTS:
        raise UserError(f"segment: {segment!r} is not one of {', '.join(SEGMENTS)}")
    if not (0 < half_life_min < half_life_max):
        raise UserError(f"half_life_min, half_life_max: need 0 < min < max, got {half_life_min} and {half_life_max}")
    if not 3 <= int(half_life_steps) <= 1000:
        raise UserError(f"half_life_steps: must be between 3 and 1000, got {half_life_steps}")
    if not 0 <= int(reverse_causation_gap_months) <= 12:
        raise UserError(f"reverse_causation_gap_months: must be between 0 and 12, got {reverse_causation_gap_months}")
    if not 1 <= int(max_lag_months) <= 36:
        raise UserError(f"max_lag_months: must be between 1 and 36, got {max_lag_months}")
    if not 19 <= int(link_test_redraws) <= 9999:
        raise UserError(f"link_test_redraws: must be between 19 and 9999, got {link_test_redraws}")
    return np.geomspace(float(half_life_min), float(half_life_max), int(half_life_steps))


def headline(metrics: dict, who: str = "relationships") -> str:
    """A few plain sentences for a manager from the delayed-returns metrics (numbers only, no data strings).

    Delay is claimed only where the 30-day share falls below its constant-rate
    reference (`outcomes_within_30d_share_constant_rate`); the carryover line
    speaks of time that "goes with" outcomes only when `delayed_returns_verdict`
    is `supported`, and never of an effect.
    """
    lines = []
    share = metrics.get("outcomes_within_30d_share")
    if share is not None:
        ref = metrics.get("outcomes_within_30d_share_constant_rate")
        verdict = compare_with_constant_rate(metrics.get("outcomes_within_30d_share_ci"), ref)
        start = {"fewer": "**Instant results are rare:**" + (" only" if share > 0 else ""),
                 "more": "**Many quick results:**"}.get(verdict, "**Outcomes within 30 days:**")
        amount = "none of the" if share == 0 else "all the" if share == 1 else f"{_pct(share)} of"
        line = (f"- {start} {amount} won outcomes came within 30 days of the first interaction with their "
                f"{_one(who)}")
        if ref is not None:
            line += f" (about {_pct(ref)} if they arrived at a constant rate over the same follow-up)"
        half = metrics.get("outcome_value_half_arrived_months")
        if half is not None:
            line += f"; half of the value arrived {_by_month(half)}"
            ref_half = metrics.get("outcome_value_half_arrived_months_constant_rate")
            if ref_half is not None:
                line += f" ({_by_month(ref_half)} at a constant rate: a figure that grows with follow-up)"
        lines.append(line + ".")
    p12 = metrics.get("first_outcome_probability_12m")
    if p12 is not None:
        lo, hi = metrics["first_outcome_probability_12m_ci"]
        lines.append(f"- **A year in:** the chance that a new {who.rstrip('s')} has produced a won outcome is {p12:.0%} "
                     f"(95% interval {lo:.0%} to {hi:.0%}).")
    lines.append("- " + sentence_from_metrics(metrics, who))
    return "\n".join(lines)



def describe_first_outcome(n_units: int, n_events: int, p12: float | None, median_months: float | None,
                           who: str = "relationships") -> str:
    """How many units have produced a won outcome, the chance within a year and the median time, in words.

    >>> describe_first_outcome(1, 0, None, None)
    'Out of **1** relationship, **none** has produced a won outcome so far. There is not enough history to estimate the chance within a year. There is no median time yet.'
    """
    one = _one(who)
    units = f"**{n_units:,}** {one if n_units == 1 else who}"
    done = ("**none** has" if n_events == 0 else "**1** has" if n_events == 1 else
            f"**all {n_events:,}** have" if n_events == n_units else f"**{n_events:,}** have")
    text = f"Out of {units}, {done} produced a won outcome so far. "
    if p12 is None:
        text += "There is not enough history to estimate the chance within a year."
    elif f"{p12:.0%}" == "100%":
        text += f"Nearly every new {one} produces one within a year (**{p12:.0%}** after rounding)."
    elif f"{p12:.0%}" == "0%":
        text += f"A new {one} almost never produces one within a year (**{_pct(p12)}**)."
    else:
        text += f"A new one has about a **{p12:.0%}** chance of producing one within a year."
    if median_months is not None:
        them = "It" if n_units == 1 else "Half of them"
        return text + f" {them} had one within **{months_words(median_months, '.1f')}**."
    if n_units == 1:
        return text + " There is no median time yet."
    return text + " Fewer than half have produced one so far, so there is no median time yet."

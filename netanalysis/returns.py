"""Delayed returns: how long relationships take to pay.

Time to first outcome runs from a unit's first interaction to its first won
outcome, censored at `as_of`, and is estimated with Kaplan-Meier
(statsmodels' `SurvfuncRight`). Durations in months are days / 30.4375.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

from .errors import UserError
from .panel import UNITS, unit_of_interactions, unit_of_outcomes
from .timeutil import DAYS_PER_MONTH, parse_as_of


def first_outcome_table(ds, unit: str = "contact", as_of=None) -> pd.DataFrame:
    """One row per unit: first interaction, first won outcome, months to it, and whether it happened.

    Units whose first won outcome came before their first interaction start at
    the outcome (duration 0): the relationship was already paying when first seen.
    """
    cut = parse_as_of(as_of, default=ds.last_timestamp)
    inter = ds.interactions[ds.interactions["timestamp"] <= cut]
    units = unit_of_interactions(ds, unit)[inter.index]
    start = inter["timestamp"].groupby(units.to_numpy()).min()
    ordered = inter.assign(_unit=units.to_numpy()).sort_values(["timestamp", "interaction_id"], kind="stable")
    first_channel = ordered.groupby("_unit")["channel"].first()
    first_source = ordered.groupby("_unit")["source"].first()
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


@dataclass
class KaplanMeier:
    """Kaplan-Meier estimate of the chance that a unit has produced a won outcome by a time.

    Attributes end in nothing fancy: `times`, `survival`, `se` (Greenwood),
    `n_units`, `n_events`.
    """

    times: np.ndarray
    survival: np.ndarray
    se: np.ndarray
    n_units: int
    n_events: int
    _sf: SurvfuncRight

    @classmethod
    def fit(cls, months, event) -> "KaplanMeier":
        months = np.asarray(months, dtype=float)
        event = np.asarray(event, dtype=bool).astype(int)
        sf = SurvfuncRight(months, event)
        return cls(np.asarray(sf.surv_times), np.asarray(sf.surv_prob), np.asarray(sf.surv_prob_se),
                   int(len(months)), int(event.sum()), sf)

    def survival_at(self, t: float) -> float:
        idx = np.searchsorted(self.times, t, side="right") - 1
        return 1.0 if idx < 0 else float(self.survival[idx])

    def probability_by(self, t: float, alpha: float = 0.05) -> tuple[float, float, float]:
        """P(first outcome within t months) with a log(-log) confidence interval."""
        idx = np.searchsorted(self.times, t, side="right") - 1
        if idx < 0:
            return 0.0, 0.0, 0.0
        s, se = float(self.survival[idx]), float(self.se[idx])
        lo, hi = _loglog_ci(s, se, alpha)
        if s == 0.0:
            # Everyone reached an outcome by t: the log(-log) interval collapses. With no censoring
            # before t, the estimate is a plain proportion d/n, so give its exact (Clopper-Pearson) interval.
            time, status = np.asarray(self._sf.time), np.asarray(self._sf.status)
            if not np.any((time <= t) & (status == 0)):
                return 1.0, float(stats.beta.ppf(alpha / 2, self.n_units, 1)), 1.0
        return 1.0 - s, 1.0 - hi, 1.0 - lo

    def followed_long_enough(self, t: float) -> bool:
        """Whether the chance by t months is known: some unit was still followed at t months,
        or every unit had already had its first outcome (the curve reached 100%)."""
        if not len(self._sf.time):
            return False
        return bool(self._sf.time.max() >= t) or bool(self.survival.size and self.survival[-1] == 0.0)

    def median(self, alpha: float = 0.05):
        """Median months to first outcome with its CI, or None when fewer than half ever reach one."""
        if self.survival.size == 0 or self.survival.min() > 0.5:
            return None
        with warnings.catch_warnings():  # statsmodels warns on log(0) where the curve reaches 0
            warnings.simplefilter("ignore", RuntimeWarning)
            med = float(self._sf.quantile(0.5))
            lo, hi = self._sf.quantile_ci(0.5, alpha=alpha)
        return med, (None if np.isnan(lo) else float(lo)), (None if np.isnan(hi) else float(hi))

    def curve(self) -> pd.DataFrame:
        """Step curve of the cumulative chance of a first outcome, with pointwise 95% band."""
        lo, hi = zip(*[_loglog_ci(s, e, 0.05) for s, e in zip(self.survival, self.se)]) if len(self.survival) else ((), ())
        return pd.DataFrame({"months": np.r_[0.0, self.times], "probability": np.r_[0.0, 1 - self.survival],
                             "low": np.r_[0.0, 1 - np.asarray(hi)], "high": np.r_[0.0, 1 - np.asarray(lo)]})


def _loglog_ci(s: float, se: float, alpha: float) -> tuple[float, float]:
    """Confidence interval for a survival probability on the log(-log) scale (Kalbfleisch-Prentice)."""
    if s <= 0.0 or s >= 1.0 or not np.isfinite(se) or se == 0:
        return s, s
    z = stats.norm.ppf(1 - alpha / 2)
    v = se / (s * abs(np.log(s)))
    lo = s ** np.exp(z * v)
    hi = s ** np.exp(-z * v)
    return float(lo), float(hi)


def outcome_lags(ds, unit: str = "contact", as_of=None) -> pd.DataFrame:
    """Every won outcome with the days and months since its unit's first interaction."""
    cut = parse_as_of(as_of, default=ds.last_timestamp)
    inter = ds.interactions[ds.interactions["timestamp"] <= cut]
    units = unit_of_interactions(ds, unit)[inter.index]
    start = inter["timestamp"].groupby(units.to_numpy()).min()
    won = ds.outcomes[(ds.outcomes["status"] == "won") & (ds.outcomes["timestamp"] <= cut)].copy()
    won["unit"] = unit_of_outcomes(ds, unit)[won.index].to_numpy()
    won = won[won["unit"].isin(start.index)]
    won["first_interaction"] = won["unit"].map(start)
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


def check_returns_parameters(unit: str = "contact", segment: str = "first_channel", half_life_min: float = 0.25,
                             half_life_max: float = 36.0, half_life_steps: int = 64,
                             reverse_causation_gap_months: int = 1, max_lag_months: int = 12) -> np.ndarray:
    """Check the delayed-returns notebook's parameters (UserError naming the bad one); return the half-life grid."""
    from .survival import SEGMENTS

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
    return np.geomspace(float(half_life_min), float(half_life_max), int(half_life_steps))


def headline(metrics: dict, who: str = "relationships") -> str:
    """A few plain sentences for a manager from the delayed-returns metrics (numbers only, no data strings)."""
    lines = []
    share = metrics.get("outcomes_within_30d_share")
    if share is not None:
        pct = f"{share:.0%}" if share >= 0.01 or share == 0 else f"{share:.1%}"
        half = metrics.get("outcome_value_half_arrived_months")
        label = "Instant results are rare:** only" if share < 0.2 else "Instant results:**"
        lines.append(f"- **{label} {pct} of won outcomes came within 30 days of the first meeting"
                     + (f"; half of the eventual value arrived after month {half:.0f}." if half is not None else "."))
    p12 = metrics.get("first_outcome_probability_12m")
    if p12 is not None:
        lo, hi = metrics["first_outcome_probability_12m_ci"]
        lines.append(f"- **A year in:** the chance that a new {who.rstrip('s')} has produced a won outcome is {p12:.0%} "
                     f"(95% interval {lo:.0%} to {hi:.0%}).")
    hl = metrics.get("carryover_half_life_months")
    peak = metrics.get("lag_peak_months")
    if metrics.get("lag_shape") == "delayed" and peak is not None:
        lo, hi = metrics.get("lag_peak_months_ci") or [None, None]
        span = (f" (95% interval {lo:.1f} to {hi:.1f} months)" if lo is not None and hi is not None else "")
        lines.append(f"- **Returns arrive late:** an hour invested goes with the largest rise in the chance of a win "
                     f"about {peak:.0f} months later{span}, and with little in the first months.")
    elif hl is not None:
        lo, hi = metrics.get("carryover_half_life_months_ci", [None, None])
        span = (f"{lo:.1f} to {hi:.1f}" if lo is not None and hi is not None else
                f"at least {lo:.1f}" if lo is not None else f"at most {hi:.1f}")
        lines.append(f"- **Invested time keeps working:** half of its effect is gone after about {hl:.1f} months "
                     f"(95% interval {span} months): time invested months ago still goes with better chances today.")
    else:
        lines.append("- **How long invested time keeps working** cannot be pinned down from this data (see the notes).")
    return "\n".join(lines)

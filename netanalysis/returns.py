"""Delayed returns: how long relationships take to pay.

Time to first outcome runs from a unit's first interaction to its first won
outcome, censored at `as_of`, and is estimated with Kaplan-Meier
(statsmodels' `SurvfuncRight`). Durations in months are days / 30.4375.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

from .panel import unit_of_interactions, unit_of_outcomes
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
    first_channel = inter.sort_values("timestamp").groupby(units.to_numpy())["channel"].first()
    won = ds.outcomes[(ds.outcomes["status"] == "won") & (ds.outcomes["timestamp"] <= cut)]
    o_units = unit_of_outcomes(ds, unit)[won.index]
    first_won = won["timestamp"].groupby(o_units.to_numpy()).min()
    t = pd.DataFrame({"start": start})
    t.index.name = "unit"
    t["first_won"] = first_won.reindex(t.index)
    t["first_channel"] = first_channel.reindex(t.index)
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
        return 1.0 - s, 1.0 - hi, 1.0 - lo

    def followed_long_enough(self, t: float) -> bool:
        """Whether some unit was still followed (at risk) at t months."""
        return bool(self._sf.time.max() >= t) if len(self._sf.time) else False

    def median(self, alpha: float = 0.05):
        """Median months to first outcome with its CI, or None when fewer than half ever reach one."""
        if self.survival.size == 0 or self.survival.min() > 0.5:
            return None
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

"""Kaplan-Meier: the chance that a unit has produced a won outcome by each month.

Units still waiting at `as_of` are censored, not counted as failures. The
estimate is statsmodels' `SurvfuncRight`; intervals are log(-log)
(Kalbfleisch-Prentice), with the exact Clopper-Pearson interval where the
curve reaches 100% before any censoring.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight


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
    def fit(cls, months, event) -> KaplanMeier:
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

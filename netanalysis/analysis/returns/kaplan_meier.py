"""Kaplan-Meier: the chance that a unit has produced a won outcome by each month.

Units still waiting at `as_of` are censored, not counted as failures. The
estimate is statsmodels' `SurvfuncRight`; intervals are log(-log)
(Kalbfleisch-Prentice), with the exact Clopper-Pearson interval where the
curve reaches 100% before any censoring.
"""

from __future__ import annotations

import functools
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight


class Estimate(NamedTuple):
    """A probability or a time with its confidence interval (unpacks as ``value, low, high``)."""

    value: float
    low: float | None
    high: float | None


class _FitMethod:
    """`fit` on an estimator (fits it, returns it) or on the class (fits a new one)."""

    def __init__(self, func):
        self.func = func

    def __get__(self, obj, cls):
        return functools.partial(self.func, obj if obj is not None else cls())


class KaplanMeier:
    """Kaplan-Meier estimate of the chance that a unit has produced a won outcome by a time.

    ``KaplanMeier().fit(months, event)`` returns the estimator with its learned
    attributes (scikit-learn style, a trailing underscore): `survival_` (the step
    curve with its 95% band), `median_` and `median_ci_` (None when fewer than
    half ever reach an outcome), `n_units_`, `n_events_`. `times`, `survival`
    and `se` (Greenwood) are the arrays at the event times.
    ``KaplanMeier.fit(months, event)`` on the class does the same.

    Examples
    --------
    >>> km = KaplanMeier().fit([1, 2, 2, 3, 4], [1, 0, 1, 1, 0])
    >>> p, low, high = km.probability_by(3.5)
    >>> round(p, 2), km.n_units_, km.n_events_
    (0.7, 5, 3)
    """

    def _fit(self, months, event) -> KaplanMeier:
        months = np.asarray(months, dtype=float)
        event = np.asarray(event, dtype=bool).astype(int)
        self._sf = sf = SurvfuncRight(months, event)
        self.times, self.survival, self.se = (np.asarray(sf.surv_times), np.asarray(sf.surv_prob),
                                              np.asarray(sf.surv_prob_se))
        self.n_units_, self.n_events_ = int(len(months)), int(event.sum())
        self.survival_ = self.curve()
        med = self.median()
        self.median_ = None if med is None else med.value
        self.median_ci_ = None if med is None else (med.low, med.high)
        return self

    fit = _FitMethod(_fit)

    @property
    def n_units(self) -> int:
        return self.n_units_

    @property
    def n_events(self) -> int:
        return self.n_events_

    def survival_at(self, t: float) -> float:
        idx = np.searchsorted(self.times, t, side="right") - 1
        return 1.0 if idx < 0 else float(self.survival[idx])

    def probability_by(self, t: float, alpha: float = 0.05) -> Estimate:
        """P(first outcome within t months) with a log(-log) confidence interval."""
        idx = np.searchsorted(self.times, t, side="right") - 1
        if idx < 0:
            return Estimate(0.0, 0.0, 0.0)
        s, se = float(self.survival[idx]), float(self.se[idx])
        lo, hi = _loglog_ci(s, se, alpha)
        if s == 0.0:
            # Everyone reached an outcome by t: the log(-log) interval collapses. With no censoring
            # before t, the estimate is a plain proportion d/n, so give its exact (Clopper-Pearson) interval.
            time, status = np.asarray(self._sf.time), np.asarray(self._sf.status)
            if not np.any((time <= t) & (status == 0)):
                return Estimate(1.0, float(stats.beta.ppf(alpha / 2, self.n_units_, 1)), 1.0)
        return Estimate(1.0 - s, 1.0 - hi, 1.0 - lo)

    def followed_long_enough(self, t: float) -> bool:
        """Whether the chance by t months is known: some unit was still followed at t months,
        or every unit had already had its first outcome (the curve reached 100%)."""
        if not len(self._sf.time):
            return False
        return bool(self._sf.time.max() >= t) or bool(self.survival.size and self.survival[-1] == 0.0)

    def median(self, alpha: float = 0.05) -> Estimate | None:
        """Median months to first outcome with its CI, or None when fewer than half ever reach one."""
        if self.survival.size == 0 or self.survival.min() > 0.5:
            return None
        with warnings.catch_warnings():  # statsmodels warns on log(0) where the curve reaches 0
            warnings.simplefilter("ignore", RuntimeWarning)
            med = float(self._sf.quantile(0.5))
            lo, hi = self._sf.quantile_ci(0.5, alpha=alpha)
        return Estimate(med, (None if np.isnan(lo) else float(lo)), (None if np.isnan(hi) else float(hi)))

    def curve(self) -> pd.DataFrame:
        """Step curve of the cumulative chance of a first outcome, with pointwise 95% band."""
        lo, hi = zip(*[_loglog_ci(s, e, 0.05) for s, e in zip(self.survival, self.se)]) if len(self.survival) else ((), ())
        return pd.DataFrame({"months": np.r_[0.0, self.times], "probability": np.r_[0.0, 1 - self.survival],
                             "low": np.r_[0.0, 1 - np.asarray(hi)], "high": np.r_[0.0, 1 - np.asarray(lo)]})

    def summary(self, months=(3, 6, 12, 24)) -> pd.DataFrame:
        """The chance of a first outcome by each of `months`, with its interval; NaN where not followed that long."""
        rows = []
        for m in months:
            known = self.n_events_ > 0 and self.followed_long_enough(m)
            p, lo, hi = self.probability_by(m) if known else (np.nan, np.nan, np.nan)
            rows.append({"months": m, "probability": p, "low": lo, "high": hi, "n_units": self.n_units_})
        return pd.DataFrame(rows)

    def metrics(self) -> dict:
        """The headline numbers: units, events, median months to a first outcome and its interval."""
        low, high = self.median_ci_ or (None, None)
        return {"n_units": self.n_units_, "n_events": self.n_events_, "median_months": self.median_,
                "median_low": low, "median_high": high}

    def notes(self) -> list[str]:
        """Plain-language cautions for a reader of this estimate."""
        out = []
        if self.n_events_ == 0:
            out.append("No unit has had a won outcome yet: the chance cannot be estimated.")
        elif self.median_ is None:
            out.append("Fewer than half of the units have had a won outcome: the median is not known yet.")
        return out

    def plot(self, ax=None, label: str = "", title: str = "Chance of a first won outcome",
             max_months: float | None = None):
        """The step curve with its 95% band on `ax` (a new figure when None); returns the Figure."""
        from netanalysis.plots.general import kaplan_meier

        return kaplan_meier({label: self.survival_}, title=title, max_months=max_months, ax=ax)


def _loglog_ci(s: float, se: float, alpha: float) -> tuple[float, float]:
    """Confidence interval for a survival probability on the log(-log) scale (Kalbfleisch-Prentice)."""
    if s <= 0.0 or s >= 1.0 or not np.isfinite(se) or se == 0:
        return s, s
    z = stats.norm.ppf(1 - alpha / 2)
    v = se / (s * abs(np.log(s)))
    lo = s ** np.exp(z * v)
    hi = s ** np.exp(-z * v)
    return float(lo), float(hi)

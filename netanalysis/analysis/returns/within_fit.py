"""Conditional Poisson fits: each unit's won months shared among its own months.

`fit_conditional_poisson` is Newton-Raphson on the conditional log-likelihood
row by row. `PatternedConditionalPoisson` fits the same model for the
within-unit profile, which fits ``[Z, x]`` once per half-life: Z the controls
(tenure bins and calendar months, ~50 indicator columns), x the dose. Row by
row, each Newton step costs rows x columns^2 (the information matrix); but the
controls' rows take few distinct patterns, so every sum over rows that involves
Z is a sum over patterns (`np.bincount`), and the per-unit means of Z are one
sparse product (units x patterns). With w_t = n_i p_t,

    information = X' W X - sum_i n_i m_i m_i',   m_i = sum_t p_t x_t (unit i's mean),
    score       = X' y   - sum_i n_i m_i,

which is `_score_info` regrouped: the same likelihood, the same Newton steps
and stopping rule, with sums taken in another order (estimates agree to about
1e-10, relative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from netanalysis.analysis.returns.carryover import HazardRows


@dataclass
class UnitGroups:
    """The rows of the units with at least one event, grouped contiguously.

    `code` is each row's group number (0..n_groups-1), `n_events` each group's
    number of event rows, `keep` the positions of these rows in the full rows.
    """

    keep: np.ndarray
    code: np.ndarray
    starts: np.ndarray
    n_events: np.ndarray
    y: np.ndarray

    @property
    def n_groups(self) -> int:
        return int(len(self.starts))


def unit_groups(rows: HazardRows) -> UnitGroups:
    """Keep the units with at least one event (the only ones the conditional likelihood sees)."""
    code_all = np.repeat(np.arange(rows.n_units), np.diff(np.append(rows.starts, rows.n_rows)))
    per_unit = np.bincount(code_all, weights=rows.event, minlength=rows.n_units)
    has = per_unit > 0
    keep = np.flatnonzero(has[code_all])
    code = np.cumsum(has)[code_all[keep]] - 1
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else np.array([], dtype=int)
    return UnitGroups(keep=keep, code=code, starts=starts, n_events=per_unit[has], y=rows.event[keep])


def within_probabilities(g: UnitGroups, eta: np.ndarray) -> np.ndarray:
    """Softmax of `eta` within each group (each group's p sums to one)."""
    if not len(eta):
        return eta
    lengths = np.diff(np.append(g.starts, len(eta)))  # each group's rows are contiguous: repeat, not gather
    e = np.exp(eta - np.repeat(np.maximum.reduceat(eta, g.starts), lengths))
    return e / np.repeat(np.add.reduceat(e, g.starts), lengths)


def conditional_loglik(g: UnitGroups, X: np.ndarray, b: np.ndarray) -> float:
    """sum_i sum_t y_it log p_it under coefficients b."""
    p = within_probabilities(g, X @ b)
    hit = g.y > 0
    return float((g.y[hit] * np.log(np.maximum(p[hit], 1e-300))).sum())


def fit_conditional_poisson(g: UnitGroups, X: np.ndarray, start=None, tol: float = 1e-10, maxiter: int = 50):
    """Newton-Raphson on the conditional Poisson log-likelihood; returns (coef, loglik, covariance).

    Columns of X that do not vary within any group carry no information and are
    held at zero (their coefficient is reported as 0, variance as nan).
    """
    X = np.ascontiguousarray(X, dtype=float)
    k = X.shape[1]
    free = _varies_within(g, X)
    b = np.zeros(k) if start is None else np.where(free, np.asarray(start, dtype=float), 0.0)
    Xf = X[:, free]
    bf = b[free]
    ll = conditional_loglik(g, Xf, bf)
    info = np.zeros((free.sum(), free.sum()))
    for _ in range(maxiter):
        score, info = _score_info(g, Xf, bf)
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, score, rcond=None)[0]
        t = 1.0
        new_ll = conditional_loglik(g, Xf, bf + step)
        while not new_ll >= ll - 1e-12 and t >= 1e-4:
            t /= 2.0
            new_ll = conditional_loglik(g, Xf, bf + t * step)
        if not new_ll >= ll - 1e-12:
            break  # no step improves: at the optimum up to rounding
        bf = bf + t * step
        done = abs(new_ll - ll) < tol * (abs(ll) + 1.0)
        ll = new_ll
        if done:
            break
    b[free] = bf
    cov = np.full((k, k), np.nan)
    if free.any():
        _, info = _score_info(g, Xf, bf)
        cov[np.ix_(free, free)] = np.linalg.pinv(info)
    return b, ll, cov


def _varies_within(g: UnitGroups, X: np.ndarray) -> np.ndarray:
    """Which columns vary within at least one group."""
    if not len(X):
        return np.zeros(X.shape[1], dtype=bool)
    lo = np.minimum.reduceat(X, g.starts, axis=0)
    hi = np.maximum.reduceat(X, g.starts, axis=0)
    return (hi - lo > 1e-12).any(axis=0)


def _score_info(g: UnitGroups, X: np.ndarray, b: np.ndarray):
    """Score and information of the conditional log-likelihood: sum_i n_i Cov_{p_i}(x)."""
    p = within_probabilities(g, X @ b)
    w = g.n_events[g.code] * p
    mean = np.add.reduceat(p[:, None] * X, g.starts, axis=0)[g.code]
    xc = X - mean
    score = xc.T @ g.y
    info = (xc * w[:, None]).T @ xc
    return score, info



class PatternedConditionalPoisson:
    """Fits of the conditional Poisson on controls `Z` (few row patterns) plus one dose column.

    Parameters
    ----------
    g : the unit groups (`within_contact.unit_groups`).
    Z : rows x k controls, rows aligned with `g`.

    Examples
    --------
    >>> g = UnitGroups(keep=np.arange(4), code=np.array([0, 0, 1, 1]), starts=np.array([0, 2]),
    ...                n_events=np.array([1.0, 1.0]), y=np.array([0, 1, 1, 0.0]))
    >>> fitter = PatternedConditionalPoisson(g, np.array([[0.0], [1.0], [0.0], [1.0]]))
    >>> b, ll, cov = fitter.fit(np.array([0.0, 1.0, 1.0, 0.0]))
    >>> round(ll, 6)  # the control and the dose split the two units' wins exactly: p -> 1
    -0.0
    """

    def __init__(self, g: UnitGroups, Z: np.ndarray):
        Z = np.ascontiguousarray(Z, dtype=float)
        self.g, self.k = g, Z.shape[1]
        rows = Z.view(np.dtype((np.void, Z.dtype.itemsize * max(self.k, 1)))).ravel() if self.k else np.zeros(len(Z))
        _, first, self.pattern = np.unique(rows, return_index=True, return_inverse=True)
        self.pattern = self.pattern.ravel()
        self.z_free = _varies_within(g, Z) if self.k else np.zeros(0, dtype=bool)
        self.patterns = Z[first][:, self.z_free]
        self.zy = self.patterns.T @ np.bincount(self.pattern, g.y, minlength=len(first))
        self.indptr = np.append(g.starts, len(g.y))

    def fit(self, x=None, start=None, tol: float = 1e-10, maxiter: int = 50):
        """Newton-Raphson on [Z, x] (x None: Z alone); returns (coef, loglik, covariance) as `fit_conditional_poisson`."""
        g = self.g
        x_free = x is not None and bool(_varies_within(g, np.asarray(x, dtype=float)[:, None])[0])
        free = np.append(self.z_free, np.array([x_free] if x is not None else [], dtype=bool))
        k = len(free)
        b = np.zeros(k) if start is None else np.where(free, np.asarray(start, dtype=float), 0.0)
        x = np.asarray(x, dtype=float) if x_free else None
        bf = b[free]
        ll = self._loglik(bf, x)
        for _ in range(maxiter):
            score, info = self._score_info(bf, x)
            try:
                step = np.linalg.solve(info, score)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(info, score, rcond=None)[0]
            t = 1.0
            new_ll = self._loglik(bf + step, x)
            while not new_ll >= ll - 1e-12 and t >= 1e-4:
                t /= 2.0
                new_ll = self._loglik(bf + t * step, x)
            if not new_ll >= ll - 1e-12:
                break  # no step improves: at the optimum up to rounding
            bf = bf + t * step
            done = abs(new_ll - ll) < tol * (abs(ll) + 1.0)
            ll = new_ll
            if done:
                break
        b[free] = bf
        cov = np.full((k, k), np.nan)
        if free.any():
            _, info = self._score_info(bf, x)
            cov[np.ix_(free, free)] = np.linalg.pinv(info)
        return b, ll, cov

    def _eta(self, bf: np.ndarray, x) -> np.ndarray:
        kz = self.patterns.shape[1]
        eta = (self.patterns @ bf[:kz])[self.pattern]
        return eta if x is None else eta + bf[kz] * x

    def _loglik(self, bf: np.ndarray, x) -> float:
        """sum_i sum_t y_it log p_it (as `within_contact.conditional_loglik`)."""
        p = within_probabilities(self.g, self._eta(bf, x))
        hit = self.g.y > 0
        return float((self.g.y[hit] * np.log(np.maximum(p[hit], 1e-300))).sum())

    def _score_info(self, bf: np.ndarray, x):
        """Score and information from per-pattern sums and per-unit means (see the module docstring)."""
        g, P = self.g, self.patterns
        p = within_probabilities(g, self._eta(bf, x))
        w = g.n_events[g.code] * p
        # each unit's p-weighted mean of the controls: units x patterns (sparse) times patterns x columns
        means = sparse.csr_matrix((p, self.pattern, self.indptr), shape=(g.n_groups, len(P))) @ P
        w_pat = np.bincount(self.pattern, w, minlength=len(P))
        xwx = (P * w_pat[:, None]).T @ P
        xy = self.zy
        if x is not None:
            wx = w * x
            cross = P.T @ np.bincount(self.pattern, wx, minlength=len(P))
            means = np.column_stack([means, np.add.reduceat(p * x, g.starts)])
            xwx = np.block([[xwx, cross[:, None]], [cross[None, :], np.array([[wx @ x]])]])
            xy = np.append(xy, x @ g.y)
        info = xwx - (means * g.n_events[:, None]).T @ means
        return xy - means.T @ g.n_events, info

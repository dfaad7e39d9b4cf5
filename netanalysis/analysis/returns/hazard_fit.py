"""A lean cloglog fit for the hazard models: few control patterns, a few dose columns.

The hazard models in `carryover` and `lag_shape` are profiled over grids of
kernel and dose parameters, one maximum-likelihood fit per grid point and
hundreds of points in all. Their controls (intercept, tenure bins, calendar
years) take only a few distinct row patterns, so the Fisher information and
the score of the control block are sums over patterns: one `np.bincount` per
term instead of a rows x columns product. Only the dose columns are summed row
by row. The model is

    cloglog P(y_i = 1) = controls_i @ a + x_i @ beta,

the same Bernoulli likelihood as statsmodels' GLM with the Binomial family and
CLogLog link (the tests check both agree), and `covariance` is that GLM's
covariance: the inverse of the Fisher information at the fit.

Rows may carry weights (a count of identical rows): `DoseCellGrid` groups the
rows of a profile into cells of one control pattern, win or not, and a narrow
bin of the stock, so a profile's hundreds of fits run on tens of thousands of
cells instead of millions of rows (see `DoseCellGrid` for the accuracy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

STOCK_BINS = 4096  # bins of log1p(stock / BIN_SCALE_MINUTES) per control pattern in `DoseCellGrid`
BIN_SCALE_MINUTES = 7.5  # the smallest saturation scale: each bin is a near-straight stretch of every dose


class GroupedCloglog:
    """Maximum likelihood of cloglog P(y=1) = controls @ a + x @ beta by Fisher scoring.

    Parameters
    ----------
    y : 0/1 outcomes, one per row.
    controls : rows x k matrix whose rows take few distinct values (indicator columns).
    patterns : `control_patterns(controls)`, when already known.
    weights : how many identical rows each row stands for (None: one each).

    Examples
    --------
    >>> y = np.array([0, 1, 0, 1, 1, 0, 0, 1.0])
    >>> fitter = GroupedCloglog(y, np.ones((8, 1)))
    >>> params, deviance = fitter.fit(np.array([0, 1, 0, 2, 1, 0, 1, 2.0]))
    >>> bool(params[1] > 0)
    True
    """

    def __init__(self, y: np.ndarray, controls: np.ndarray | None, patterns: tuple | None = None,
                 weights: np.ndarray | None = None):
        self.y = np.asarray(y, dtype=float)
        self.patterns, inverse = patterns if patterns is not None else control_patterns(controls)
        self.group = inverse.ravel().astype("int64")
        self.hit = np.flatnonzero(self.y > 0)
        self.k = self.patterns.shape[1]
        self.weights = None if weights is None else np.asarray(weights, dtype=float)
        self._by_pattern = None

    def _sum(self, v: np.ndarray, rows=None) -> float:
        """Sum of per-row terms (over `rows`), each counted `weights` times."""
        if self.weights is None:
            return float(v.sum())
        return float(v @ (self.weights if rows is None else self.weights[rows]))

    def _deviance(self, a: np.ndarray, b: np.ndarray, x):
        """-2 log-likelihood at controls' params `a` and dose slopes `b`, and exp(eta) per row."""
        eta = (self.patterns @ a)[self.group]
        if x is not None:
            eta = eta + x @ b
        ee = np.exp(np.clip(eta, -40.0, 4.0, out=eta), out=eta)
        # -2 log-likelihood: events add log(1 - exp(-e^eta)), non-events add -e^eta
        ee_hit = ee[self.hit]
        loglik = self._sum(np.log(-np.expm1(-ee_hit)), self.hit) - (self._sum(ee) - self._sum(ee_hit, self.hit))
        return -2.0 * loglik, ee

    def _score_info(self, ee: np.ndarray, x):
        """The score and the Fisher information at the fit whose exp(eta) is `ee`."""
        # mu = 1 - exp(-ee); dmu/deta = ee (1 - mu). Score term (y - mu) dmu/deta / (mu (1 - mu)) is -ee
        # for a month without a win and (1 - mu) ee / mu with one; weight (dmu/deta)^2 / (mu (1 - mu)).
        mu = -np.expm1(-ee)  # accurate for tiny ee, never 0 as eta >= -40
        q = ee / mu
        w = ee * q
        w *= 1.0 - mu
        r = -ee
        h = self.hit
        r[h] = (1.0 - mu[h]) * q[h]
        if self.weights is not None:
            w *= self.weights
            r *= self.weights
        P, g, n_pat = self.patterns, self.group, len(self.patterns)
        score_c = P.T @ np.bincount(g, r, minlength=n_pat)
        info_cc = (P * np.bincount(g, w, minlength=n_pat)[:, None]).T @ P
        if x is None:
            return score_c, info_cc
        wx = x * w[:, None]
        if x.shape[1] == 1:
            cross = P.T @ np.bincount(g, wx[:, 0], minlength=n_pat)[:, None]
        else:  # each pattern's rows' sums, every column in one pass (the order `np.bincount` adds them in)
            cross = P.T @ (self._members() @ wx)
        return np.append(score_c, r @ x), np.block([[info_cc, cross], [cross.T, wx.T @ x]])

    def _members(self) -> sparse.csr_matrix:
        """Patterns x rows 0/1 matrix, each pattern's rows in increasing order (made once)."""
        if self._by_pattern is None:
            order = np.argsort(self.group, kind="stable")
            indptr = np.append(0, np.cumsum(np.bincount(self.group, minlength=len(self.patterns))))
            self._by_pattern = sparse.csr_matrix((np.ones(len(order)), order, indptr),
                                                 shape=(len(self.patterns), len(self.group)))
        return self._by_pattern

    def _step(self, ee: np.ndarray, x):
        """The Fisher-scoring step (information^-1 score) at the current fit, and score @ step."""
        score, info = self._score_info(ee, x)
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, score, rcond=None)[0]
        return step, float(score @ step)

    def fit(self, x=None, start=None, tol: float = 1e-9, maxiter: int = 50):
        """Fit with dose column(s) `x` (None: controls only); returns (params, deviance), the slopes last.

        `x` is one column (a 1-d array) or several (rows x m). `start` is a
        previous fit's params (a warm start from a neighbouring grid point
        converges in two or three steps).
        """
        x = _as_columns(x)
        n_par = self.k + (0 if x is None else x.shape[1])
        if start is None:
            beta = np.zeros(n_par)
            # intercept-only start; the patterns' first column is the intercept
            rate = self._sum(self.y) / (self._sum(np.ones_like(self.y)) or 1.0)
            beta[0] = np.log(-np.log1p(-min(max(rate, 1e-6), 1 - 1e-6)))
        else:
            beta = np.array(start, dtype=float)[:n_par]
        split = lambda p: (p[:self.k], p[self.k:])  # noqa: E731
        dev, ee = self._deviance(*split(beta), x)
        for _ in range(maxiter):
            step, decrement = self._step(ee, x)
            # score @ step approximates the drop in deviance a full step brings (/2): stop when negligible
            if 0.0 <= decrement < 0.1 * tol * (abs(dev) + 1.0):
                break
            beta, new_dev, new_ee = halving_step(lambda b: self._deviance(*split(b), x), beta, step, dev)
            if new_ee is None:
                break  # no step lowers the deviance: at the optimum up to rounding
            done = abs(dev - new_dev) < tol * (abs(dev) + 1.0)
            dev, ee = new_dev, new_ee
            if done:
                break
        return beta, dev

    def covariance(self, params: np.ndarray, x=None) -> np.ndarray:
        """The inverse Fisher information at `params`: the GLM's covariance of the estimates."""
        x = _as_columns(x)
        _, ee = self._deviance(params[:self.k], params[self.k:], x)
        return np.linalg.pinv(self._score_info(ee, x)[1])


def _as_columns(x):
    """None, or `x` as a rows x m float matrix (a 1-d array is one column)."""
    if x is None:
        return None
    x = np.asarray(x, dtype=float)
    return x[:, None] if x.ndim == 1 else x


@dataclass
class CloglogFit:
    """A finished fit: the parameters (controls first), their covariance and the deviance."""

    params: np.ndarray
    cov: np.ndarray
    deviance: float

    def bse(self) -> np.ndarray:
        """Standard errors of the parameters."""
        return np.sqrt(np.diag(self.cov))


def fit_cloglog(fitter: GroupedCloglog, x=None, start=None, tol: float = 1e-10) -> CloglogFit:
    """Fit to convergence and return the parameters with their covariance (the final model of a profile)."""
    params, deviance = fitter.fit(x, start, tol=tol, maxiter=100)
    return CloglogFit(params, fitter.covariance(params, x), float(deviance))


@dataclass
class DoseCells:
    """Rows grouped by control pattern, win or not, and a narrow bin of a stock.

    `pattern`, `hit`, `count` and `stock` have one entry per occupied cell: the
    control pattern's index, 1.0 for the rows with a win, how many rows, and
    their mean stock.
    """

    pattern: np.ndarray
    hit: np.ndarray
    count: np.ndarray
    stock: np.ndarray

    def fitter(self, patterns: np.ndarray) -> GroupedCloglog:
        """A fitter over the cells (each weighted by its rows), for any dose of this stock."""
        return GroupedCloglog(self.hit, None, (patterns, self.pattern), weights=self.count)


class DoseCellGrid:
    """Groups rows into `DoseCells`: by (control pattern, win or not, bin of log1p(stock / 7.5 minutes)).

    Made once per set of rows (the pattern and win part of each row's cell is
    fixed); calling it with a stock gives that stock's cells.

    A cell stands for its rows at their mean stock. Every dose of the profile
    (log1p(stock / s) for s from 7.5 minutes up, or stock itself) is nearly
    straight across one of `bins` bins, so the mean stock's dose is the rows'
    mean dose to second order, and the score terms that vary linearly within a
    bin cancel: on a 40,000-contact world the deviance moves by about 0.001
    (a difference of 3.84 is what matters) and the slopes by under 1e-5. The
    profiles then refit the few grid points their estimates are read from on the
    rows themselves.
    """

    def __init__(self, group: np.ndarray, hit: np.ndarray, n_patterns: int, bins: int = STOCK_BINS):
        self.bins = int(bins)
        self.n_keys = int(n_patterns) * 2 * self.bins
        self.base = (np.asarray(group, dtype="int64") * 2 + (np.asarray(hit) > 0)) * self.bins

    def __call__(self, stock: np.ndarray) -> DoseCells:
        stock = np.asarray(stock, dtype=float)
        coord = np.log1p(stock / BIN_SCALE_MINUTES)
        top = float(coord.max()) if len(coord) else 0.0
        if top > 0:
            coord *= (self.bins - 1) / top
            key = coord.astype("int64")
            key += self.base
        else:
            key = self.base
        count = np.bincount(key, minlength=self.n_keys)
        keep = np.flatnonzero(count)
        count = count[keep].astype(float)
        return DoseCells(pattern=keep // (2 * self.bins), hit=((keep // self.bins) % 2).astype(float), count=count,
                         stock=np.bincount(key, stock, minlength=self.n_keys)[keep] / count)


def control_patterns(controls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `controls` (sorted) and each row's position among them.

    >>> patterns, inverse = control_patterns(np.array([[1, 1, 0], [1, 0, 1], [1, 1, 0.0]]))
    >>> patterns.tolist(), inverse.tolist()
    ([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]], [1, 0, 1])
    """
    controls = np.asarray(controls, dtype=float)
    k = controls.shape[1]
    if 0 < k <= 62 and np.isin(controls, (0.0, 1.0)).all():
        # 0/1 columns: each row read as a binary number, first column the highest bit, sorts as the rows do,
        # and one integer per row is far quicker to sort than rows of floats
        code = controls.astype("int64") @ (np.int64(1) << np.arange(k - 1, -1, -1, dtype="int64"))
        _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
        return controls[first], inverse.ravel()
    patterns, inverse = np.unique(controls, axis=0, return_inverse=True)
    return patterns, inverse.ravel()


def halving_step(deviance_at, beta: np.ndarray, step: np.ndarray, deviance: float):
    """A Newton step, halved until the deviance does not rise.

    `deviance_at(b)` returns ``(deviance, linear_predictor_exp)``; the result is
    ``(new_beta, new_deviance, new_linear_predictor_exp)``, or ``(beta, deviance,
    None)`` when even a step of 1/2**14 raises the deviance: the fit stays where it
    is (a step that raises the deviance is never taken).
    """
    t = 1.0
    while True:
        new_dev, new_ee = deviance_at(beta + t * step)
        if new_dev <= deviance + 1e-12:
            return beta + t * step, new_dev, new_ee
        if t < 1e-4:
            return beta, deviance, None
        t /= 2.0

"""A lean cloglog fit for profile loops: few control patterns, one dose column.

The hazard models in `carryover` and `lagshape` are profiled over grids of
kernel and dose parameters, one maximum-likelihood fit per grid point and
hundreds of points in all. Their controls (intercept, tenure bins, calendar
years) take only a few distinct row patterns, so the Fisher information and
the score of the control block are sums over patterns: one `np.bincount` per
term instead of a rows x columns product. Only the dose column is summed row
by row. The model is

    cloglog P(y_i = 1) = controls_i @ a + beta * x_i,

the same Bernoulli likelihood as `carryover._newton_cloglog` (and the tests
check both agree with statsmodels).
"""

from __future__ import annotations

import numpy as np


class GroupedCloglog:
    """Maximum likelihood of cloglog P(y=1) = controls @ a + beta * x by Fisher scoring.

    Parameters
    ----------
    y : 0/1 outcomes, one per row.
    controls : rows x k matrix whose rows take few distinct values (indicator columns).
    patterns : `control_patterns(controls)`, when already known.

    Examples
    --------
    >>> y = np.array([0, 1, 0, 1, 1, 0, 0, 1.0])
    >>> fitter = GroupedCloglog(y, np.ones((8, 1)))
    >>> params, deviance = fitter.fit(np.array([0, 1, 0, 2, 1, 0, 1, 2.0]))
    >>> bool(params[1] > 0)
    True
    """

    def __init__(self, y: np.ndarray, controls: np.ndarray, patterns: tuple | None = None):
        self.y = np.asarray(y, dtype=float)
        self.patterns, inverse = patterns if patterns is not None else control_patterns(controls)
        self.group = inverse.ravel().astype("int64")
        self.hit = np.flatnonzero(self.y > 0)
        self.k = self.patterns.shape[1]

    def _deviance(self, a: np.ndarray, b: float, x):
        eta = (self.patterns @ a)[self.group]
        if x is not None:
            eta = eta + b * x
        ee = np.exp(np.clip(eta, -40.0, 4.0, out=eta), out=eta)
        # -2 log-likelihood: events add log(1 - exp(-e^eta)), non-events add -e^eta
        ee_hit = ee[self.hit]
        return -2.0 * (float(np.log(-np.expm1(-ee_hit)).sum()) - float(ee.sum() - ee_hit.sum())), ee

    def _step(self, ee: np.ndarray, x):
        """The Fisher-scoring step (information^-1 score) at the current fit, and score @ step."""
        # mu = 1 - exp(-ee); dmu/deta = ee (1 - mu). Score term (y - mu) dmu/deta / (mu (1 - mu)) is -ee
        # for a month without a win and (1 - mu) ee / mu with one; weight (dmu/deta)^2 / (mu (1 - mu)).
        mu = -np.expm1(-ee)  # accurate for tiny ee, never 0 as eta >= -40
        q = ee / mu
        w = ee * q
        w *= 1.0 - mu
        r = -ee
        h = self.hit
        r[h] = (1.0 - mu[h]) * q[h]
        P, g, n_pat = self.patterns, self.group, len(self.patterns)
        wg = np.bincount(g, w, minlength=n_pat)
        score_c = P.T @ np.bincount(g, r, minlength=n_pat)
        info_cc = (P * wg[:, None]).T @ P
        if x is None:
            score, info = score_c, info_cc
        else:
            wx = w * x
            cross = P.T @ np.bincount(g, wx, minlength=n_pat)
            score = np.append(score_c, r @ x)
            info = np.empty((self.k + 1, self.k + 1))
            info[:-1, :-1], info[:-1, -1], info[-1, :-1], info[-1, -1] = info_cc, cross, cross, wx @ x
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, score, rcond=None)[0]
        return step, float(score @ step)

    def fit(self, x=None, start=None, tol: float = 1e-9, maxiter: int = 50):
        """Fit with dose column `x` (None: controls only); returns (params, deviance), the slope last.

        `start` is a previous fit's params (a warm start from a neighbouring
        grid point converges in two or three steps).
        """
        x = None if x is None else np.asarray(x, dtype=float)
        n_par = self.k + (x is not None)
        if start is None:
            beta = np.zeros(n_par)
            # intercept-only start; the patterns' first column is the intercept
            beta[0] = np.log(-np.log1p(-min(max(self.y.mean(), 1e-6), 1 - 1e-6)))
        else:
            beta = np.array(start, dtype=float)[:n_par]
        split = lambda p: (p[:self.k], (p[self.k] if x is not None else 0.0))  # noqa: E731
        dev, ee = self._deviance(*split(beta), x)
        for _ in range(maxiter):
            step, decrement = self._step(ee, x)
            # score @ step approximates the drop in deviance a full step brings (/2): stop when negligible
            if 0.0 <= decrement < 0.1 * tol * (abs(dev) + 1.0):
                break
            beta, new_dev, new_ee = halving_step(lambda b: self._deviance(*split(b), x), beta, step, dev)
            done = abs(dev - new_dev) < tol * (abs(dev) + 1.0)
            dev, ee = new_dev, new_ee
            if done:
                break
        return beta, dev


def control_patterns(controls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `controls` (sorted) and each row's position among them."""
    patterns, inverse = np.unique(np.asarray(controls, dtype=float), axis=0, return_inverse=True)
    return patterns, inverse.ravel()


def halving_step(deviance_at, beta: np.ndarray, step: np.ndarray, deviance: float):
    """A Newton step, halved until the deviance does not rise (or the step is tiny).

    `deviance_at(b)` returns ``(deviance, linear_predictor_exp)``; the result is
    ``(new_beta, new_deviance, new_linear_predictor_exp)``. Shared by the lean
    cloglog fitters so both take exactly the same steps.
    """
    t = 1.0
    while True:
        new_dev, new_ee = deviance_at(beta + t * step)
        if new_dev <= deviance + 1e-12 or t < 1e-4:
            return beta + t * step, new_dev, new_ee
        t /= 2.0

"""When returns arrive: the shape of the lag between invested time and a win.

The carryover model (`carryover`) assumes a geometric lag: an hour counts most
in the very next month and less every month after. Returns can instead come
late, an hour's link with a win peaking months later and near zero at first.
This module fits both shapes in the same discrete-time cloglog hazard model as
`carryover` and lets the likelihood choose:

    cloglog P(won in month t) = a_tenure(t) + c_year(t) + beta * log1p(x_t / s),
    x_t = sum_{l=1..L} w_l(theta) * minutes_{t-l},   sum_l w_l = 1,

where w is a lag kernel over the months 1..L before month t (L = 18 by
default), theta its parameters and s the dose's saturation scale (s = inf is
the linear limit x_t / 60). The kernels (`KERNELS`):

- ``geometric``: w_l ∝ 0.5 ** ((l - 1) / half_life), the geometric adstock
  (Jin et al. 2017; pymc-marketing `geometric_adstock`); it peaks at lag 1.
- ``gamma``: w_l ∝ (l / peak) ** k * exp(-k * (l / peak - 1)), a gamma-shaped
  (discretised gamma density) lag peaking at ``peak`` months with sharpness k,
  the shape of negative-binomial / Pascal distributed lags (Solow 1960) and of
  Weibull-type adstock (pymc-marketing `weibull_adstock`).
- ``delayed_adstock``: w_l ∝ retention ** ((l - peak) ** 2), the delayed
  adstock of Jin et al. (2017) ("Bayesian methods for media mix modeling with
  carryover and shape effects"), as in Robyn and pymc-marketing `delayed_adstock`.

Each kernel's parameters are profiled over grids, the dose scale s being
profiled at each family's best kernel and the grid then fitted again at that
scale. The shapes are compared by AIC (deviance + 2 x parameters); the free
distributed-lag model (one coefficient per lag, as in `carryover.lag_profile`)
is the check that neither kernel misses the shape. The month of the peak has a
likelihood-ratio interval from the profile of the deviance over the peak (the
other kernel parameters at their best for each peak).

A delayed shape is declared only when there is a link at all (likelihood ratio
against the model without invested time above `LINK_THRESHOLD`) and the delayed
kernel beats the geometric one by more than `AIC_MARGIN`: a world with no link
must not be called delayed on noise.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
import pandas as pd
from scipy import sparse, stats
from threadpoolctl import threadpool_limits

from netanalysis.analysis.returns.carryover import (
    CELL_TOL,
    CHI2_95,
    MIN_EVENTS,
    SATURATION_GRID_MINUTES,
    STOCK_SCALE_MINUTES,
    HazardRows,
    _fit,
    _shift_within,
    dose_covariate,
    read_points,
    stock_transform,
)
from netanalysis.analysis.words import months as months_words

DEFAULT_MAX_LAG = 18
AIC_MARGIN = 4.0
# The link test searches over kernels, peaks and dose scales, so it asks for more than chi2(1):
# the 99% point of chi2 with 3 degrees of freedom (slope, two kernel parameters).
LINK_THRESHOLD = float(stats.chi2.ppf(0.99, 3))  # 11.34
HALF_LIFE_GRID = np.geomspace(0.25, 36.0, 32)
SHARPNESS_GRID = np.geomspace(0.5, 32.0, 7)
RETENTION_GRID = np.array([0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98])
REFIT_WITHIN = 20.0  # deviance points from the best: the kernels fitted again at the chosen dose scale


class LagKernel(str, Enum):
    """The lag shapes that can be fitted (see the module docstring for their formulas)."""

    GEOMETRIC = "geometric"
    GAMMA = "gamma"
    DELAYED_ADSTOCK = "delayed_adstock"


def _normalised(w: np.ndarray) -> np.ndarray:
    total = w.sum()
    return w / total if total > 0 else w


def geometric_weights(lags: np.ndarray, half_life_months: float) -> np.ndarray:
    """w_l ∝ 0.5 ** ((l - 1) / half_life), normalised to sum to 1 over `lags` (months 1..L).

    Examples
    --------
    >>> geometric_weights(np.arange(1, 4), 1.0).round(4).tolist()  # 1, 1/2, 1/4 over 1.75
    [0.5714, 0.2857, 0.1429]
    """
    lags = np.asarray(lags, dtype=float)
    return _normalised(0.5 ** ((lags - 1.0) / float(half_life_months)))


def gamma_weights(lags: np.ndarray, peak_months: float, sharpness: float) -> np.ndarray:
    """w_l ∝ (l / peak) ** k * exp(-k * (l / peak - 1)), normalised; largest at l = peak.

    Examples
    --------
    >>> w = gamma_weights(np.arange(1, 4), 2.0, 1.0)  # ∝ l * exp(-l / 2): 0.6065, 0.7358, 0.6694 over 2.0117
    >>> w.round(4).tolist()
    [0.3015, 0.3657, 0.3328]
    """
    r = np.asarray(lags, dtype=float) / float(peak_months)
    k = float(sharpness)
    return _normalised(np.exp(k * (np.log(r) - r + 1.0)))


def delayed_adstock_weights(lags: np.ndarray, peak_months: float, retention: float) -> np.ndarray:
    """w_l ∝ retention ** ((l - peak) ** 2), normalised (Jin et al. 2017 delayed adstock).

    Examples
    --------
    >>> delayed_adstock_weights(np.arange(1, 4), 2.0, 0.5).tolist()  # 0.5, 1, 0.5 over 2
    [0.25, 0.5, 0.25]
    """
    lags = np.asarray(lags, dtype=float)
    return _normalised(float(retention) ** ((lags - float(peak_months)) ** 2))


KERNELS = {LagKernel.GEOMETRIC: geometric_weights, LagKernel.GAMMA: gamma_weights,
           LagKernel.DELAYED_ADSTOCK: delayed_adstock_weights}


def kernel_weights(kernel, lags: np.ndarray, *params: float) -> np.ndarray:
    """The weights of a kernel (a `LagKernel` or its name) at `lags` for its parameters."""
    return KERNELS[LagKernel(kernel)](lags, *params)


def kernel_grid(kernel, max_lag: int = DEFAULT_MAX_LAG) -> list[tuple]:
    """The parameter tuples tried for a kernel: half-lives, or peak x sharpness (retention)."""
    kernel = LagKernel(kernel)
    if kernel is LagKernel.GEOMETRIC:
        return [(h,) for h in HALF_LIFE_GRID]
    peaks = peak_grid(max_lag)
    second = SHARPNESS_GRID if kernel is LagKernel.GAMMA else RETENTION_GRID
    return [(p, k) for k in second for p in peaks]


def peak_grid(max_lag: int = DEFAULT_MAX_LAG, step: float = 1.0) -> np.ndarray:
    """Peaks tried, in months: 1 to max_lag - 3 by `step` (a peak needs a few lags after it).

    The fit then adds half-month peaks around the best one (`LagShapeFit`).
    """
    return np.arange(1.0, max(max_lag - 3, 2) + step / 2, step)


def lagged_minutes(rows: HazardRows, max_lag: int = DEFAULT_MAX_LAG) -> sparse.csr_matrix:
    """Rows x max_lag sparse matrix: column l-1 holds the minutes invested l months before (0 before a unit began).

    The kernel's covariate is this matrix times the weights: x = lagged_minutes(rows) @ w. Sparse, as most
    months have no minutes: the product then reads only the months that have some. It is built from the
    months with minutes alone (a dense rows x max_lag array first would not fit in memory at scale).
    """
    lengths = np.diff(np.append(rows.starts, rows.n_rows))
    unit_end = np.repeat(np.append(rows.starts[1:], rows.n_rows), lengths)
    has = np.flatnonzero(rows.minutes != 0)
    lags = np.arange(1, int(max_lag) + 1)
    target = has[:, None] + lags[None, :]  # the month each minute reaches at each lag, if still within its unit
    inside = target < unit_end[has][:, None]
    out = sparse.csr_matrix((np.broadcast_to(rows.minutes[has][:, None], target.shape)[inside],
                             (target[inside], np.broadcast_to(lags - 1, target.shape)[inside])),
                            shape=(rows.n_rows, len(lags)))
    out.sort_indices()  # columns in order within each row, as from the dense matrix: the same sums in `@`
    return out


def kernel_peak(kernel, params: tuple, max_lag: int = DEFAULT_MAX_LAG) -> float:
    """The month (lag) with the largest weight: 1 for a geometric kernel, the peak parameter otherwise (at least 1)."""
    if LagKernel(kernel) is LagKernel.GEOMETRIC:
        return 1.0
    return float(min(max(params[0], 1.0), max_lag))


class _Profiler:
    """Deviances of one hazard model over kernels and dose scales, on rows built once.

    The grid fits run on `hazard_fit.DoseCellGrid` cells of each kernel's covariate;
    `refit` fits one grid point again on the rows, started from its cell fit.
    """

    def __init__(self, rows: HazardRows, max_lag: int):
        self.rows = rows
        self.lags = np.arange(1, int(max_lag) + 1, dtype=float)
        self.minutes = lagged_minutes(rows, max_lag)
        self.fitter = rows.fitter()
        self.n_controls = self.fitter.k
        self.patterns = rows.control_patterns()[0]

    def stock(self, kernel, params) -> np.ndarray:
        return self.minutes @ kernel_weights(kernel, self.lags, *params)

    def covariate(self, kernel, params, saturation) -> np.ndarray:
        return dose_covariate(self.stock(kernel, params), saturation)

    def cells(self, kernel, params):
        return self.rows.cell_grid()(self.stock(kernel, params))

    def over_kernels(self, kernel, grid: list[tuple], saturation: float, only=None) -> tuple[np.ndarray, list]:
        """Deviance at each parameter tuple of `grid` (NaN where the fit fails or `only` is False), warm-started,
        and each fit's params (None where not fitted)."""
        out, fits = np.full(len(grid), np.nan), [None] * len(grid)
        start = None
        for i, params in enumerate(grid):
            if only is not None and not only[i]:
                continue
            cells = self.cells(kernel, params)
            beta, dev = cells.fitter(self.patterns).fit(dose_covariate(cells.stock, saturation), start, tol=CELL_TOL)
            if np.all(np.isfinite(beta)) and np.isfinite(dev):
                out[i], start, fits[i] = dev, beta, beta
        return out, fits

    def over_saturation(self, kernel, params) -> tuple[float, float]:
        """The dose scale with the smallest deviance for one kernel, and that deviance."""
        devs, start = np.full(len(SATURATION_GRID_MINUTES), np.nan), None
        cells = self.cells(kernel, params)
        fitter = cells.fitter(self.patterns)
        for j, s in enumerate(SATURATION_GRID_MINUTES):  # neighbouring scales warm-start each other
            beta, dev = fitter.fit(dose_covariate(cells.stock, s), start, tol=CELL_TOL)
            if np.all(np.isfinite(beta)) and np.isfinite(dev):
                devs[j], start = dev, beta
        j = int(np.nanargmin(devs))
        return float(SATURATION_GRID_MINUTES[j]), float(devs[j])

    def refit(self, kernel, params, saturation, start) -> tuple[np.ndarray, float]:
        """The fit at one grid point on the rows themselves: (params, deviance)."""
        return self.fitter.fit(self.covariate(kernel, params, saturation), start, tol=CELL_TOL)


class LagShapeFit:
    """Which lag shape (geometric or delayed) explains when wins happen, and the month of the peak.

    Parameters
    ----------
    max_lag : the longest lag, in months, that invested minutes can act at (L).
    delayed_kernel : the delayed family fitted against the geometric one: "gamma" or "delayed_adstock".
    aic_margin : the delayed kernel must beat the geometric one by more than this many AIC points.
    min_events : fewer months with a win than this and nothing is estimated.

    Attributes (after `fit`)
    ------------------------
    shape_ : "geometric", "delayed", or None when there is no link to give a shape to.
    peak_months_, peak_ci_ : the lag (months) of the largest weight and its 95% likelihood-ratio
        interval (an open end is None).
    aic_ : AIC of each kernel at its best and of the free distributed-lag model ("free").
    kernel_params_, saturation_ : the best parameters and dose scale of each kernel.
    peak_profile_ : DataFrame of the deviance against the peak month.
    free_ : DataFrame of the free model's per-lag hazard ratios of one hour (with 95% intervals).
    link_lr_ : likelihood ratio of the best kernel against the model without invested time.
    n_units_, n_events_, reason_ : what the fit rests on; why no shape was given (None if one was).
    """

    def __init__(self, max_lag: int = DEFAULT_MAX_LAG, delayed_kernel: str = "gamma", aic_margin: float = AIC_MARGIN,
                 min_events: int = MIN_EVENTS):
        self.max_lag = max_lag
        self.delayed_kernel = delayed_kernel
        self.aic_margin = aic_margin
        self.min_events = min_events

    def fit(self, rows: HazardRows) -> LagShapeFit:
        """Profile both kernels on `rows` and choose the shape; returns self."""
        delayed = LagKernel(self.delayed_kernel)
        if delayed is LagKernel.GEOMETRIC or int(self.max_lag) < 4:
            raise ValueError("delayed_kernel must be gamma or delayed_adstock, and max_lag at least 4")
        self.n_units_, self.n_events_ = rows.n_units, rows.n_events
        self.shape_, self.peak_months_, self.peak_ci_, self.reason_ = None, None, (None, None), None
        self.aic_, self.kernel_params_, self.saturation_, self.link_lr_ = {}, {}, {}, None
        self.peak_profile_ = pd.DataFrame(columns=["peak_months", "deviance"], dtype=float)
        self.free_ = pd.DataFrame(columns=["months_earlier", "coef", "hazard_ratio_1h", "low", "high"], dtype=float)
        if rows.n_events < self.min_events or rows.n_events == rows.n_rows:
            self.reason_ = (f"only {rows.n_events} months with a won outcome (at least {self.min_events} are needed)"
                            if rows.n_events < self.min_events else "every month has a won outcome, so nothing varies")
            return self
        with threadpool_limits(1):
            self._fit_kernels(rows, delayed)
            self._fit_free(rows)
        self._choose(delayed)
        return self

    def _fit_kernels(self, rows: HazardRows, delayed: LagKernel) -> None:
        """Profile each kernel at log1p(x/60), profile the dose scale at its best, and again at that scale."""
        prof = _Profiler(rows, self.max_lag)
        self.deviance_no_stock_ = rows.null_fit()[1]
        self.deviance_, self.slope_, self.tables_ = {}, {}, {}
        for kernel in (LagKernel.GEOMETRIC, delayed):
            table = _kernel_table(prof, kernel, self.max_lag)
            if table is None:
                continue
            i = _settle_best(table, prof, kernel)
            beta = table.at[i, "fit"]
            n_params = prof.n_controls + 2 + len(table.at[i, "params"])  # controls, slope, dose scale, kernel params
            self.tables_[kernel.value] = table
            self.kernel_params_[kernel.value] = tuple(float(v) for v in table.at[i, "params"])
            self.saturation_[kernel.value] = float(table.at[i, "saturation"])
            self.deviance_[kernel.value], self.slope_[kernel.value] = float(table.at[i, "deviance"]), float(beta[-1])
            self.aic_[kernel.value] = float(table.at[i, "deviance"] + 2 * n_params)
        if delayed.value in self.tables_:
            _settle_peaks(self.tables_[delayed.value], prof, delayed, self.deviance_.get(LagKernel.GEOMETRIC.value))
        self.peak_profile_ = self._peak_profile(delayed)

    def _peak_profile(self, delayed: LagKernel) -> pd.DataFrame:
        """Smallest deviance for each peak month: the delayed kernel's best at that peak; at 1, the geometric too."""
        peaks = peak_grid(self.max_lag)
        dev = np.full(len(peaks), np.nan)
        table = self.tables_.get(delayed.value)
        if table is not None:
            by_peak = pd.Series(table["deviance"].to_numpy(), index=[p[0] for p in table["params"]]).groupby(level=0).min()
            peaks = by_peak.index.to_numpy(dtype=float)
            dev = by_peak.to_numpy(dtype=float, copy=True)
        if LagKernel.GEOMETRIC.value in self.deviance_:
            dev[0] = np.fmin(dev[0], self.deviance_[LagKernel.GEOMETRIC.value])
        return pd.DataFrame({"peak_months": peaks, "deviance": dev})

    def _fit_free(self, rows: HazardRows) -> None:
        """The free distributed-lag model: one log1p(minutes / 60) column per lag 1..L."""
        cols = [stock_transform(_shift_within(rows.minutes, rows.starts, k)) for k in range(1, int(self.max_lag) + 1)]
        controls = rows.controls()
        res = _fit(rows, np.column_stack(cols))
        nc = controls.shape[1]
        coef = np.asarray(res.params[nc:])
        se = res.bse()[nc:]
        per_hour = np.log(2.0)  # log1p(60 / 60): one hour against none
        self.free_ = pd.DataFrame({"months_earlier": np.arange(1, int(self.max_lag) + 1), "coef": coef,
                                   "hazard_ratio_1h": np.exp(coef * per_hour),
                                   "low": np.exp((coef - 1.96 * se) * per_hour),
                                   "high": np.exp((coef + 1.96 * se) * per_hour)})
        self.aic_["free"] = float(res.deviance + 2 * (nc + int(self.max_lag)))

    def _choose(self, delayed: LagKernel) -> None:
        """Geometric, delayed, or no shape (no link); the peak month and its interval."""
        geo, dly = LagKernel.GEOMETRIC.value, delayed.value
        if not self.deviance_:
            self.reason_ = "the hazard model did not converge"
            return
        self.link_lr_ = float(self.deviance_no_stock_ - min(self.deviance_.values()))
        if self.link_lr_ < LINK_THRESHOLD:
            self.reason_ = ("invested time shows no detectable link with when wins happen (likelihood ratio "
                            f"{self.link_lr_:.1f} < {LINK_THRESHOLD:.1f}), so there is no lag to give a shape to")
            return
        gain = self.aic_.get(geo, np.inf) - self.aic_.get(dly, np.inf)
        late = dly in self.kernel_params_ and kernel_peak(delayed, self.kernel_params_[dly], self.max_lag) >= 2.0
        self.shape_ = "delayed" if (gain > self.aic_margin and late) else "geometric"
        table = self.peak_profile_.dropna()
        peaks, dev = table["peak_months"].to_numpy(), table["deviance"].to_numpy()
        if self.shape_ == "delayed":
            self.peak_months_ = _refined_min(peaks, dev)
            self.peak_ci_ = (_crossing(peaks, dev, "low"), _crossing(peaks, dev, "high"))
        else:
            self.peak_months_ = 1.0
            self.peak_ci_ = (1.0, _crossing(peaks, dev, "high"))

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_units_"):
            raise RuntimeError("call fit(rows) first")

    def metrics(self) -> dict:
        """The summary.json entries: `lag_shape`, `lag_peak_months` with `_ci` and `_n` (None when no shape)."""
        self._check_fitted()
        if self.shape_ is None:
            return {"lag_shape": None, "lag_peak_months": None, "lag_peak_months_n": self.n_units_}
        return {"lag_shape": self.shape_, "lag_peak_months": self.peak_months_,
                "lag_peak_months_ci": [self.peak_ci_[0], self.peak_ci_[1]], "lag_peak_months_n": self.n_units_,
                "lag_shape_aic": dict(self.aic_)}

    def notes(self) -> list[str]:
        """Plain notes for summary.json: why no shape, why geometric, open interval ends, the free-lag check."""
        self._check_fitted()
        if self.shape_ is None:
            return [f"lag_shape: {self.reason_}"]
        out = []
        geo, dly = LagKernel.GEOMETRIC.value, LagKernel(self.delayed_kernel).value
        gain = self.aic_.get(geo, np.inf) - self.aic_.get(dly, np.inf)
        if self.shape_ == "geometric" and gain > self.aic_margin and dly in self.kernel_params_:
            peak = kernel_peak(LagKernel(self.delayed_kernel), self.kernel_params_[dly], self.max_lag)
            out.append(f"lag_shape: the delayed ({dly}) kernel fits better by {gain:.1f} AIC points, but its peak is "
                       f"at {months_words(peak, '.1f')}, before month 2, so the shape is geometric")
        elif self.shape_ == "geometric":
            out.append(f"lag_shape: the delayed ({dly}) kernel does not beat the geometric one by more than "
                       f"{self.aic_margin:g} AIC points (it gains {gain:.1f}), so the shape is geometric")
        if self.peak_ci_[1] is None:
            out.append(f"lag_peak_months_ci: the data set no upper limit within {peak_grid(self.max_lag)[-1]:g} months")
        if self.shape_ == "delayed" and self.peak_ci_[0] is None:
            out.append("lag_peak_months_ci: the data set no lower limit: the peak may be in the first month")
        out.append(self._free_check())
        return out

    def _free_check(self) -> str:
        """Does the free distributed-lag model agree: where its largest hazard ratio is, and its AIC."""
        best_kernel = min((k for k in self.aic_ if k != "free"), key=self.aic_.get)
        free = self.free_.dropna(subset=["coef"])
        if free.empty or "free" not in self.aic_:
            return "lag_shape: the free distributed-lag model could not be fitted to check the shape"
        top = int(free.loc[free["coef"].idxmax(), "months_earlier"])
        lo = self.peak_ci_[0] if self.peak_ci_[0] is not None else 1.0
        hi = self.peak_ci_[1] if self.peak_ci_[1] is not None else float(self.max_lag)
        where = "inside" if lo - 1 <= top <= hi + 1 else "outside"
        diff = self.aic_["free"] - self.aic_[best_kernel]
        fit = (f"fits better than the {best_kernel} kernel by {-diff:.1f} AIC points, so the kernel misses part of the shape"
               if diff < -self.aic_margin else f"does not fit better than the {best_kernel} kernel (AIC {diff:+.1f})")
        return (f"lag_shape check: the free distributed-lag model (one coefficient per month) has its largest "
                f"hazard ratio at {months_words(top)}, {where} the peak's interval, and {fit}")

    def summary(self) -> pd.DataFrame:
        """One row per model: parameters, deviance, AIC and AIC above the best."""
        self._check_fitted()
        rows = []
        for name, aic in self.aic_.items():
            params = self.kernel_params_.get(name)
            rows.append({"model": name, "parameters": _describe_params(name, params, self.saturation_.get(name)),
                         "AIC": aic})
        out = pd.DataFrame(rows, columns=["model", "parameters", "AIC"])
        out["AIC above the best"] = out["AIC"] - out["AIC"].min() if len(out) else []
        return out

    def sentence(self, who: str = "relationships") -> str:
        """One plain sentence: how many months before a win the time invested lines up with it most (and the interval).

        It describes when the link peaks, in association words; whether time
        invested pays at all is the verdict's to say.
        """
        self._check_fitted()
        if self.shape_ is None:
            return f"The data cannot say when returns arrive: {self.reason_}."
        lo, hi = self.peak_ci_
        span = ("" if lo is None and hi is None else
                f" (95% interval {lo:.1f} to {hi:.1f} months)" if lo is not None and hi is not None else
                f" (95% interval: at least {lo:.1f} months)" if lo is not None else f" (95% interval: at most {hi:.1f} months)")
        base = f", based on {self.n_units_} {who} and {self.n_events_} months with a win."
        if self.shape_ == "delayed":
            return (f"Wins line up most with time invested about **{self.peak_months_:.0f} months** earlier{span}, "
                    "and little with the months just before them: a delayed lag, so no half-life is given" + base)
        tail = f"; the peak is no later than {hi:.1f} months before (95%)" if hi is not None else ""
        return ("Wins line up most with time invested in the **month just before**, and less with each earlier month "
                "(a delayed peak does not fit better)" + tail + base)

    def kernel_curve(self, kernel: str | None = None) -> pd.DataFrame:
        """The fitted kernel as the hazard ratio of one hour invested l months earlier alone (against none)."""
        self._check_fitted()
        kernel = kernel or (LagKernel(self.delayed_kernel).value if self.shape_ == "delayed" else LagKernel.GEOMETRIC.value)
        if kernel not in self.kernel_params_:
            return pd.DataFrame(columns=["months_earlier", "hazard_ratio_1h"], dtype=float)
        lags = np.arange(1, int(self.max_lag) + 1, dtype=float)
        w = kernel_weights(kernel, lags, *self.kernel_params_[kernel])
        hr = np.exp(self.slope_[kernel] * dose_covariate(STOCK_SCALE_MINUTES * w, self.saturation_[kernel]))
        out = pd.DataFrame({"months_earlier": lags.astype(int), "hazard_ratio_1h": hr})
        out.attrs["kernel"] = kernel
        return out

    def plot(self, ax=None):
        """The fitted kernel over the free per-lag estimates with their 95% intervals; returns the Figure."""
        from netanalysis.plots.returns import lag_shape

        self._check_fitted()
        return lag_shape(self.free_, self.kernel_curve(), self.peak_months_ if self.shape_ else None,
                         self.peak_ci_ if self.shape_ else None, ax=ax)


def _kernel_table(prof: _Profiler, kernel: LagKernel, max_lag: int) -> pd.DataFrame | None:
    """One row per kernel parameter tuple tried: its params, dose scale, deviance and fit (None if none fit).

    The grid is fitted at log1p(x/60); the dose scale is profiled at its best,
    and the kernels near the best fitted again at that scale (the smaller
    deviance of the two is kept). A delayed kernel gains half-month peaks next
    to its best.
    """
    grid = kernel_grid(kernel, max_lag)
    dev, fits = prof.over_kernels(kernel, grid, STOCK_SCALE_MINUTES)
    if not np.isfinite(dev).any():
        return None
    sat, _ = prof.over_saturation(kernel, grid[int(np.nanargmin(dev))])
    scale = np.full(len(grid), STOCK_SCALE_MINUTES)
    if sat != STOCK_SCALE_MINUTES:
        # kernels far from the best at log1p(x/60) keep that fit: the profile is over the two scales tried
        near = dev - np.nanmin(dev) < REFIT_WITHIN
        dev_s, fits_s = prof.over_kernels(kernel, grid, sat, only=near)
        better = dev_s < dev
        dev, scale = np.where(better, dev_s, dev), np.where(better, sat, scale)
        fits = [b if m else a for a, b, m in zip(fits, fits_s, better)]
    table = pd.DataFrame({"params": grid, "saturation": scale, "deviance": dev, "fit": fits, "on_rows": False})
    if kernel is not LagKernel.GEOMETRIC:
        table = _with_half_months(prof, kernel, table, sat, max_lag)
    return table


def _with_half_months(prof: _Profiler, kernel: LagKernel, table: pd.DataFrame, saturation: float,
                      max_lag: int) -> pd.DataFrame:
    """Add the half-month peaks next to the best one (every second parameter) to a delayed kernel's table."""
    grid = list(table["params"])
    best = grid[int(np.nanargmin(table["deviance"].to_numpy(dtype=float)))][0]
    seconds = sorted({p[1] for p in grid})
    near = [best + d for d in (-1.5, -0.5, 0.5, 1.5) if 1.0 <= best + d <= max(max_lag - 3, 2)]
    extra = [(p, k) for k in seconds for p in near]
    dev, fits = prof.over_kernels(kernel, extra, saturation)
    more = pd.DataFrame({"params": extra, "saturation": saturation, "deviance": dev, "fit": fits, "on_rows": False})
    return pd.concat([table, more], ignore_index=True)


def _refit_row(table: pd.DataFrame, i: int, prof: _Profiler, kernel: LagKernel) -> None:
    """Fit row `i` of a kernel table again on the rows (in place): its deviance and fit become the rows'."""
    beta, dev = prof.refit(kernel, table.at[i, "params"], table.at[i, "saturation"], table.at[i, "fit"])
    table.at[i, "fit"], table.at[i, "on_rows"] = beta, True
    table.at[i, "deviance"] = float(dev) if np.all(np.isfinite(beta)) else np.nan


def _settle_best(table: pd.DataFrame, prof: _Profiler, kernel: LagKernel) -> int:
    """Refit the best kernel on the rows until the best is a row fit; its index (AIC and slope are read there)."""
    while True:
        i = int(np.nanargmin(table["deviance"].to_numpy(dtype=float)))
        if table.at[i, "on_rows"]:
            return i
        _refit_row(table, i, prof, kernel)


def _settle_peaks(table: pd.DataFrame, prof: _Profiler, kernel: LagKernel, geometric: float | None) -> None:
    """Refit on the rows the kernels the peak's estimate and interval are read from, until all of them are.

    For each peak, the profile takes the best kernel with that peak; the peak's
    estimate reads the best peak and its neighbours, its interval the two peaks
    around each 3.84 crossing.
    """
    peak = np.array([p[0] for p in table["params"]])
    while True:
        dev = table["deviance"].to_numpy(dtype=float)
        peaks = np.unique(peak[np.isfinite(dev)])
        best_row = {p: int(np.flatnonzero(peak == p)[np.nanargmin(dev[peak == p])]) for p in peaks}
        profile = np.array([dev[best_row[p]] for p in peaks])
        if geometric is not None and len(peaks) and peaks[0] == 1.0:
            profile[0] = min(profile[0], geometric)
        need = read_points(profile)
        todo = [best_row[peaks[k]] for k in need if not table.at[best_row[peaks[k]], "on_rows"]]
        if not todo:
            return
        for i in todo:
            _refit_row(table, i, prof, kernel)


def _refined_min(x: np.ndarray, y: np.ndarray) -> float:
    """The minimum of y over x, refined by the parabola through it and its neighbours (kept between them)."""
    i = int(np.argmin(y))
    if i == 0 or i == len(x) - 1:
        return float(x[i])
    a, b, _ = np.polyfit(x[i - 1:i + 2], y[i - 1:i + 2], 2)
    return float(np.clip(-b / (2 * a), x[i - 1], x[i + 1])) if a > 0 else float(x[i])


def _crossing(x: np.ndarray, y: np.ndarray, side: str):
    """Where y rises 3.84 above its minimum on one side (linear interpolation), None if it never does."""
    delta = y - y.min()
    i_best = int(np.argmin(y))
    idx = range(i_best, -1, -1) if side == "low" else range(i_best, len(x))
    prev = i_best
    for i in idx:
        if delta[i] >= CHI2_95:
            return float(x[prev] + (CHI2_95 - delta[prev]) * (x[i] - x[prev]) / (delta[i] - delta[prev]))
        prev = i
    return None


def _describe_params(name: str, params, saturation) -> str:
    """'half-life 3.2 months; dose log1p(x / 2 hours)' and the like."""
    from netanalysis.analysis.returns.carryover import describe_dose

    if name == "free":
        return "one coefficient per month, log1p(minutes / 60)"
    if params is None:
        return ""
    kernel = LagKernel(name)
    text = (f"half-life {params[0]:.2g} months" if kernel is LagKernel.GEOMETRIC else
            f"peak {params[0]:.1f} months, sharpness {params[1]:.2g}" if kernel is LagKernel.GAMMA else
            f"peak {params[0]:.1f} months, retention {params[1]:.2g}")
    return f"{text}; dose {describe_dose(saturation)}"

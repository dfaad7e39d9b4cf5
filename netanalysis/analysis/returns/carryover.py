"""Carryover: how long invested time keeps working.

A discrete-time hazard model on the unit x month panel: the chance of a won
outcome in month t is modelled from the carryover `stock` of invested minutes at
the end of month t-1, with tenure (months since first contact) and calendar
year as controls,

    cloglog P(won in month t) = a_tenure(t) + c_year(t) + beta * log1p(stock_{t-1} / 60),

a complementary log-log GLM (Binomial family, CLogLog link; `hazard_fit`), the
discrete-time twin of a proportional-hazards model. The `stock` keeps
``0.5 ** (1 / half_life)`` of last month's minutes and adds this month's, so the
half-life is a parameter of the covariate, not of the GLM: it is found by
profiling the model's deviance over a fine grid of half-lives, and its 95%
likelihood-ratio interval is the set of half-lives whose deviance is within
chi2(1, 0.95) = 3.84 of the best. The stock for every half-life is computed
on the same panel rows with `panel._stock` (the panel is built once).

The dose shape is profiled with the half-life, as marketing-mix models pair
adstock with saturation (Jin et al. 2017, "Bayesian methods for media mix
modeling with carryover and shape effects"; pymc-marketing's
`mmm/transformers.py`): the covariate is ``log1p(stock / s)`` for a saturation
scale ``s`` on `SATURATION_GRID_MINUTES` (7.5 minutes to 32 hours), or, in the
linear limit ``s -> inf``, ``stock / 60`` (a covariate proportional to stock).
Fixing one shape biases the other: where the hazard is linear in stock, a fixed
``log1p(stock / 60)`` pulls the half-life low and its interval off the truth.
The half-life's deviance is the smallest over ``s``, so its interval is a
likelihood-ratio interval on the half-life alone.

All covariates are time-varying and lagged: the outcome in month t never sees
minutes from month t or later (unless a distributed-lag view asks for lag 0,
and then it is labelled as such).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from netanalysis.analysis.returns.hazard_fit import (
    CloglogFit,
    DoseCellGrid,
    GroupedCloglog,
    control_patterns,
    fit_cloglog,
)
from netanalysis.analysis.words import describe_hours, plural, small_percent
from netanalysis.analysis.words import months as months_words
from netanalysis.dates import as_timestamp
from netanalysis.panel.build import StockLayout, decay_per_month

CHI2_95 = float(stats.chi2.ppf(0.95, 1))  # 3.84
STOCK_SCALE_MINUTES = 60.0
TENURE_EDGES = (0, 1, 3, 6, 12, 24)  # tenure bins: month 0, 1-2, 3-5, 6-11, 12-23, 24+
DEFAULT_GRID = np.geomspace(0.25, 36.0, 64)
MIN_EVENTS = 20
STOCK_CACHE = 24  # half-lives whose stock `HazardRows` keeps (the link tests' grid)
# Saturation scales of the dose log1p(stock / s), doubling from 7.5 minutes to 32 hours (60 among them),
# then the linear limit (inf).
SATURATION_GRID_MINUTES = np.append(STOCK_SCALE_MINUTES * 2.0 ** np.arange(-3, 6), np.inf)
PROFILE_TOL = 1e-7  # relative deviance change at which a profile-loop fit on the rows stops
CELL_TOL = 1e-10  # the same for fits on dose cells (cheap, so run to a tighter end)
# The dose-response curve stops where the data thin out: at the 95th percentile of the months with any stock,
# and never where fewer than 50 months lie at or above it.
SUPPORT_QUANTILE = 0.95
SUPPORT_MIN_MONTHS = 50
ROUND_HOURS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0)


@dataclass
class HazardRows:
    """The unit x month rows a hazard model is fitted on (one panel, built once).

    `unit` holds each row's unit id (strings, a pandas or numpy array);
    `period` holds each row's month as datetime64 in UTC; `starts` are the row
    positions where each unit's history begins; `minutes`
    are this month's invested minutes; `event` is 1 when the month has a won
    outcome; `tenure` is months since the unit's first interaction.
    `sample_of` is None, or, for a sample of whole units
    (`unit_sample.sample_units`), what it was drawn from.
    """

    unit: object
    period: np.ndarray
    minutes: np.ndarray
    event: np.ndarray
    tenure: np.ndarray
    starts: np.ndarray
    unit_kind: str = "contact"
    sample_of: object = None
    # The last stocks computed, by half-life: the link tests, exclusion windows and the within-unit profile
    # all walk the same grid of half-lives over the same rows.
    _stocks: OrderedDict = field(default_factory=OrderedDict, init=False, repr=False, compare=False)
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @property
    def n_units(self) -> int:
        return int(len(self.starts))

    @property
    def n_rows(self) -> int:
        return int(len(self.minutes))

    @property
    def n_events(self) -> int:
        return int(self.event.sum())

    def lagged_stock(self, half_life_months: float, gap_months: int = 0) -> np.ndarray:
        """Stock at the end of month t-1-gap, carried (decayed) to the end of month t-1.

        With `gap_months=0` this is the stock just before month t. A positive
        gap drops the minutes of the `gap` months just before month t (the
        reverse-causation sensitivity check), keeping older minutes decayed.
        """
        d = decay_per_month(half_life_months)
        stock = self._stock(float(half_life_months), d)
        return _shift_within(stock, self.starts, 1 + int(gap_months), self.place()) * d ** int(gap_months)

    def stock_layout(self) -> StockLayout:
        """`StockLayout` of these rows (made once): runs `panel._stock` for any decay."""
        if "stock_layout" not in self._memo:
            lengths = np.diff(np.append(self.starts, self.n_rows))
            self._memo["stock_layout"] = StockLayout(self.minutes, lengths, self.place())
        return self._memo["stock_layout"]

    def place(self) -> np.ndarray:
        """Each row's place in its unit's history (0 at its first row); read-only, made once."""
        if "place" not in self._memo:
            self._memo["place"] = _read_only(_place(self.starts, self.n_rows))
        return self._memo["place"]

    def _stock(self, half_life_months: float, decay: float) -> np.ndarray:
        """The stock at the end of each month (`panel._stock`), kept for the last `STOCK_CACHE` half-lives asked."""
        with self._lock:  # the designs of `evidence` may run on two threads
            if half_life_months in self._stocks:
                self._stocks.move_to_end(half_life_months)
                return self._stocks[half_life_months]
        s = self.stock_layout()(decay)
        with self._lock:
            self._stocks[half_life_months] = s
            if len(self._stocks) > STOCK_CACHE:
                self._stocks.popitem(last=False)
        return s

    def tenure_dummies(self) -> np.ndarray:
        """Indicator columns for the tenure bins after the first (month 0 is the reference)."""
        return tenure_dummies(self.tenure)

    def calendar_month(self) -> np.ndarray:
        """Each row's calendar month as year * 12 + month (computed once: reading the periods is slow)."""
        if "calendar_month" not in self._memo:
            period = pd.DatetimeIndex(pd.to_datetime(self.period, utc=True)) if self.n_rows else None
            key = (period.year * 12 + period.month).to_numpy() if self.n_rows else np.array([], dtype=int)
            self._memo["calendar_month"] = _read_only(key)
        return self._memo["calendar_month"]

    def year_dummies(self) -> np.ndarray:
        """Indicator columns for each calendar year after the first (trends in how outcomes are recorded)."""
        years = (self.calendar_month() - 1) // 12
        levels = np.unique(years)
        if len(levels) < 2:
            return np.zeros((self.n_rows, 0))
        return np.column_stack([years == y for y in levels[1:]]).astype(float)

    def controls(self) -> np.ndarray:
        """Intercept, tenure bins and calendar years (columns that never vary are dropped); read-only, made once."""
        if "controls" not in self._memo:
            X = np.column_stack([np.ones(self.n_rows), self.tenure_dummies(), self.year_dummies()])
            varies = X[:, 1:].any(axis=0) & ~X[:, 1:].all(axis=0)
            self._memo["controls"] = _read_only(X[:, np.r_[True, varies]])
        return self._memo["controls"]

    def control_patterns(self) -> tuple[np.ndarray, np.ndarray]:
        """`hazard_fit.control_patterns` of the controls, found once (sorting the rows is slow)."""
        if "control_patterns" not in self._memo:
            patterns, inverse = control_patterns(self.controls())
            self._memo["control_patterns"] = (_read_only(patterns), _read_only(inverse))
        return self._memo["control_patterns"]


    def null_fit(self) -> tuple[np.ndarray, float]:
        """The fit with the controls alone (no invested time): (params, deviance), made once; every design starts
        from it or compares with it."""
        if "null_fit" not in self._memo:
            params, deviance = self.fitter().fit(None)
            self._memo["null_fit"] = (_read_only(params), float(deviance))
        return self._memo["null_fit"]

    def cell_grid(self) -> DoseCellGrid:
        """`hazard_fit.DoseCellGrid` of these rows (made once): groups them into dose cells of any stock."""
        if "cell_grid" not in self._memo:
            patterns, inverse = self.control_patterns()
            self._memo["cell_grid"] = DoseCellGrid(inverse, self.event, len(patterns))
        return self._memo["cell_grid"]

    def fitter(self) -> GroupedCloglog:
        """The grouped cloglog fitter of these rows' outcomes and controls (made once)."""
        if "fitter" not in self._memo:
            self._memo["fitter"] = GroupedCloglog(self.event, self.controls(), self.control_patterns())
        return self._memo["fitter"]


def tenure_dummies(tenure: np.ndarray) -> np.ndarray:
    """Indicator columns of `TENURE_EDGES`' bins after the first (month 0 is the reference), one row per tenure."""
    cols = [((tenure >= lo) & (tenure < hi)) for lo, hi in zip(TENURE_EDGES[1:], TENURE_EDGES[2:])]
    cols.append(tenure >= TENURE_EDGES[-1])
    return np.column_stack(cols).astype(float)


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False  # shared by every caller: a change in place would reach the others
    return a


PANEL_COLUMNS = ("period", "minutes", "touches", "months_since_first", "outcomes_won")


def monthly_panel(ds, unit: str = "contact", as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """The monthly panel up to `as_of` with only the columns the delayed-returns views read (the unit and
    `PANEL_COLUMNS`): built once for `hazard_rows`, `cohorts.cohort_table` and `event_study.event_study_panel`,
    and kept while the page runs, so the columns none of them reads are let go."""
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    panel = ds.panel(freq="M", half_life_months=1.0, unit=unit, as_of=cut)
    return panel[["contact_id" if unit == "contact" else "account", *PANEL_COLUMNS]]  # its columns are its own arrays: the others go with `panel`


def hazard_rows(ds, unit: str = "contact", as_of: pd.Timestamp | None = None,
                panel: pd.DataFrame | None = None) -> HazardRows:
    """The monthly panel as arrays for hazard models (months, not quarters, whatever the report period).

    `panel`: the monthly panel up to `as_of` when already built (`ds.panel(freq="M", unit=unit, as_of=as_of)`).
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    panel = ds.panel(freq="M", half_life_months=1.0, unit=unit, as_of=cut) if panel is None else panel
    unit_col = "contact_id" if unit == "contact" else "account"
    tenure = panel["months_since_first"].to_numpy(dtype="int64")
    starts = np.flatnonzero(tenure == 0)
    # periods as datetime64 (UTC): an array of Timestamp objects is slow to read back as dates
    # units as pandas strings: an object array would make a Python string per row
    return HazardRows(unit=panel[unit_col].astype("string").array, period=panel["period"].to_numpy(dtype="datetime64[ns]"),
                      minutes=panel["minutes"].to_numpy(dtype=float),
                      event=(panel["outcomes_won"].to_numpy() > 0).astype(float), tenure=tenure,
                      starts=starts.astype("int64"), unit_kind=unit)


def _shift_within(x: np.ndarray, starts: np.ndarray, k: int, place: np.ndarray | None = None) -> np.ndarray:
    """x shifted down by k rows within each unit (zeros before a unit's first row); `place`: `_place` of the
    rows, when already known."""
    out = np.zeros_like(x, dtype=float)
    if k <= 0:
        return x.astype(float)
    if len(x) > k:
        out[k:] = x[:-k]
    out[(_place(starts, len(x)) if place is None else place) < k] = 0.0
    return out


def _place(starts: np.ndarray, n_rows: int) -> np.ndarray:
    """Each row's place in its unit (0 at the unit's first row), for units beginning at `starts`."""
    return np.arange(n_rows) - np.repeat(starts, np.diff(np.append(starts, n_rows)))


def stock_transform(stock_minutes: np.ndarray, scale: float = STOCK_SCALE_MINUTES) -> np.ndarray:
    """The dose scale of the hazard model: log1p(stock / 60 minutes), as in the simulator."""
    return np.log1p(np.asarray(stock_minutes, dtype=float) / scale)


def dose_covariate(stock_minutes: np.ndarray, saturation_minutes: float = STOCK_SCALE_MINUTES) -> np.ndarray:
    """The dose of a stock: log1p(stock / s), or stock / 60 (hours) in the linear limit s = inf.

    A small `s` saturates early (the first minutes count most); as `s` grows the
    curve straightens, and ``s * log1p(stock / s) -> stock``, so the limit is a
    covariate proportional to stock (scaled to hours to keep the slope readable).

    Examples
    --------
    >>> dose_covariate(np.array([0.0, 60.0, 180.0]), 60.0).round(4).tolist()
    [0.0, 0.6931, 1.3863]
    >>> dose_covariate(np.array([0.0, 60.0, 180.0]), np.inf).tolist()
    [0.0, 1.0, 3.0]
    """
    stock = np.asarray(stock_minutes, dtype=float)
    if np.isinf(saturation_minutes):
        return stock / STOCK_SCALE_MINUTES
    return np.log1p(stock / saturation_minutes)


def describe_dose(saturation_minutes) -> str:
    """'linear in stock' or 'log1p(stock / 2 hours)', the dose shape in words."""
    if saturation_minutes is None:
        return "not estimated"
    if np.isinf(saturation_minutes):
        return "linear in stock"
    if saturation_minutes < 60:
        return f"log1p(stock / {saturation_minutes:g} minutes)"
    return f"log1p(stock / {saturation_minutes / 60:g} hours)"


def _fit(rows: HazardRows, doses, start=None) -> CloglogFit:
    """The hazard model with the rows' controls and dose column(s) `doses`: params (controls first),
    covariance and deviance, as statsmodels' cloglog GLM gives them (the tests check both agree)."""
    with threadpool_limits(1):
        return fit_cloglog(rows.fitter(), doses, start)


@dataclass
class HalfLifeProfile:
    """The profile of the hazard model's deviance over half-lives of the stock.

    Attributes
    ----------
    grid, deviance : the half-lives tried (months) and the model deviance at each.
    best : the half-life with the smallest deviance (refined by a parabola in log half-life).
    ci : (low, high) of the 95% likelihood-ratio interval; an end is None when the
        interval runs into the edge of the grid (the data only bound it from one side).
    beta, beta_ci : the log-hazard slope on log1p(stock/60) at the best half-life.
    deviance_no_stock : deviance of the model without stock (tenure only).
    n_units, n_rows, n_events : what the estimate rests on.
    reason : why the half-life is not identified (None when it is).
    saturation_minutes_ : the dose's saturation scale s at the best fit (inf: linear in stock).
    saturation_grid_, deviance_by_saturation_ : the scales tried, and the deviance at each
        (half-life x scale); `deviance` is its smallest value over the scales.
    deviance_fixed_dose_ : the profile with the dose fixed at log1p(stock/60) (NaN where not fitted).
    dose_beta_, dose_beta_ci_ : the slope on the chosen dose at the best half-life and scale.
    """

    grid: np.ndarray
    deviance: np.ndarray
    best: float | None
    ci: tuple
    beta: float | None
    beta_ci: tuple | None
    deviance_no_stock: float | None
    n_units: int
    n_rows: int
    n_events: int
    gap_months: int = 0
    reason: str | None = None
    edge_note: str | None = None
    params_: dict = field(default_factory=dict, repr=False)
    saturation_minutes_: float | None = None
    saturation_grid_: np.ndarray = field(default_factory=lambda: SATURATION_GRID_MINUTES.copy(), repr=False)
    deviance_by_saturation_: np.ndarray | None = field(default=None, repr=False)
    deviance_fixed_dose_: np.ndarray | None = field(default=None, repr=False)
    dose_beta_: float | None = None
    dose_beta_ci_: tuple | None = None

    @property
    def identified(self) -> bool:
        return self.reason is None

    def table(self) -> pd.DataFrame:
        """Half-life, deviance and the drop in deviance from the best (for the profile chart)."""
        best = np.nanmin(self.deviance) if np.isfinite(self.deviance).any() else np.nan
        return pd.DataFrame({"half_life_months": self.grid, "deviance": self.deviance,
                             "delta_deviance": self.deviance - best})

    def metrics(self, key: str = "carryover_half_life_months") -> tuple[dict, list[str]]:
        """The summary.json entries (value, `_ci`, `_n`) and notes for this profile."""
        if not self.identified:
            return {key: None, key + "_n": self.n_units}, [f"{key}: {self.reason}"]
        m = {key: self.best, key + "_ci": [self.ci[0], self.ci[1]], key + "_n": self.n_units,
             key + "_outcome_months": self.n_events, key + "_dose": describe_dose(self.saturation_minutes_)}
        return m, ([f"{key}_ci: {self.edge_note}"] if self.edge_note else [])

    def short(self) -> str:
        """'4.2 months (3.1 to 5.9)', with 'at least'/'at most' for open ends, or 'not identified'."""
        if not self.identified:
            return "not identified"
        lo, hi = self.ci
        if lo is None:
            return f"{self.best:.1f} months (at most {hi:.1f})"
        if hi is None:
            return f"{self.best:.1f} months (at least {lo:.1f})"
        return f"{self.best:.1f} months ({lo:.1f} to {hi:.1f})"

    def sentence(self, who: str = "relationships") -> str:
        """One plain-language sentence about the half-life."""
        if not self.identified:
            return f"The data cannot pin down how long invested time keeps working: {self.reason}."
        lo, hi = self.ci
        if lo is not None and hi is not None:
            span = f"between {lo:.1f} and {hi:.1f} months (95% interval)"
        elif lo is not None:
            span = f"at least {lo:.1f} months (95%; the data set no upper limit within {self.grid[-1]:g} months)"
        else:
            span = f"at most {hi:.1f} months (95%; the data set no lower limit above {self.grid[0]:g} months)"
        lead = ("Invested time goes with a higher chance of a win only briefly: half of that link is gone after about"
                if self.best < 1 else
                "Invested time goes with a higher chance of a win for a while: half of that link is gone after about")
        return (f"{lead} **{months_words(self.best, '.1f')}**, {span}, based on {plural(self.n_units, who[:-1], ',')} "
                f"and {plural(self.n_events, 'month', ',')} with a win.")


def profile_half_life(rows: HazardRows, grid=None, gap_months: int = 0, min_events: int = MIN_EVENTS,
                      saturation_grid=None) -> HalfLifeProfile:
    """Profile the hazard model's deviance over half-lives of the stock (see :func:`_profile`).

    BLAS runs single-threaded here: the products are tall and thin (rows x ~8
    columns), where thread start-up costs more than it saves, most of all when the
    cores are shared.
    """
    with threadpool_limits(1):
        return _profile(rows, grid, gap_months, min_events, saturation_grid)


def _profile(rows: HazardRows, grid=None, gap_months: int = 0, min_events: int = MIN_EVENTS,
             saturation_grid=None) -> HalfLifeProfile:
    """Profile the hazard model's deviance over half-lives of the stock, and over the dose's saturation.

    Parameters
    ----------
    rows : HazardRows from :func:`hazard_rows`.
    grid : half-lives to try, in months (default: 64 log-spaced values from 0.25 to 36).
    gap_months : leave out the minutes of this many months just before each month
        (a sensitivity check for reverse causation: time spent because a deal was near).
    min_events : fewer months with a win than this and the half-life is not estimated.
    saturation_grid : saturation scales s of the dose log1p(stock / s), in minutes, inf for the
        linear limit (default `SATURATION_GRID_MINUTES`).

    Notes
    -----
    The link test (is there any link at all?) stays the one-parameter test on the
    fixed dose log1p(stock/60): a flexible dose must not make noise look like a
    link. The half-life and its interval come from the joint profile.
    """
    grid = np.asarray(DEFAULT_GRID if grid is None else grid, dtype=float)
    grid = np.unique(grid[grid > 0])
    sat = np.asarray(SATURATION_GRID_MINUTES if saturation_grid is None else saturation_grid, dtype=float)
    base = dict(grid=grid, deviance=np.full(len(grid), np.nan), best=None, ci=(None, None), beta=None, beta_ci=None,
                deviance_no_stock=None, n_units=rows.n_units, n_rows=rows.n_rows, n_events=rows.n_events,
                gap_months=int(gap_months), saturation_grid_=sat)
    if rows.n_events < min_events:
        return HalfLifeProfile(**base, reason=f"only {rows.n_events} months with a won outcome "
                                              f"(at least {min_events} are needed to estimate it)")
    if rows.n_events == rows.n_rows:
        return HalfLifeProfile(**base, reason="every month has a won outcome, so nothing varies")
    no_stock_dev = rows.null_fit()[1]
    by_sat, fits = _deviance_surface(rows, grid, sat, gap_months)
    fixed = _fixed_dose_column(by_sat, sat)
    deviance = np.nanmin(np.where(np.isfinite(by_sat), by_sat, np.inf), axis=1)
    deviance[~np.isfinite(deviance)] = np.nan
    base.update(deviance=deviance, deviance_no_stock=float(no_stock_dev), deviance_by_saturation_=by_sat,
                deviance_fixed_dose_=fixed)
    if not np.isfinite(deviance).any():
        return HalfLifeProfile(**base, reason="the hazard model did not converge")
    exact = _RowRefit(rows, grid, sat, gap_months, fits)
    i_best = _settle(deviance, lambda i: exact.deviance(i, int(np.nanargmin(by_sat[i]))))
    j_best = int(np.nanargmin(by_sat[i_best]))
    j_fixed = np.flatnonzero(sat == STOCK_SCALE_MINUTES)
    if np.isfinite(fixed).any():  # the link's likelihood ratio, read on the rows at the fixed dose's best
        i_fixed = int(np.nanargmin(fixed))
        fixed[i_fixed] = exact.deviance(i_fixed, int(j_fixed[0]))
    # the fixed dose is fitted at every fourth half-life and where the best scale passes by: a slightly low LR
    lr_stock = float(no_stock_dev - np.nanmin(fixed)) if np.isfinite(fixed).any() else 0.0
    base.update(_slopes(rows, grid[i_best], sat[j_best], gap_months, exact.start(i_best, j_best)))
    b = base["dose_beta_"]
    if lr_stock < CHI2_95 or b <= 0:
        return HalfLifeProfile(**base, reason=("invested time shows no detectable link with when outcomes happen "
                                               f"(likelihood-ratio {lr_stock:.1f} < {CHI2_95:.2f})" if lr_stock < CHI2_95 else
                                               "more invested time goes with fewer outcomes, so a carryover half-life has no meaning here"))
    return _identified(HalfLifeProfile(**base), i_best)


def _deviance_surface(rows: HazardRows, grid, sat, gap_months) -> tuple[np.ndarray, dict]:
    """Deviance at half-life x saturation scale, following the valley of the best scale along the half-lives.

    All scales are fitted at the first half-life; at each next one only the
    scales next to the previous best, widening while the best lies at the edge
    of those tried, and log1p(stock/60) (the link test's dose) at every fourth
    half-life. Scales not tried are NaN. The fits run on `hazard_fit.DoseCellGrid` cells
    of each half-life's stock, each warm-started from its last fit; the params
    of every fit come back too, by (half-life, scale) index, to start the refits
    on the rows.
    """
    patterns = rows.control_patterns()[0]
    null_deviance = rows.null_fit()[1]
    by_sat = np.full((len(grid), len(sat)), np.nan)
    fits = {}
    starts, before, last = [None] * len(sat), [None] * len(sat), [-2] * len(sat)
    fixed = np.flatnonzero(sat == STOCK_SCALE_MINUTES)
    j_best = None
    for i, h in enumerate(grid):
        cells = rows.cell_grid()(rows.lagged_stock(h, gap_months))
        fitter = cells.fitter(patterns)

        def try_scale(j):
            if not np.isnan(by_sat[i, j]):
                return
            start = _extrapolated(starts[j], before[j] if last[j] == i - 1 else None)
            dose = dose_covariate(cells.stock, sat[j])
            params, dev = fitter.fit(dose, start, tol=CELL_TOL)
            if start is not None and not dev <= null_deviance + 1.0:
                # a dose never fits worse than the controls alone: a start far off left the fit stranded where
                # the clipped chance is flat, so start again from the controls-only rate
                params, dev = fitter.fit(dose, None, tol=CELL_TOL)
            if np.all(np.isfinite(params)) and np.isfinite(dev):
                # the fits at consecutive half-lives lie on a smooth path: the next starts a step further along it
                before[j] = starts[j] if last[j] == i - 1 else None
                starts[j], last[j], by_sat[i, j], fits[i, j] = params, i, dev, params
            else:
                by_sat[i, j] = np.inf

        todo = (range(len(sat)) if j_best is None else
                [*range(max(j_best - 1, 0), min(j_best + 2, len(sat))), *(fixed if i % 4 == 0 or i == len(grid) - 1 else [])])
        for j in todo:
            try_scale(j)
        j_best = _walk_to_interior(by_sat[i], try_scale)
    by_sat[np.isinf(by_sat)] = np.nan
    return by_sat, fits


class _RowRefit:
    """The profile's fit at one (half-life, scale) again on the rows themselves, started from its cell fit."""

    def __init__(self, rows: HazardRows, grid, sat, gap_months: int, fits: dict):
        self.rows, self.grid, self.sat, self.gap_months, self.fits = rows, grid, sat, gap_months, fits

    def start(self, i: int, j: int):
        return self.fits.get((i, j))

    def deviance(self, i: int, j: int) -> float:
        x = dose_covariate(self.rows.lagged_stock(self.grid[i], self.gap_months), self.sat[j])
        params, dev = self.rows.fitter().fit(x, self.start(i, j), tol=CELL_TOL)
        return float(dev) if np.all(np.isfinite(params)) else np.nan


def _settle(deviance: np.ndarray, refit) -> int:
    """Refit, in place, the points the estimate is read from until they are all refitted; the best index.

    Those are the best half-life and its two neighbours (the parabola) and,
    on each side, the two half-lives around the 3.84 crossing (the interval).
    """
    done = set()
    while True:
        todo = sorted(i for i in read_points(deviance) - done if np.isfinite(deviance[i]))
        if not todo:
            return int(np.nanargmin(deviance))
        for i in todo:
            deviance[i] = refit(i)
            done.add(i)


def read_points(deviance: np.ndarray) -> set:
    """Indices a deviance profile's estimate is read from: its minimum with the two neighbours (the parabola)
    and, on each side, the two points around the 3.84 crossing (the interval)."""
    i_best = int(np.nanargmin(deviance))
    delta = deviance - deviance[i_best]
    need = {i for i in (i_best - 1, i_best, i_best + 1) if 0 <= i < len(deviance)}
    return need | set(_bracket(delta, "low")) | set(_bracket(delta, "high"))


def _extrapolated(start, before):
    """The next fit's start: linear extrapolation from the last two fits at consecutive half-lives, else the last."""
    if start is None or before is None:
        return start
    return 2.0 * start - before


def _walk_to_interior(row: np.ndarray, try_scale) -> int | None:
    """Fit further scales while the smallest deviance tried lies next to an untried one; its index."""
    while True:
        if not np.isfinite(row).any():
            return None
        j = int(np.nanargmin(np.where(np.isfinite(row), row, np.nan)))
        nxt = [k for k in (j - 1, j + 1) if 0 <= k < len(row) and np.isnan(row[k])]
        if not nxt:
            return j
        for k in nxt:
            try_scale(k)


def _fixed_dose_column(by_sat: np.ndarray, sat: np.ndarray) -> np.ndarray:
    """The profile at log1p(stock/60), the fixed dose of the link test (all NaN when 60 was not tried)."""
    hit = np.flatnonzero(sat == STOCK_SCALE_MINUTES)
    return by_sat[:, hit[0]].copy() if len(hit) else np.full(len(by_sat), np.nan)


def _slopes(rows: HazardRows, half_life: float, saturation: float, gap_months: int, start=None) -> dict:
    """Slopes (with Wald intervals) on the chosen dose and on log1p(stock/60), at the best half-life."""
    stock = rows.lagged_stock(half_life, gap_months)
    out = {"saturation_minutes_": float(saturation)}
    for name, s in (("dose", saturation), ("fixed", STOCK_SCALE_MINUTES)):
        res = _fit(rows, dose_covariate(stock, s), start if name == "dose" else None)
        b, se = float(res.params[-1]), float(res.bse()[-1])
        if name == "dose":
            out.update(dose_beta_=b, dose_beta_ci_=(b - 1.96 * se, b + 1.96 * se),
                       params_={"params": np.asarray(res.params), "half_life": float(half_life),
                                "saturation_minutes": float(saturation)})
        else:
            out.update(beta=b, beta_ci=(b - 1.96 * se, b + 1.96 * se))
    return out


def _identified(prof: HalfLifeProfile, i_best: int) -> HalfLifeProfile:
    """The best half-life and its interval, or the reason the profile cannot give them (flat, or best at an edge)."""
    grid, deviance = prof.grid, prof.deviance
    delta = deviance - deviance[i_best]
    if np.nanmax(delta) < CHI2_95:
        prof.reason = (f"the profile is flat: every half-life from {grid[0]:g} to {grid[-1]:g} "
                       "months fits the data about equally well")
    elif i_best == 0:
        prof.reason = (f"the best half-life is at the shortest one tried ({grid[0]:g} months): "
                       f"invested time seems to work for at most {_bound(grid, delta, 'high') or grid[0]:.2g} months")
    elif i_best == len(grid) - 1:
        prof.reason = (f"the best half-life is at the longest one tried ({grid[-1]:g} months): "
                       f"invested time keeps working for at least {_bound(grid, delta, 'low') or grid[-1]:.2g} months")
    if prof.reason:
        return prof
    lo, hi = _bound(grid, delta, "low"), _bound(grid, delta, "high")
    best = np.log(best_half_life(grid, deviance, i_best, lo, hi))
    if lo is None:
        prof.edge_note = f"the lower end is below the shortest half-life tried ({grid[0]:g} months): the half-life is at most {hi:.1f} months"
    elif hi is None:
        prof.edge_note = f"the upper end is beyond the longest half-life tried ({grid[-1]:g} months): the half-life is at least {lo:.1f} months"
    prof.best, prof.ci = float(np.exp(best)), (lo, hi)
    return prof


def best_half_life(grid: np.ndarray, deviance: np.ndarray, i_best: int, lo: float | None, hi: float | None) -> float:
    """The half-life a profile reads as its best: the vertex of the parabola through the grid's best and its two
    neighbours (in log half-life), unless that vertex falls outside the interval (`lo`, `hi`) read from the same
    profile. A kinked profile (the best dose scale switching near the minimum) can do that: the parabola does not
    describe it, and the grid's best is read instead."""
    best = float(np.exp(_parabola_min(np.log(grid[i_best - 1:i_best + 2]), deviance[i_best - 1:i_best + 2])))
    if (lo is not None and best < lo) or (hi is not None and best > hi):
        return float(grid[i_best])
    return best


def _parabola_min(x: np.ndarray, y: np.ndarray) -> float:
    """The minimum of the parabola through three points (x in log half-life), kept within them."""
    a, b, _ = np.polyfit(x, y, 2)
    if a <= 0:
        return float(x[1])
    return float(np.clip(-b / (2 * a), x[0], x[2]))


def _bracket(delta: np.ndarray, side: str) -> tuple:
    """The two indices around the first 3.84 crossing on one side of the best (empty when none)."""
    i_best = int(np.nanargmin(delta))
    idx = range(i_best, -1, -1) if side == "low" else range(i_best, len(delta))
    prev = i_best
    for i in idx:
        if delta[i] >= CHI2_95:
            return prev, i
        prev = i
    return ()


def _bound(grid: np.ndarray, delta: np.ndarray, side: str):
    """Where the deviance profile crosses 3.84 on one side of the best (linear in log half-life), else None."""
    pair = _bracket(delta, side)
    if not pair:
        return None
    prev, i = pair
    x0, x1 = np.log(grid[prev]), np.log(grid[i])
    d0, d1 = delta[prev], delta[i]
    return float(np.exp(x0 + (CHI2_95 - d0) * (x1 - x0) / (d1 - d0)))


def dose_response(rows: HazardRows, profile: HalfLifeProfile, stock_hours=None) -> pd.DataFrame:
    """Monthly chance of a win against the stock of invested hours, with a 95% band.

    The model at the profile's best half-life and dose shape (or at 3 months and
    log1p(stock/60) when it is not identified) is evaluated at the average tenure mix of the rows; the band is
    the delta-method interval of the linear predictor. `observed` is the raw share
    of months with a win among rows whose stock falls in the same bin. Empty when
    there are fewer than 20 months with a win (nothing to fit).

    By default the curve runs from 0 to :func:`supported_top_hours` (no further than
    the data that support it) and passes through `attrs["read_at_hours"]`, a round
    number of hours within that range where the sentence reads it.
    """
    if rows.n_events < MIN_EVENTS or rows.n_events == rows.n_rows:
        return pd.DataFrame(columns=["stock_hours", "hazard", "low", "high"], dtype=float)
    h = profile.best if profile.best is not None else 3.0
    sat = profile.saturation_minutes_ if profile.best is not None and profile.saturation_minutes_ else STOCK_SCALE_MINUTES
    stock = rows.lagged_stock(h, profile.gap_months)
    controls = rows.controls()
    res = _fit(rows, dose_covariate(stock, sat))
    read_at = None
    if stock_hours is None:
        top = supported_top_hours(stock / 60.0)
        read_at = round_hours_below(top)
        stock_hours = np.union1d(np.linspace(0.0, top, 60), [read_at])
    stock_hours = np.asarray(stock_hours, dtype=float)
    ref = controls.mean(axis=0)
    Xg = np.column_stack([np.tile(ref, (len(stock_hours), 1)), dose_covariate(stock_hours * 60.0, sat)])
    eta = Xg @ res.params
    se = np.sqrt(np.einsum("ij,jk,ik->i", Xg, res.cov, Xg))
    out = pd.DataFrame({"stock_hours": stock_hours, "hazard": _inverse_cloglog(eta),
                        "low": _inverse_cloglog(eta - 1.96 * se), "high": _inverse_cloglog(eta + 1.96 * se)})
    out.attrs["half_life_months"] = h
    out.attrs["dose"] = describe_dose(sat)
    out.attrs["observed"] = _observed_by_bin(stock / 60.0, rows.event, float(stock_hours[-1]))
    out.attrs["read_at_hours"] = read_at if read_at is not None else float(stock_hours[-1])
    out.attrs["months_at_top"] = int((stock / 60.0 >= stock_hours[-1] - 1e-12).sum())
    return out


def supported_top_hours(stock_hours: np.ndarray, quantile: float = SUPPORT_QUANTILE,
                        min_months: int = SUPPORT_MIN_MONTHS) -> float:
    """The most stock the data support: the `quantile` of the months with any stock, lowered until at least
    `min_months` months lie at or above it (0 when no month has any stock).

    >>> supported_top_hours(np.r_[np.zeros(10), np.arange(1.0, 101.0)], 0.95, 3)  # zeros do not count
    95.05
    >>> supported_top_hours(np.arange(1.0, 21.0), 0.95, 10)  # 10 months at or above 11
    11.0
    """
    pos = np.sort(np.asarray(stock_hours, dtype=float)[np.asarray(stock_hours) > 0])
    if pos.size == 0:
        return 0.0
    top = float(np.quantile(pos, quantile))
    if pos.size >= min_months:
        top = min(top, float(pos[pos.size - min_months]))
    else:
        top = float(pos[0])
    return top


def round_hours_below(top: float) -> float:
    """The largest round number of hours (1/4, 1/2, 1, 1.5, 2, 3 ...) not above `top`, or `top` itself below 1/4.

    >>> round_hours_below(2.37), round_hours_below(0.8), round_hours_below(0.1)
    (2.0, 0.5, 0.1)
    """
    fits = [h for h in ROUND_HOURS if h <= top + 1e-9]
    return fits[-1] if fits else float(top)


def _inverse_cloglog(eta: np.ndarray) -> np.ndarray:
    """Probability from the linear predictor: 1 - exp(-exp(eta))."""
    return -np.expm1(-np.exp(np.clip(eta, -40.0, 4.0)))


def _observed_by_bin(stock_hours: np.ndarray, event: np.ndarray, top: float, bins: int = 8,
                     min_months: int = 20) -> pd.DataFrame:
    """Share of months with a win in equal-width bins of stock from 0 to `top` (zero stock its own bin).

    Bins span the curve's range evenly, so dots sit all along it; a bin with fewer
    than `min_months` months is left out (too few to show a rate), and months
    above `top` (beyond the curve) are not shown.

    >>> _observed_by_bin(np.r_[np.zeros(30), np.full(30, 0.5), np.full(30, 1.5)], np.r_[np.zeros(80), np.ones(10)],
    ...                  2.0, bins=2)[["stock_hours", "rate", "months"]].values.tolist()
    [[0.0, 0.0, 30.0], [0.5, 0.0, 30.0], [1.5, 0.3333333333333333, 30.0]]
    """
    df = pd.DataFrame({"s": np.asarray(stock_hours, dtype=float), "y": np.asarray(event, dtype=float)})
    df = df[df["s"] <= top + 1e-12]
    pos = df["s"] > 0
    df["bin"] = -1
    if top > 0 and pos.any():
        df.loc[pos, "bin"] = np.minimum((df.loc[pos, "s"] / top * bins).astype(int), bins - 1)
    g = df.groupby("bin").agg(stock_hours=("s", "mean"), rate=("y", "mean"), months=("y", "size"))
    return g[g["months"] >= min_months].reset_index(drop=True)


def lag_profile(rows: HazardRows, max_lag: int = 12) -> pd.DataFrame:
    """Distributed lag: how invested minutes k = 0..max_lag months earlier go with a win this month.

    One cloglog GLM with a column log1p(minutes_{t-k} / 60) for each lag k and the
    tenure bins; reported as the hazard ratio of one hour (against none) invested
    k months earlier, with 95% intervals. Lag 0 (the same month) is shown but is
    the most exposed to reverse causation (meetings held because a deal is closing).
    """
    cols = [stock_transform(_shift_within(rows.minutes, rows.starts, k)) for k in range(max_lag + 1)]
    controls = rows.controls()
    nc = controls.shape[1]
    empty = pd.DataFrame({"months_earlier": np.arange(max_lag + 1), "coef": np.nan, "hazard_ratio_1h": np.nan,
                          "low": np.nan, "high": np.nan})
    if rows.n_events < MIN_EVENTS:
        return empty
    res = _fit(rows, np.column_stack(cols))
    coef = np.asarray(res.params[nc:])
    se = res.bse()[nc:]
    per_hour = np.log(2.0)  # log1p(60/60): one hour against none
    return pd.DataFrame({"months_earlier": np.arange(max_lag + 1), "coef": coef,
                         "hazard_ratio_1h": np.exp(coef * per_hour),
                         "low": np.exp((coef - 1.96 * se) * per_hour), "high": np.exp((coef + 1.96 * se) * per_hour)})


def describe_lag_profile(table: pd.DataFrame) -> str:
    """One plain sentence about which earlier months' hours go with a clearly higher chance of a win."""
    if table["hazard_ratio_1h"].isna().all():
        return "There are too few won outcomes to tell which earlier months matter."
    past = table[table["months_earlier"] >= 1]
    clear = past.loc[past["low"] > 1, "months_earlier"].astype(int).tolist()
    if not clear:
        return ("For no single earlier month is the link clear on its own (every interval includes no difference); "
                "the carryover model above pools the months and is the stronger test.")
    months = ", ".join(str(m) for m in clear)
    return (f"An hour invested **{months}** month(s) before goes with a clearly higher chance of a win "
            f"(95% interval above 1); the latest of these is **{max(clear)} months** before the win.")


def describe_dose_response(curve: pd.DataFrame) -> str:
    """One plain sentence: the monthly chance of a win with nothing invested, and where the curve is read
    (`attrs["read_at_hours"]`, a point on the curve, so the sentence says what the chart shows there)."""
    if curve.empty:
        return "There are too few won outcomes to relate them to the time invested."
    at = float(curve.attrs.get("read_at_hours", curve["stock_hours"].iloc[-1]))
    lo = curve["hazard"].iloc[0]
    text = f"With nothing invested, a month brings a won outcome about **{small_percent(lo)}** of the time"
    if at <= 0:
        return text + " (no month had any invested time still working, so the curve stops there)."
    hi = float(np.interp(at, curve["stock_hours"], curve["hazard"]))
    top = float(curve["stock_hours"].iloc[-1])
    stop = ""
    if "months_at_top" in curve.attrs:
        stop = (f"; the curve stops at {top:.1f} hours, as only {plural(curve.attrs['months_at_top'], 'month', ',')} "
                "had that much or more")
    return (text + f"; with **{describe_hours(at)}** still working it is about **{small_percent(hi)}** (model at a half-life "
            f"of {plural(curve.attrs['half_life_months'], 'month', '.1f')}{stop}).")

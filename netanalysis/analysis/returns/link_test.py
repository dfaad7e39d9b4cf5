"""A calibrated test of "any link" between invested time and later wins.

The half-life of the carryover stock exists only when there is a link, so the
usual likelihood-ratio test of "no link" against "a link at the best half-life"
is not chi-squared (Davies' problem): searching the grid of half-lives makes it
reject too often. Here the statistic is the largest standardised score
statistic over the grid,

    T = max_h U_h / sqrt(I_h),

where U_h is the score of the stock with half-life h at the null fit (controls
only: tenure bins and calendar years) and I_h its information, adjusted for the
controls. Its null distribution comes from a parametric bootstrap: outcomes are
redrawn from the null fit and T recomputed. Each replicate needs only the null
fit, so the whole bootstrap is one matrix product. The test is one-sided: only
more invested time going with more wins counts as a link.

Two designs share the machinery:

- ``pooled``: the cloglog hazard of `carryover` (all comparisons, between and
  within units); redraws are Bernoulli with the null fit's monthly chance.
- ``within``: the conditional Poisson of `within` (each unit against itself);
  redraws move each unit's won months among its own months with the null
  fit's within-unit probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController, threadpool_limits

from netanalysis.analysis.returns.carryover import HazardRows, stock_transform
from netanalysis.analysis.returns.hazard_fit import GroupedCloglog
from netanalysis.analysis.returns.within_contact import WithinDesign, within_design, within_probabilities

LINK_GRID = np.geomspace(0.25, 36.0, 24)
N_BOOT = 199
MIN_EVENTS = 10
KEY = "carryover_link_p_value"


@dataclass
class LinkTest:
    """The result of `link_test`.

    Attributes
    ----------
    p_value : bootstrap p-value of the sup-score statistic (None when not testable).
    statistic : the observed sup of standardised scores.
    best_half_life : the half-life where the standardised score is largest.
    design : "pooled" or "within"; gap_months: months left out before each month.
    n_boot, n_units, n_events : what the test rests on.
    reason : why no p-value (None when there is one).
    """

    p_value: float | None
    statistic: float | None
    best_half_life: float | None
    design: str
    gap_months: int
    n_boot: int
    n_units: int
    n_events: int
    reason: str | None = None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05

    def metrics(self) -> dict:
        return {KEY: self.p_value}

    def short(self) -> str:
        if self.p_value is None:
            return f"not tested ({self.reason})"
        return f"p = {self.p_value:.3f} ({self.n_boot} redraws)"


class ScoreTest:
    """Precomputed covariates of one design; `test(y)` gives the p-value for outcomes `y`.

    Built once per panel, so the same covariates can be tested against many
    redrawn outcome vectors (the calibration study does exactly that). The
    stock of each half-life is made when a test reads it (`StockColumns`), one
    at a time, and kept for the next `y` only on small rows: a rows x
    half-lives matrix would not fit in memory at scale.
    """

    def __init__(self, rows: HazardRows, design: str = "pooled", gap_months: int = 0, grid=None,
                 transform=stock_transform):
        if design not in ("pooled", "within"):
            raise ValueError(f"design: {design!r} is not one of pooled, within")
        self.rows, self.design, self.gap_months = rows, design, int(gap_months)
        self.grid = np.asarray(LINK_GRID if grid is None else grid, dtype=float)
        self.X = StockColumns(rows, self.grid, self.gap_months, transform, keep=True)  # read for every `y`
        self.patterns = rows.control_patterns()
        self.threads = ThreadpoolController()  # found once: finding the libraries costs a test as much as its fit

    def test(self, y=None, n_boot: int = N_BOOT, seed: int = 0, min_events: int = MIN_EVENTS) -> LinkTest:
        """Sup-score statistic and its bootstrap p-value for outcomes `y` (default: the rows' own)."""
        y = self.rows.event if y is None else np.asarray(y, dtype=float)
        n_events = int(y.sum())
        base = dict(design=self.design, gap_months=self.gap_months, n_boot=int(n_boot), n_units=self.rows.n_units,
                    n_events=n_events)
        if n_events < min_events or n_events == len(y):
            return LinkTest(None, None, None, **base, reason=f"only {n_events} won months (at least {min_events} "
                                                             "are needed)")
        rng = np.random.default_rng(seed)
        with self.threads.limit(limits=1):
            if self.design == "pooled":
                known = self.rows.null_fit()[0] if y is self.rows.event else None
                t_obs, t_boot = PooledNull(self.patterns, y, rng, n_boot, known).statistics(self.X)
            else:
                t_obs, t_boot, base["n_units"] = _within(self.rows, self.X, y, rng, n_boot)
        return _result(t_obs, t_boot, self.grid, base)


def _result(t_obs, t_boot, grid: np.ndarray, base: dict) -> LinkTest:
    """The test from the observed standardised scores and the redraws' sup-statistics."""
    if t_obs is None:
        return LinkTest(None, None, None, **base, reason="invested time does not vary, nothing to test")
    stat, at = float(np.max(t_obs)), float(grid[int(np.argmax(t_obs))])
    p = float((1 + np.sum(t_boot >= stat - 1e-12)) / (base["n_boot"] + 1))
    return LinkTest(p, stat, at, **base)


# Up to this many values (rows x half-lives, 8 bytes each: 32 MB) a `ScoreTest` keeps its columns, made once
# for all the outcome vectors it tests; above it each test makes them again, one at a time.
KEEP_COLUMNS_VALUES = 4_000_000


class StockColumns:
    """The link test's covariates, column by column: `transform` of the lagged stock at each half-life of `grid`.

    ``columns[j]`` is column j over all rows, ``columns.at(j, positions)`` the same
    at some rows; a matrix's transpose (``X.T``) serves as well where it fits in memory.
    With `keep`, the columns are kept (read-only) once made, while rows x
    half-lives stays within `KEEP_COLUMNS_VALUES`.
    """

    def __init__(self, rows: HazardRows, grid: np.ndarray, gap_months: int, transform, keep: bool = False):
        self.rows, self.grid, self.gap_months, self.transform = rows, grid, gap_months, transform
        self.kept = {} if keep and rows.n_rows * len(grid) <= KEEP_COLUMNS_VALUES else None

    def __len__(self) -> int:
        return len(self.grid)

    def __getitem__(self, j: int) -> np.ndarray:
        if self.kept is None:
            return self.transform(self.rows.lagged_stock(self.grid[j], self.gap_months))
        if j not in self.kept:
            self.kept[j] = self.transform(self.rows.lagged_stock(self.grid[j], self.gap_months))
            self.kept[j].flags.writeable = False
        return self.kept[j]

    def at(self, j: int, positions: np.ndarray) -> np.ndarray:
        if self.kept is None:
            return self.transform(self.rows.lagged_stock(self.grid[j], self.gap_months)[positions])
        return self[j][positions]  # `transform` works value by value

def link_test(rows: HazardRows, design: str = "pooled", gap_months: int = 0, grid=None, n_boot: int = N_BOOT,
              seed: int = 0, transform=stock_transform) -> LinkTest:
    """Calibrated p-value of any positive link between the carryover stock and later wins.
    """
    return ScoreTest(rows, design, gap_months, grid, transform).test(n_boot=n_boot, seed=seed)


def pooled_link_tests(rows: HazardRows, gaps, grid=None, n_boot: int = N_BOOT, seed: int = 0,
                      transform=stock_transform) -> dict[int, LinkTest]:
    """`link_test` of the pooled design at each of `gaps` (months left out before each month), by gap.

    The same tests as one `link_test` per gap, sharing what does not depend on
    the gap: the null fit, the redraws (one seed) and each half-life's stock.
    """
    grid = np.asarray(LINK_GRID if grid is None else grid, dtype=float)
    gaps = sorted({int(k) for k in gaps})
    y = rows.event
    n_events = int(y.sum())
    bases = {k: dict(design="pooled", gap_months=k, n_boot=int(n_boot), n_units=rows.n_units, n_events=n_events)
             for k in gaps}
    if n_events < MIN_EVENTS or n_events == len(y):
        return {k: LinkTest(None, None, None, **b, reason=f"only {n_events} won months (at least {MIN_EVENTS} "
                                                          "are needed)") for k, b in bases.items()}
    with threadpool_limits(1):
        null = PooledNull(rows.control_patterns(), y, np.random.default_rng(seed), n_boot, rows.null_fit()[0])
        parts = {k: (np.empty(len(grid)), np.empty(len(grid)), np.empty(len(grid)), np.empty((n_boot, len(grid))))
                 for k in gaps}
        for j, h in enumerate(grid):  # one half-life's stock at a time, read at every gap
            for k in gaps:
                info, t_obs, expected, sums = parts[k]
                info[j], t_obs[j], expected[j], sums[:, j] = null.column(transform(rows.lagged_stock(h, k)))
        return {k: _result(*null.finish(*parts[k]), grid, bases[k]) for k in gaps}


def _standardise(info: np.ndarray):
    """Per-column 1 / sqrt(information); columns with no information get 0 (never the sup)."""
    ok = info > 1e-10 * max(float(info.max()), 1e-300)
    return np.where(ok, 1.0 / np.sqrt(np.where(ok, info, 1.0)), 0.0), ok


def _residualise(X: np.ndarray, Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """X minus its W-weighted projection on Z (the part of the stock the controls do not explain)."""
    ZW = Z * W[:, None]
    coef = np.linalg.lstsq(ZW.T @ Z, ZW.T @ X, rcond=None)[0]
    return X - Z @ coef


class _PatternProjection:
    """Residuals of columns on the controls, W-weighted, from the controls' few row patterns.

    The controls' cross-products are sums over patterns (`np.bincount`), so a
    column is residualised without a rows x controls matrix: the same least
    squares as `_residualise`, its sums taken in another order.
    """

    def __init__(self, patterns: tuple, W: np.ndarray):
        self.P, self.group = patterns[0], patterns[1]
        self.W = W
        self.ztwz = (self.P * np.bincount(self.group, W, minlength=len(self.P))[:, None]).T @ self.P

    def residual(self, x: np.ndarray) -> np.ndarray:
        ztwx = self.P.T @ np.bincount(self.group, self.W * x, minlength=len(self.P))
        coef = np.linalg.lstsq(self.ztwz, ztwx, rcond=None)[0]
        return x - (self.P @ coef)[self.group]


DRAW_ROWS = 1 << 13  # rows of uniforms drawn at a time (x 50 redraws: 3 MB, reused from the cache)


class PooledNull:
    """The pooled design's null fit (controls only) and its redraws, for outcomes `y`.

    Neither depends on the covariates, so the tests of every exclusion window
    share one: the same seed draws the same redraws from the same null fit.
    `drawn` and `redraw` are the (row, redraw) pairs of the wins the redraws make.
    """

    def __init__(self, patterns: tuple, y: np.ndarray, rng, n_boot: int, params: np.ndarray | None = None):
        if params is None:  # else: the null fit's params, when already known
            params, _ = GroupedCloglog(y, None, patterns).fit(None)
        ee = np.exp(np.clip((patterns[0] @ params)[patterns[1]], -40.0, 4.0))
        self.mu = np.clip(-np.expm1(-ee), 1e-15, 1 - 1e-15)
        self.ratio = ee / self.mu
        self.W = ee * ee * (1.0 - self.mu) / self.mu
        self.resid = (y - self.mu) * self.ratio  # the observed outcomes' score terms
        self.mu_ratio = self.mu * self.ratio
        self.drawn, self.redraw = _drawn_wins(self.mu, rng, n_boot)
        self.project = _PatternProjection(patterns, self.W)
        self.n_boot = int(n_boot)

    def statistics(self, X):
        """Observed standardised scores (per column of `X`) and the bootstrap sup-statistics; (None, None) when
        no column carries information."""
        m = len(X)
        info, t_obs, expected = np.empty(m), np.empty(m), np.empty(m)
        sums = np.empty((self.n_boot, m))
        for j in range(m):
            info[j], t_obs[j], expected[j], sums[:, j] = self.column(X[j])
        return self.finish(info, t_obs, expected, sums)

    def column(self, x: np.ndarray) -> tuple[float, float, float, np.ndarray]:
        """One covariate's information, observed score, expected score and its redraws' sums (unscaled)."""
        xt = self.project.residual(x)
        info = float(np.dot(xt * self.W, xt))
        scale = _standardise(np.array([info]))[0][0]
        # A redraw's scores are XtS' ((Y - mu) ratio) = (XtS ratio)' Y - XtS' (mu ratio): wins are rare, so the
        # first term sums the few drawn rows, the second is the same for every redraw.
        per_win = ((xt * scale) * self.ratio)[self.drawn]
        return info, float(xt @ self.resid), float(xt @ self.mu_ratio), np.bincount(self.redraw, per_win,
                                                                                      minlength=self.n_boot)

    def finish(self, info, t_obs, expected, sums):
        """The statistics from the columns' parts (`column`)."""
        scale, ok = _standardise(info)
        if not ok.any():
            return None, None
        t_obs = t_obs * scale
        t_obs[~ok] = -np.inf
        return t_obs, (sums[:, ok] - expected[ok] * scale[ok]).max(axis=1)


def _pooled(X, patterns, y, rng, n_boot):
    """Observed standardised scores (per half-life) and the bootstrap sup-statistics, cloglog hazard.

    `X` gives the covariates column by column (`StockColumns`, or a matrix's
    transpose); `patterns` is `HazardRows.control_patterns()`. Only the rows
    some redraw makes a win are read from each column for the redraws.
    """
    return PooledNull(patterns, y, rng, n_boot).statistics(X)


def _drawn_wins(mu: np.ndarray, rng, n_boot: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows each redraw makes a win (row i wins in redraw b when uniform u[i, b] < mu[i]), as (row, redraw)
    pairs in order of row within each block of 50 redraws.

    The uniforms are those of ``rng.random((rows, k))`` for each block of k <= 50
    redraws, drawn a slice of rows at a time (the same numbers, in the same order).
    """
    rows_out, redraw_out = [], []
    n = len(mu)
    buffer = np.empty(min(n, DRAW_ROWS) * min(50, n_boot))  # one block's uniforms, drawn into the same memory
    for lo in range(0, n_boot, 50):
        k = min(50, n_boot - lo)
        for r0 in range(0, n, DRAW_ROWS):
            r1 = min(r0 + DRAW_ROWS, n)
            u = rng.random(out=buffer[:(r1 - r0) * k].reshape(r1 - r0, k))
            at = np.flatnonzero(u < mu[r0:r1, None])
            rows_out.append(at // k + r0)
            redraw_out.append(at % k + lo)
    if not rows_out:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    return np.concatenate(rows_out), np.concatenate(redraw_out)


def _within(rows, X, y, rng, n_boot):
    """As `_pooled`, for the conditional Poisson: redraws move each unit's wins among its own months."""
    design = within_design(rows) if y is rows.event else WithinDesign(_with_events(rows, y))
    g = design.groups
    if g.n_groups == 0:
        return None, None, 0
    Z = design.controls()
    at = getattr(X, "at", None)
    Xg = np.column_stack([X[j][g.keep] if at is None else at(j, g.keep) for j in range(len(X))])
    b, _, _ = design.null_fit()  # from the controls' few row patterns
    p = within_probabilities(g, Z @ b)
    W = g.n_events[g.code] * p

    def centre(A):
        return A - np.add.reduceat(p[:, None] * A, g.starts, axis=0)[g.code]

    Xt = _residualise(centre(Xg), centre(Z), W) if Z.shape[1] else centre(Xg)
    scale, ok = _standardise(np.einsum("ij,i,ij->j", Xt, W, Xt))
    if not ok.any():
        return None, None, g.n_groups
    XtS = (Xt * scale)[:, ok]
    t_obs = np.full(len(X), -np.inf)
    t_obs[ok] = XtS.T @ (g.y - W)
    expected = XtS.T @ W
    t_boot = np.empty(n_boot)
    for lo, drawn in _drawn_within(p, g, rng, n_boot):
        for k, rows_k in enumerate(drawn):
            t_boot[lo + k] = (XtS[rows_k].sum(axis=0) - expected).max()
    return t_obs, t_boot, g.n_groups


def _drawn_within(p: np.ndarray, g, rng, n_boot: int, block: int = 50):
    """Each redraw's won rows: every won month of a unit moves to one of the unit's rows with chances `p`.

    Yields (first redraw, drawn rows of `block` redraws), the uniforms those of
    ``rng.random(n_won)`` redraw after redraw (the same numbers, drawn a block at a time).
    """
    # cumulative p runs from u to u + 1 over unit u's rows
    cp = np.cumsum(p)
    cp[g.starts[1:] - 1] = np.arange(1, g.n_groups)  # exact unit boundaries despite rounding
    unit_of_event = np.repeat(np.arange(g.n_groups), g.n_events.astype(int))
    first, last = g.starts[unit_of_event], np.append(g.starts[1:], len(cp))[unit_of_event] - 1
    for lo in range(0, n_boot, block):
        v = unit_of_event + rng.random((min(block, n_boot - lo), len(unit_of_event)))
        yield lo, np.clip(np.minimum(np.searchsorted(cp, v, side="right"), len(cp) - 1), first, last)


_OUTCOME_FREE = ("calendar_month", "place", "stock_layout")  # what `HazardRows` makes from the rows alone


def _with_events(rows: HazardRows, y: np.ndarray) -> HazardRows:
    """The same rows with other outcomes (for redrawn outcome vectors), sharing what `rows` has already made
    from the rows alone (reading the months again would cost each redraw as much as its null fit)."""
    if y is rows.event:
        return rows
    other = HazardRows(unit=rows.unit, period=rows.period, minutes=rows.minutes, event=y, tenure=rows.tenure,
                       starts=rows.starts, unit_kind=rows.unit_kind)
    other._memo.update({k: v for k, v in rows._memo.items() if k in _OUTCOME_FREE})
    return other

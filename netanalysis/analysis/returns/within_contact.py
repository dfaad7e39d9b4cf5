"""Within-contact carryover: the half-life when each unit is compared only with itself.

The pooled hazard model in `carryover` compares months of different units, so a
unit that is both met often and buys often (a hidden quality) looks like proof
that time carries over. Here each unit's own, time-invariant propensity is
conditioned out: a fixed-effects (conditional) Poisson model,

    log E[y_it] = a_i + z_it' g + b * log1p(stock_{t-1}(h) / 60),

whose unit effects a_i profile out analytically. Given the number of won
months n_i of unit i, its months share them as a multinomial with
probabilities p_it = exp(x_it' c) / sum_s exp(x_is' c), so the conditional
log-likelihood is sum_i sum_t y_it * log p_it. Only units with at least one won
month contribute. For a rare monthly event this is the discrete-time twin of a
stratified proportional-hazards model. The half-life is profiled over a grid
exactly as in `carryover.profile_half_life` (95% likelihood-ratio interval).
Controls: tenure bins and calendar months (two-way fixed effects: each unit
against itself, each month against the same month of other units), so neither
a lasting quality of a unit nor a season shared by all units makes a link.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from netanalysis.analysis.returns.carryover import (
    CHI2_95,
    DEFAULT_GRID,
    TENURE_EDGES,
    HazardRows,
    _bound,
    _bracket,
    best_half_life,
    stock_transform,
    tenure_dummies,
)
from netanalysis.analysis.returns.within_fit import (
    PatternedConditionalPoisson,
    UnitGroups,
    conditional_loglik,
    fit_conditional_poisson,
    unit_groups,
    within_probabilities,
)

MIN_UNITS = 5
MIN_EVENTS = 20
KEY = "carryover_within_contact_half_life_months"


@dataclass
class WithinContactCarryover:
    """The carryover half-life within units, profiled over a grid of half-lives.

    Attributes
    ----------
    half_life_ : best half-life in months (None when not identified).
    ci_ : (low, high) 95% likelihood-ratio interval; an end is None when it runs off the grid.
    beta_ : slope on log1p(stock / 60) at the best half-life, `beta_ci_` its Wald 95% interval.
    lr_ : likelihood-ratio statistic of the stock at the best half-life (against controls only).
    n_units_ : units with at least one won month (the only ones that inform the estimate).
    n_events_ : won months among them.
    grid_, deviance_ : the profile (-2 conditional log-likelihood at each half-life).
    reason_ : why nothing is estimated (None when it is).
    """

    half_life_: float | None
    ci_: tuple
    beta_: float | None
    beta_ci_: tuple | None
    lr_: float | None
    n_units_: int
    n_events_: int
    grid_: np.ndarray
    deviance_: np.ndarray
    gap_months: int = 0
    reason_: str | None = None
    unit_kind: str = "contact"

    @property
    def identified(self) -> bool:
        return self.reason_ is None

    def metrics(self) -> dict:
        """`carryover_within_contact_half_life_months` and its `_ci` (None when not identified)."""
        ok = self.identified and self.beta_ is not None and self.beta_ > 0
        return {KEY: self.half_life_ if ok else None,
                KEY + "_ci": [self.ci_[0], self.ci_[1]] if ok else None,
                KEY + "_n": self.n_units_}

    def notes(self) -> list[str]:
        return [f"{KEY}: {self.reason_}"] if self.reason_ else []

    def short(self) -> str:
        """'4.2 months (3.1 to 5.9)' or 'not identified'."""
        if not self.identified or self.half_life_ is None:
            return "not identified"
        lo, hi = self.ci_
        lo_s = "below the grid" if lo is None else f"{lo:.1f}"
        hi_s = "beyond the grid" if hi is None else f"{hi:.1f}"
        return f"{self.half_life_:.1f} months ({lo_s} to {hi_s})"

    def summary(self) -> str:
        """One sentence: what the within-unit comparison finds and what it rests on."""
        base = f"{self.n_units_} {self.unit_kind}s with {self.n_events_} won months"
        if not self.identified:
            return f"Within the same {self.unit_kind}s: not estimated ({self.reason_}; {base})."
        return (f"Within the same {self.unit_kind}s, invested time goes with later wins with a half-life of "
                f"{self.short()} (95% likelihood-ratio interval; likelihood ratio {self.lr_:.1f}; {base}).")


def within_contact_carryover(rows: HazardRows, grid=None, gap_months: int = 0, min_events: int = MIN_EVENTS,
                             transform=stock_transform) -> WithinContactCarryover:
    """Profile the within-unit (conditional Poisson) carryover over half-lives.

    Parameters
    ----------
    rows : `carryover.HazardRows`.
    grid : half-lives to try, in months (default: `carryover.DEFAULT_GRID`).
    gap_months : leave out the minutes of this many months just before each month.
    min_events : fewer won months than this among contributing units and nothing is estimated.
    transform : the dose scale of the stock (default log1p(stock / 60)).
    """
    with threadpool_limits(1):
        return _within(rows, grid, gap_months, min_events, transform)


def _within(rows, grid, gap_months, min_events, transform) -> WithinContactCarryover:
    grid = np.unique(np.asarray(DEFAULT_GRID if grid is None else grid, dtype=float))
    g = within_design(rows).groups
    n_events = int(g.y.sum())
    base = dict(half_life_=None, ci_=(None, None), beta_=None, beta_ci_=None, lr_=None, n_units_=g.n_groups,
                n_events_=n_events, grid_=grid, deviance_=np.full(len(grid), np.nan), gap_months=int(gap_months),
                unit_kind=rows.unit_kind)
    if n_events < min_events or g.n_groups < MIN_UNITS:
        return WithinContactCarryover(**base, reason_=f"only {n_events} won months in {g.n_groups} {rows.unit_kind}s "
                                                      f"(at least {min_events} in {MIN_UNITS} are needed)")
    design = within_design(rows)
    fitter = design.fitter()  # one fit per half-life: sums over the controls' few patterns
    b0, ll0, _ = design.null_fit()
    dev = np.full(len(grid), np.nan)
    fits = {}
    # Every half-life starts from the controls-only optimum: the same start keeps the profile smooth where a
    # control is at a plateau (e.g. a tenure bin without wins, whose coefficient drifts off without limit).
    start = np.r_[b0, 0.0]

    def fit_at(h):
        x = transform(rows.lagged_stock(h, gap_months)[g.keep])
        b, ll, cov = fitter.fit(x, start)
        if ll < ll0 - 1e-6:  # a poor start: adding a column cannot fit worse than the controls alone
            b, ll, cov = fitter.fit(x)
        return -2.0 * ll, (b, cov)

    for i, h in enumerate(grid):
        dev[i], fits[i] = fit_at(h)
    base["deviance_"] = dev
    grid, dev, fits = _zoomed(grid, dev, fits, fit_at)
    i_best = int(np.nanargmin(dev))
    b, cov = fits[i_best]
    lr = float(-2.0 * ll0 - dev[i_best])
    se = float(np.sqrt(cov[-1, -1])) if np.isfinite(cov[-1, -1]) else np.nan
    base.update(beta_=float(b[-1]), beta_ci_=(float(b[-1] - 1.96 * se), float(b[-1] + 1.96 * se)), lr_=lr)
    if lr < CHI2_95 or b[-1] <= 0:
        return WithinContactCarryover(**base, reason_=f"no detectable link within {rows.unit_kind}s "
                                                      f"(likelihood ratio {lr:.1f}, slope {b[-1]:+.2f})")
    delta = dev - dev[i_best]
    lo, hi = _bound(grid, delta, "low"), _bound(grid, delta, "high")
    best = best_half_life(grid, dev, i_best, lo, hi) if 0 < i_best < len(grid) - 1 else grid[i_best]
    base.update(half_life_=float(best), ci_=(lo, hi))
    return WithinContactCarryover(**base)


class WithinDesign:
    """What the within-unit designs read from one set of rows, each part made once when first asked for: the
    unit groups, their controls, the patterned fitter and its fit on the controls alone.

    The within-unit profile and the within link test share it (`within_design`).
    """

    def __init__(self, rows: HazardRows):
        self.rows = rows
        self.groups = unit_groups(rows)
        self._parts = {}

    def controls(self) -> np.ndarray:
        if "controls" not in self._parts:
            self._parts["controls"] = within_controls(self.rows, at=self.groups.keep)
        return self._parts["controls"]

    def fitter(self) -> PatternedConditionalPoisson:
        if "fitter" not in self._parts:
            self._parts["fitter"] = PatternedConditionalPoisson(self.groups, self.controls())
        return self._parts["fitter"]

    def null_fit(self) -> tuple:
        """(coef, loglik, covariance) of the controls alone (`PatternedConditionalPoisson.fit`)."""
        if "null_fit" not in self._parts:
            self._parts["null_fit"] = self.fitter().fit()
        return self._parts["null_fit"]


def within_design(rows: HazardRows) -> WithinDesign:
    """The rows' `WithinDesign`, kept with the rows (`forget_within_design` lets it go)."""
    if "within_design" not in rows._memo:
        rows._memo["within_design"] = WithinDesign(rows)
    return rows._memo["within_design"]


def forget_within_design(rows: HazardRows) -> None:
    """Let the rows' `WithinDesign` go (its controls take rows x ~50 floats)."""
    rows._memo.pop("within_design", None)


ZOOM_STEPS = 4  # half-lives added between two neighbours of the grid where the estimate is read


def _zoomed(grid: np.ndarray, dev: np.ndarray, fits: dict, fit_at) -> tuple[np.ndarray, np.ndarray, dict]:
    """The profile with finer half-lives where its estimate is read: around the best and each 3.84 crossing.

    A grid of about 24% steps is coarser than a well-determined interval: the
    parabola through three points and straight lines between two can put the
    best outside its own interval. The steps next to the best and next to each
    crossing are cut into `ZOOM_STEPS` (log-spaced); the rest stays as it was.
    """
    if not np.isfinite(dev).any():
        return grid, dev, fits
    i_best = int(np.nanargmin(dev))
    delta = dev - dev[i_best]
    steps = {k for k in (i_best - 1, i_best) if 0 <= k < len(grid) - 1}
    for side in ("low", "high"):
        pair = _bracket(delta, side)
        if pair:
            steps.add(min(pair))
    extra = sorted({float(h) for k in steps for h in np.geomspace(grid[k], grid[k + 1], ZOOM_STEPS + 1)[1:-1]})
    if not extra:
        return grid, dev, fits
    more = [fit_at(h) for h in extra]
    order = np.argsort(np.r_[grid, extra], kind="stable")
    all_fits = [fits[i] for i in range(len(grid))] + [f for _, f in more]
    return (np.r_[grid, extra][order], np.r_[dev, [d for d, _ in more]][order],
            {n: all_fits[i] for n, i in enumerate(order)})


def within_controls(rows: HazardRows, at: np.ndarray | None = None) -> np.ndarray:
    """Tenure bins and one indicator per calendar month after the first (no intercept: the unit effects absorb it).

    Calendar months, not years: with each unit compared only with itself, a
    season or trend shared by all units (every account busy before the quarter
    closes) would otherwise pass for a link between a unit's own time and its wins.
    `at`: only these rows (the columns are still those of all the rows' months).
    """
    tenure = tenure_dummies(rows.tenure if at is None else rows.tenure[at])
    if not rows.n_rows:
        return tenure
    key = rows.calendar_month()
    levels = np.unique(key)
    if at is not None:
        key = key[at]
    months = np.column_stack([key == v for v in levels[1:]]).astype(float) if len(levels) > 1 else \
        np.zeros((len(key), 0))
    return np.column_stack([tenure, months])


__all__ = ["WithinContactCarryover", "within_contact_carryover", "fit_conditional_poisson", "unit_groups", "UnitGroups",
           "within_probabilities", "conditional_loglik", "within_controls", "TENURE_EDGES"]

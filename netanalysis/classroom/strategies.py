"""Three networking strategies with the same monthly hours, run on the simulator's outcome model.

Each student has `hours_per_month` for networking. A first meeting takes an hour
(`DEFAULT_MINUTES["meeting"]`); a relationship's *stock* is the carryover of the
minutes invested in it (each month it keeps ``0.5 ** (1 / half_life_months)`` of
last month's stock and adds this month's minutes, as in the panel and the
simulator). Each month every relationship met so far produces a won outcome
with the simulator's chance ``simulate.hazard(stock at the end of last month)``
(alpha, beta and the 60-minute scale from `simulate.GroundTruth`), so a single
first meeting rarely pays.

- **broadcaster**: spends every hour on first meetings and never follows up;
- **builder**: meets a few new people a month and meets each of them again for
  an hour every month, until follow-ups fill the hours (a circle of about
  `hours_per_month` people); one person gives you about an hour a month, so in
  the first months the builder cannot use all the hours yet;
- **mixed**: half the hours on first meetings, half on a small circle.

How much each strategy invests in whom is fixed by its rule, so the stock is
the same for every student of a strategy; luck is in the outcomes. Relationships
met in the same month with the same role share a stock path, so outcomes are
drawn per such *cohort* as binomial counts, vectorised over students x cohorts
x months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from netanalysis.analysis.words import months as months_words
from netanalysis.errors import UserError
from netanalysis.io.vocabulary import DEFAULT_MINUTES
from netanalysis.simulate.world import GroundTruth, hazard

MEETING_MINUTES = DEFAULT_MINUTES["meeting"]
STRATEGY_NAMES = ("broadcaster", "builder", "mixed")
LIMITS = {"months": (1, 240), "hours_per_month": (2.0, 300.0), "half_life_months": (0.05, 600.0),
          "n_students": (1, 10000), "seed": (0, 2**32 - 1)}
DRAW_CHUNK = 4_000_000  # binomial draws held in memory at once
BOOTSTRAP_RESAMPLES = 400


@dataclass(frozen=True)
class Strategy:
    """How a student spends the monthly hours.

    Parameters
    ----------
    name : str
    new_per_month : int
        First meetings (an hour each) per month, as long as hours remain.
    circle : int
        How many of the first people met are followed up every month.
    follow_up_minutes : float
        Minutes per month with each person in the circle.
    meeting_minutes : float
        Minutes of a first meeting: an hour, or a little more when the hours
        for first meetings are not a whole number of hours (so none is left over).
    """

    name: str
    new_per_month: int
    circle: int
    follow_up_minutes: float
    meeting_minutes: float = MEETING_MINUTES
    description: str = ""


def strategies(hours_per_month: float = 10.0) -> dict[str, Strategy]:
    """The three strategies for a monthly budget of `hours_per_month`.

    Examples
    --------
    >>> s = strategies(10)
    >>> s["broadcaster"].new_per_month, s["builder"].circle, s["mixed"].circle
    (10, 10, 5)
    """
    budget = float(hours_per_month) * 60.0
    meetings = int(budget // MEETING_MINUTES)
    circle = max(1, meetings)
    half = max(1, int((budget / 2) // MEETING_MINUTES))
    return {
        "broadcaster": Strategy("broadcaster", meetings, 0, 0.0, budget / max(1, meetings),
                                f"meets {meetings} new people a month, never follows up"),
        "builder": Strategy("builder", max(1, round(0.3 * meetings)), circle, budget / circle, MEETING_MINUTES,
                            f"meets {max(1, round(0.3 * meetings))} new people a month until a circle of {circle} "
                            f"is full, then meets each of them about {budget / circle:.0f} minutes every month"),
        "mixed": Strategy("mixed", half, half, (budget / 2) / half, max(MEETING_MINUTES, (budget / 2) / half),
                          f"meets {half} new people a month and keeps up a circle of {half} "
                          f"(about {(budget / 2) / half:.0f} minutes each a month)"),
    }


@dataclass
class Plan:
    """Who gets how many minutes: relationships grouped into cohorts met the same month with the same role.

    Attributes
    ----------
    met_month : (cohorts,) month index (0-based) of the first meeting
    size : (cohorts,) number of people in the cohort
    in_circle : (cohorts,) whether the cohort is followed up
    minutes : (cohorts, months) minutes invested per person each month
    """

    met_month: np.ndarray
    size: np.ndarray
    in_circle: np.ndarray
    minutes: np.ndarray

    @property
    def hours_spent(self) -> np.ndarray:
        """Hours actually spent each month, summed over everyone."""
        return (self.minutes * self.size[:, None]).sum(axis=0) / 60.0


def investment_plan(strategy: Strategy, hours_per_month: float, months: int) -> Plan:
    """Minutes per person per month that `strategy` invests, month by month.

    Each month the circle members met before it get their follow-up first; the
    hours left pay for first meetings (`meeting_minutes` each, at most
    `new_per_month`). The first people met fill the circle.
    """
    budget = float(hours_per_month) * 60.0
    met, size, role = [], [], []
    in_circle_so_far = 0
    for t in range(int(months)):
        following = sum(s for s, r, m in zip(size, role, met) if r and m < t)
        left = budget - following * strategy.follow_up_minutes
        k = min(strategy.new_per_month, int((left + 1e-6) // strategy.meeting_minutes))
        if k <= 0:
            continue
        joins = min(k, max(0, strategy.circle - in_circle_so_far))
        for n, is_circle in ((joins, True), (k - joins, False)):
            if n:
                met.append(t); size.append(n); role.append(is_circle)
        in_circle_so_far += joins
    minutes = np.zeros((len(met), int(months)))
    for g, (t, r) in enumerate(zip(met, role)):
        minutes[g, t] = strategy.meeting_minutes
        if r:
            minutes[g, t + 1:] = strategy.follow_up_minutes
    return Plan(np.array(met, dtype=int), np.array(size, dtype=int), np.array(role, dtype=bool), minutes)


def carryover_stock(minutes: np.ndarray, half_life_months: float) -> np.ndarray:
    """Stock at the end of each month: ``stock_t = stock_{t-1} * 0.5 ** (1 / half_life) + minutes_t``."""
    keep = 0.5 ** (1.0 / float(half_life_months))
    months = minutes.shape[-1]
    # stock_t = sum_{u<=t} minutes_u * keep**(t-u): a lower-triangular matrix product (months is small).
    lag = np.arange(months)[:, None] - np.arange(months)[None, :]
    weights = np.where(lag >= 0, keep ** np.clip(lag, 0, None), 0.0)
    return minutes @ weights.T


def monthly_chance(plan: Plan, half_life_months: float, truth: GroundTruth | None = None) -> np.ndarray:
    """Chance of a won outcome for each person of each cohort, each month (cohorts x months).

    As in `simulate.simulate_world`: from the meeting month on, the chance uses the
    stock at the end of the previous month; before the first meeting it is zero.
    """
    truth = truth or GroundTruth()
    stock = carryover_stock(plan.minutes, half_life_months)
    before = np.concatenate([np.zeros((stock.shape[0], 1)), stock[:, :-1]], axis=1)
    h = hazard(before, truth.alpha, truth.beta, truth.stock_scale_minutes)
    known = np.arange(plan.minutes.shape[1])[None, :] >= plan.met_month[:, None]
    return np.where(known, h, 0.0)


@dataclass
class ClassroomRun:
    """The outcome of many simulated students per strategy.

    Attributes
    ----------
    parameters : dict
    strategies : dict of Strategy
    plans : dict of Plan
    chance : dict of (cohorts, months) arrays, the monthly chance per person
    outcomes : dict of (n_students, months) integer arrays, won outcomes per month
    """

    parameters: dict
    strategies: dict
    plans: dict
    chance: dict
    outcomes: dict
    stock: dict = field(default_factory=dict)

    @property
    def months(self) -> np.ndarray:
        """Month numbers 1..months."""
        return np.arange(1, int(self.parameters["months"]) + 1)

    def cumulative(self, name: str) -> np.ndarray:
        """Cumulative won outcomes by the end of each month, one row per student."""
        return np.cumsum(self.outcomes[name], axis=1)

    def expected_cumulative(self, name: str) -> np.ndarray:
        """Expected cumulative outcomes of one student (no luck): the sum of the monthly chances."""
        return np.cumsum((self.chance[name] * self.plans[name].size[:, None]).sum(axis=0))

    def mean_band(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean cumulative outcomes per month with a 95% interval for the mean (normal approximation)."""
        c = self.cumulative(name).astype(float)
        mean = c.mean(axis=0)
        n = c.shape[0]
        se = c.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.full_like(mean, np.nan)
        return mean, mean - 1.96 * se, mean + 1.96 * se

    @cached_property
    def _summary(self) -> tuple[dict, list[str]]:
        return classroom_metrics(self)

    def metrics(self) -> dict:
        """The `summary.json` numbers of the run (:func:`classroom_metrics`): crossover, trap, mean outcomes."""
        return dict(self._summary[0])

    @property
    def notes(self) -> list[str]:
        """Why a metric of the run is null or has no upper end."""
        return list(self._summary[1])


def check_classroom_parameters(months=36, hours_per_month=10.0, half_life_months=4.0, n_students=200, seed=0) -> dict:
    """Check the classroom parameters; a bad value is a UserError naming it."""
    values = {"months": months, "hours_per_month": hours_per_month, "half_life_months": half_life_months,
              "n_students": n_students, "seed": seed}
    out = {}
    for name, value in values.items():
        lo, hi = LIMITS[name]
        integer = isinstance(lo, int)
        try:
            ok_type = not isinstance(value, bool) and (float(value).is_integer() if integer else math.isfinite(float(value)))
        except (TypeError, ValueError):
            ok_type = False
        kind = "a whole number" if integer else "a number"
        if not ok_type:
            raise UserError(f"-p {name}={value}: expected {kind} from {lo} to {hi}")
        v = int(value) if integer else float(value)
        if not lo <= v <= hi:
            raise UserError(f"-p {name}={value}: must be from {lo} to {hi}")
        out[name] = v
    return out


def simulate_classroom(months: int = 36, hours_per_month: float = 10.0, half_life_months: float = 4.0,
                       n_students: int = 200, seed: int = 0) -> ClassroomRun:
    """Run each strategy for `n_students` simulated students.

    Examples
    --------
    >>> run = simulate_classroom(months=12, n_students=20, seed=1)
    >>> run.outcomes["builder"].shape
    (20, 12)
    """
    p = check_classroom_parameters(months, hours_per_month, half_life_months, n_students, seed)
    rng = np.random.default_rng(p["seed"])
    chosen = strategies(p["hours_per_month"])
    plans, chance, outcomes, stock = {}, {}, {}, {}
    for name in STRATEGY_NAMES:
        plan = investment_plan(chosen[name], p["hours_per_month"], p["months"])
        h = monthly_chance(plan, p["half_life_months"])
        per_chunk = max(1, DRAW_CHUNK // max(1, h.size))
        parts = [rng.binomial(plan.size[None, :, None], h[None, :, :], size=(min(per_chunk, p["n_students"] - s),) + h.shape).sum(axis=1)
                 for s in range(0, p["n_students"], per_chunk)]
        plans[name], chance[name] = plan, h
        outcomes[name] = np.concatenate(parts, axis=0) if parts else np.zeros((p["n_students"], p["months"]), dtype=int)
        stock[name] = carryover_stock(plan.minutes, p["half_life_months"])
    return ClassroomRun(p, chosen, plans, chance, outcomes, stock)


def crossover_month(builder: np.ndarray, broadcaster: np.ndarray) -> int | None:
    """The first month m such that the builder is ahead (strictly) in every month from m on.

    Months are numbered from 1; None when the builder is not ahead in the last month.

    Examples
    --------
    >>> crossover_month(np.array([0, 1, 3, 6]), np.array([1, 2, 2, 3]))
    3
    >>> crossover_month(np.array([0, 3, 1]), np.array([1, 2, 2])) is None
    True
    """
    ahead = np.asarray(builder) > np.asarray(broadcaster)
    if len(ahead) == 0 or not ahead[-1]:
        return None
    behind = np.flatnonzero(~ahead)
    return int(behind[-1] + 2) if len(behind) else 1


def trap_months(builder: np.ndarray, broadcaster: np.ndarray) -> list[int]:
    """Months (from 1) before the crossover in which the broadcaster is ahead: the instant-gratification trap."""
    cross = crossover_month(builder, broadcaster)
    ahead = np.flatnonzero(np.asarray(broadcaster) > np.asarray(builder)) + 1
    return [int(m) for m in ahead if cross is None or m < cross]


def crossover_interval(run: ClassroomRun, resamples: int = BOOTSTRAP_RESAMPLES, level: float = 0.95):
    """Bootstrap interval of the crossover month, resampling students within each strategy.

    Returns (low, high, never_share): `high` is None when in more than the upper tail
    of resamples the builder does not stay ahead within the months shown; `never_share`
    is the share of resamples with no crossover.
    """
    rng = np.random.default_rng([int(run.parameters["seed"]), 7])
    b, c = run.cumulative("builder").astype(float), run.cumulative("broadcaster").astype(float)
    n, months = b.shape
    found = np.empty(resamples)
    # A resample's mean is (how often each student is drawn) @ curves / n.
    wb = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples) / n
    wc = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples) / n
    mb, mc = wb @ b, wc @ c
    for i in range(resamples):
        cross = crossover_month(mb[i], mc[i])
        found[i] = months + 1 if cross is None else cross
    tail = (1 - level) / 2
    lo = int(np.quantile(found, tail, method="lower"))
    hi = int(np.quantile(found, 1 - tail, method="higher"))
    return (None if lo > months else lo), (None if hi > months else hi), float((found > months).mean())


def checkpoints(months: int) -> list[int]:
    """The months at which mean outcomes are reported: 6, 12 and the last month (those within range)."""
    return sorted({m for m in (6, 12, int(months)) if 1 <= m <= int(months)})


def classroom_metrics(run: ClassroomRun) -> tuple[dict, list[str]]:
    """The numbers for `summary.json` and the notes that explain any null."""
    p = run.parameters
    means = {name: run.mean_band(name) for name in STRATEGY_NAMES}
    cross = crossover_month(means["builder"][0], means["broadcaster"][0])
    notes = []
    metrics: dict = {"crossover_month": cross, "n_students": p["n_students"], "parameters": dict(p)}
    if p["n_students"] > 1:
        lo, hi, never = crossover_interval(run)
        metrics["crossover_month_ci"] = [lo, hi]
        metrics["crossover_never_share"] = never
        if hi is None:
            notes.append(f"crossover_month_ci: in {never:.0%} of bootstrap resamples of the students the builder "
                         f"does not stay ahead within {months_words(p['months'])}, so the interval has no upper end")
    else:
        metrics["crossover_month_ci"] = None
        notes.append("crossover_month_ci: one student per strategy gives no interval")
    if cross is None:
        notes.append(f"crossover_month: the builder's mean outcomes are not ahead of the broadcaster's "
                     f"by month {p['months']}, so there is no crossover within the "
                     f"{'month' if p['months'] == 1 else 'months'} simulated")
    metrics["trap_months"] = trap_months(means["builder"][0], means["broadcaster"][0])
    metrics["mean_outcomes"] = {name: {str(m): float(means[name][0][m - 1]) for m in checkpoints(p["months"])}
                                for name in STRATEGY_NAMES}
    metrics["mean_outcomes_ci"] = {name: {str(m): [float(means[name][1][m - 1]), float(means[name][2][m - 1])]
                                          for m in checkpoints(p["months"])} for name in STRATEGY_NAMES}
    metrics["hours_spent"] = {name: float(run.plans[name].hours_spent.sum()) for name in STRATEGY_NAMES}
    metrics["strategies"] = {name: s.description for name, s in run.strategies.items()}
    return metrics, notes

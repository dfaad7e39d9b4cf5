"""All the evidence on delayed returns from one panel, and the verdict it supports.

Runs the designs the verdict (`verdict.decide`) reads, on the unit x month
hazard rows of `carryover`:

- the calibrated "any link" test of the pooled model (`linktest`);
- the same test with an exclusion window: the minutes of the k = 1, 2, 3 months
  just before each month are left out (and k = the typical deal cycle, where
  outcomes carry `opened_at`);
- where outcomes carry `opened_at`, the test with each win dated by the month
  its opportunity opened, so only time invested before the opportunity counts;
- the within-unit half-life and its calibrated test (`within`).

The pooled half-life profile itself comes from `carryover.profile_half_life`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from netanalysis.analysis.returns.carryover import HalfLifeProfile, HazardRows, profile_half_life
from netanalysis.analysis.returns.link_test import LinkTest, link_test, pooled_link_tests
from netanalysis.analysis.returns.verdict import Evidence, Verdict, decide
from netanalysis.analysis.returns.within_contact import KEY as WITHIN_KEY
from netanalysis.analysis.returns.within_contact import (
    WithinContactCarryover,
    forget_within_design,
    within_contact_carryover,
    within_design,
)
from netanalysis.dates import as_timestamp

WINDOWS = (1, 2, 3)
WINDOW_GRID = np.geomspace(0.25, 36.0, 24)
MAX_ROWS_TWO_DESIGNS = 2_000_000


@dataclass
class DelayedReturnsEvidence:
    """The results behind the verdict (see `assess_delayed_returns`)."""

    verdict: Verdict
    pooled: HalfLifeProfile
    within: WithinContactCarryover
    link: LinkTest
    within_link: LinkTest
    windows: dict = field(default_factory=dict)
    window_profiles: dict = field(default_factory=dict)
    opened: LinkTest | None = None
    cycle_months: int | None = None

    def metrics(self) -> dict:
        """summary.json entries: the verdict, the calibrated p-value, both half-lives with intervals."""
        m = {"delayed_returns_verdict": self.verdict.code, "carryover_link_p_value": self.link.p_value}
        ok = self.within.identified and self.within_link.significant
        w = self.within.metrics()
        m[WITHIN_KEY] = w[WITHIN_KEY] if ok else None
        m[WITHIN_KEY + "_ci"] = w[WITHIN_KEY + "_ci"] if ok else None
        m[WITHIN_KEY + "_n"] = self.within.n_units_
        if self.verdict.allows_half_life() and self.pooled.identified:
            m["carryover_half_life_months"] = self.pooled.best
            m["carryover_half_life_months_ci"] = [self.pooled.ci[0], self.pooled.ci[1]]
        else:
            m["carryover_half_life_months"] = None
            m["carryover_half_life_months_ci"] = None
        return m

    def notes(self) -> list[str]:
        """The verdict's reasons, and why an estimate is missing."""
        out = [f"delayed_returns_verdict: {r}" for r in self.verdict.reasons]
        if self.link.p_value is None:
            out.append(f"carryover_link_p_value: {self.link.reason}")
        if self.within.reason_:
            out.append(f"{WITHIN_KEY}: {self.within.reason_}")
        elif not self.within_link.significant:
            out.append(f"{WITHIN_KEY}: the calibrated within-unit test does not reject ({self.within_link.short()}), "
                       "so no half-life is reported")
        if not self.verdict.allows_half_life():
            why = ("the lag shape is not geometric" if self.verdict.evidence.lag_shape != "geometric" else
                   f"the verdict is {self.verdict.code}")
            out.append(f"carryover_half_life_months: not reported because {why}")
        elif not self.pooled.identified:
            out.append(f"carryover_half_life_months: the pooled model does not pin it down ({self.pooled.reason})")
        return out

    def designs_table(self) -> pd.DataFrame:
        """Between and within units side by side: half-life, interval, calibrated p, units and won months."""
        who = self.within.unit_kind
        return pd.DataFrame({
            "design": [f"all comparisons (between and within {who}s)",
                       f"within the same {who}s only (against the same calendar months)"],
            "half-life (95% interval)": [self.pooled.short(), self.within.short()],
            "link p-value (calibrated)": [_p(self.link), _p(self.within_link)],
            f"{who}s used": [self.pooled.n_units, self.within.n_units_],
            "months with a win": [self.pooled.n_events, self.within.n_events_],
        })

    def window_table(self) -> pd.DataFrame:
        """The exclusion-window comparison: k = 0 (all minutes before the month) and each k left out."""
        ks = [0] + sorted(self.windows)
        return pd.DataFrame({
            "months left out before each month": ks,
            "half-life (95% interval)": [self.pooled.short()] + [self.window_profiles[k].short() for k in ks[1:]],
            "link p-value (calibrated)": [_p(self.link)] + [_p(self.windows[k]) for k in ks[1:]],
        })


def _p(t: LinkTest) -> str:
    return "not tested" if t.p_value is None else f"{t.p_value:.3f}"


def assess_delayed_returns(rows: HazardRows, pooled: HalfLifeProfile | None = None, lag_shape: str = "geometric",
                           opened: HazardRows | None = None, cycle_months: int | None = None, grid=None,
                           within_grid=None, n_boot: int = 199, seed: int = 0) -> DelayedReturnsEvidence:
    """Run every design on `rows` and decide the verdict.

    Parameters
    ----------
    rows : `carryover.HazardRows` (outcomes dated when won).
    pooled : the pooled profile at k = 0, if already computed.
    lag_shape : "geometric" or "delayed" (from the lag-shape analysis).
    opened : the same rows with wins dated by when their opportunity opened (`opened_rows`), or None.
    cycle_months : the typical months from opening to a win; added as an exclusion window.
    grid : half-lives for the pooled profile (default `carryover.DEFAULT_GRID`).
    within_grid : half-lives for the within-unit profile (default: 32 from 0.25 to 36 months).
    n_boot : bootstrap redraws of each calibrated test.
    """
    ks = sorted(set(WINDOWS) | ({int(cycle_months)} if cycle_months and 0 < cycle_months <= 12 else set()))
    with ThreadPoolExecutor(max_workers=design_threads(rows)) as pool:
        # each design is a function of the rows alone (its own seeded draws): the same results in any order
        for r in (rows, opened):
            _prepare(r)
        if within_design(rows).groups.n_groups:
            within_design(rows).null_fit()  # the within-unit profile and its link test share it
        run = pool.submit
        pooled_job = run(profile_half_life, rows, grid=grid) if pooled is None else None
        # the pooled test and its exclusion windows share one null fit and one set of redraws
        links_job = run(pooled_link_tests, rows, (0, *ks), n_boot=n_boot, seed=seed)
        within_job = run(within_contact_carryover, rows, grid=WINDOW_GRID if within_grid is None else within_grid)
        within_link_job = run(link_test, rows, "within", n_boot=n_boot, seed=seed)
        profile_jobs = {k: run(profile_half_life, rows, grid=WINDOW_GRID, gap_months=k) for k in ks}
        opened_job = run(link_test, opened, "pooled", n_boot=n_boot, seed=seed) if opened is not None else None
        pooled = pooled if pooled_job is None else pooled_job.result()
        links = links_job.result()
        within, link, within_link = within_job.result(), links[0], within_link_job.result()
        windows = {k: links[k] for k in ks}
        profiles = {k: j.result() for k, j in profile_jobs.items()}
        opened_test = None if opened_job is None else opened_job.result()
    forget_within_design(rows)
    ev = Evidence(link_p=link.p_value, within_p=within_link.p_value, window_p={k: t.p_value for k, t in windows.items()},
                  opened_p=None if opened_test is None else opened_test.p_value, n_units=rows.n_units,
                  n_events=rows.n_events, n_within_units=within.n_units_, lag_shape=lag_shape,
                  half_life=within.half_life_ if within.identified else None,
                  half_life_ci=within.ci_ if within.identified else None, unit_kind=rows.unit_kind)
    return DelayedReturnsEvidence(decide(ev), pooled, within, link, within_link, windows, profiles, opened_test,
                                  cycle_months)


def design_threads(rows: HazardRows) -> int:
    """Designs run at a time: two where there are two cores and their arrays (about 2 KB a row each) fit in
    about 4 GB, else one."""
    return 2 if (os.cpu_count() or 1) >= 2 and rows.n_rows <= MAX_ROWS_TWO_DESIGNS else 1


def _prepare(rows: HazardRows | None) -> None:
    """Work out once what every design reads from the rows, before the threads share them."""
    if rows is None:
        return
    rows.controls()
    rows.control_patterns()
    rows.cell_grid()
    rows.fitter()
    rows.null_fit()
    rows.calendar_month()
    rows.place()
    rows.stock_layout()


def opened_rows(ds, rows: HazardRows, as_of: pd.Timestamp | None = None) -> tuple[HazardRows | None, int | None]:
    """The rows with each win dated by the month its opportunity opened, and the median months from opening to win.

    (None, None) when the outcomes carry no `opened_at`. Wins whose opening
    falls before the unit's first month in the panel are dropped: no time had
    been invested yet.
    """
    out = ds.outcomes
    if "opened_at" not in out.columns:
        return None, None
    won = out[(out["status"] == "won") & out["opened_at"].notna()]
    if as_of is not None:
        won = won[won["timestamp"] <= as_timestamp(as_of)]
    if won.empty:
        return None, None
    unit_col = "contact_id" if rows.unit_kind == "contact" else "account"
    opened_at = pd.DatetimeIndex(won["opened_at"])
    month = opened_at.year * 12 + opened_at.month
    keys = pd.MultiIndex.from_arrays([won[unit_col].astype("string"), np.asarray(month, dtype="int64")])
    row_month = rows.calendar_month()  # year * 12 + month, as `month`
    event = pd.MultiIndex.from_arrays([pd.array(rows.unit, dtype="string"), row_month]).isin(keys).astype(float)
    closed = pd.DatetimeIndex(won["timestamp"])
    cycle = float(np.median((closed - opened_at).days / 30.4375))
    return replace(rows, event=event), max(int(round(cycle)), 0)

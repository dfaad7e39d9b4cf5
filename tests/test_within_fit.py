"""The patterned conditional Poisson fit equals the row-by-row fit (the same likelihood, sums regrouped)."""

from __future__ import annotations

import numpy as np
import pytest

from netanalysis.analysis.returns.within_fit import PatternedConditionalPoisson, UnitGroups, fit_conditional_poisson


def _world(seed=0, units=400, months=12):
    """Units with at least one won month (the only ones the conditional likelihood sees); 24 control patterns."""
    rng = np.random.default_rng(seed)
    code = np.repeat(np.arange(units), months)
    month = np.tile(np.arange(months), units)
    dose = np.log1p(rng.exponential(60.0, len(code)) * (rng.random(len(code)) < 0.3) / 60.0)
    y = (rng.random(len(code)) < 0.08 * np.exp(0.8 * dose)).astype(float)
    busy = rng.random(len(code)) < 0.5  # a row-level indicator, not a sum of month columns
    keep = np.flatnonzero(np.bincount(code, y)[code] > 0)
    code, month, dose, y, busy = (np.unique(code[keep], return_inverse=True)[1], month[keep], dose[keep], y[keep],
                                  busy[keep])
    Z = np.column_stack([month == m for m in range(1, months)] + [busy]).astype(float)
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    g = UnitGroups(keep=np.arange(len(code)), code=code, starts=starts, n_events=np.add.reduceat(y, starts), y=y)
    return g, Z, dose


def test_patterned_fit_matches_the_row_by_row_fit():
    g, Z, dose = _world()
    b_ref, ll_ref, cov_ref = fit_conditional_poisson(g, np.column_stack([Z, dose]))
    b, ll, cov = PatternedConditionalPoisson(g, Z).fit(dose)
    assert abs(ll - ll_ref) <= 1e-10 * abs(ll_ref)
    np.testing.assert_allclose(b, b_ref, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(cov, cov_ref, rtol=1e-7, atol=1e-12)
    assert 0.5 < b[-1] < 1.1  # the simulated slope 0.8 is found


def test_controls_alone_and_a_dose_that_never_varies_within_a_unit():
    g, Z, _ = _world(seed=1)
    b_ref, ll_ref, _ = fit_conditional_poisson(g, Z)
    b, ll, _ = PatternedConditionalPoisson(g, Z).fit()
    np.testing.assert_allclose(b, b_ref, rtol=1e-8, atol=1e-10)
    constant = g.code.astype(float)  # a unit-level trait: the unit effects absorb it
    b2, ll2, cov2 = PatternedConditionalPoisson(g, Z).fit(constant)
    assert b2[-1] == 0.0 and np.isnan(cov2[-1, -1]) and abs(ll2 - ll) < 1e-9 * abs(ll)


def test_within_half_life_and_interval_match_a_fine_grid():
    """The zoomed coarse profile reads the same best and interval as a profile on a fine grid (to 2%, the fine
    grid's step), and the best lies inside its interval."""
    from netanalysis.analysis.returns.carryover import hazard_rows
    from netanalysis.analysis.returns.evidence import WINDOW_GRID
    from netanalysis.analysis.returns.within_contact import within_contact_carryover
    from netanalysis.classroom.naive_readings import world_dataset
    from netanalysis.simulate.world import simulate_world

    rows = hazard_rows(world_dataset(simulate_world(contacts=1500, months=36, seed=5, half_life_months=3.0)))
    coarse = within_contact_carryover(rows, grid=WINDOW_GRID)
    fine = within_contact_carryover(rows, grid=np.geomspace(1.0, 10.0, 120))  # steps of 2%
    assert coarse.identified and fine.identified
    assert coarse.half_life_ == pytest.approx(fine.half_life_, rel=0.02)
    for a, b in zip(coarse.ci_, fine.ci_):
        assert a == pytest.approx(b, rel=0.02)
    assert coarse.ci_[0] <= coarse.half_life_ <= coarse.ci_[1]

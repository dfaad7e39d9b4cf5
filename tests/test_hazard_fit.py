"""The grouped cloglog fitter against statsmodels, and fits on dose cells against fits on the rows."""

import numpy as np
import pytest
import statsmodels.api as sm

from netanalysis.analysis.returns.carryover import _fit, dose_covariate, hazard_rows, profile_half_life
from netanalysis.analysis.returns.hazard_fit import DoseCellGrid, GroupedCloglog, control_patterns
from netanalysis.classroom.naive_readings import world_dataset
from netanalysis.simulate.world import simulate_world

CLOGLOG = sm.families.Binomial(link=sm.families.links.CLogLog())


@pytest.fixture(scope="module")
def rows():
    world = simulate_world(contacts=600, months=24, seed=2, half_life_months=3.0)
    return hazard_rows(world_dataset(world))


def _reference(y, X):
    return sm.GLM(y, X, family=CLOGLOG).fit(tol=1e-13, maxiter=200)


def test_controls_only_fit_matches_statsmodels(rows):
    params, dev = GroupedCloglog(rows.event, rows.controls()).fit(None, tol=1e-13)
    ref = _reference(rows.event, rows.controls())
    assert dev == pytest.approx(ref.deviance, rel=1e-9)
    np.testing.assert_allclose(params, ref.params, rtol=1e-5, atol=1e-7)


def test_several_dose_columns_match_statsmodels_with_their_standard_errors(rows):
    """The free distributed-lag model's shape: three dose columns, covariance from the Fisher information."""
    doses = np.column_stack([dose_covariate(rows.lagged_stock(h)) for h in (1.0, 3.0, 9.0)])
    res = _fit(rows, doses)
    ref = _reference(rows.event, np.column_stack([rows.controls(), doses]))
    assert res.deviance == pytest.approx(ref.deviance, rel=1e-9)
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(res.bse(), ref.bse, rtol=1e-5)


def test_weighted_rows_are_the_same_fit_as_the_rows_repeated():
    """A row with weight 3 counts as three identical rows (the premise of fitting on cells)."""
    rng = np.random.default_rng(0)
    n = 400
    controls = np.column_stack([np.ones(n), rng.random(n) < 0.4])
    x = rng.exponential(1.0, n)
    y = (rng.random(n) < 0.2).astype(float)
    w = rng.integers(1, 4, n)
    expanded = GroupedCloglog(np.repeat(y, w), np.repeat(controls, w, axis=0)).fit(np.repeat(x, w), tol=1e-13)
    weighted = GroupedCloglog(y, controls, weights=w).fit(x, tol=1e-13)
    np.testing.assert_allclose(weighted[0], expanded[0], rtol=1e-9)
    assert weighted[1] == pytest.approx(expanded[1], rel=1e-12)


def test_binary_control_patterns_are_numpy_uniques_rows():
    rng = np.random.default_rng(1)
    controls = np.column_stack([np.ones(5000)] + [rng.random(5000) < p for p in (0.1, 0.5, 0.7)]).astype(float)
    patterns, inverse = control_patterns(controls)
    ref_patterns, ref_inverse = np.unique(controls, axis=0, return_inverse=True)
    np.testing.assert_array_equal(patterns, ref_patterns)
    np.testing.assert_array_equal(inverse, ref_inverse.ravel())


def test_cells_count_every_row_once_and_keep_the_mean_stock(rows):
    patterns, inverse = rows.control_patterns()
    stock = rows.lagged_stock(3.0)
    cells = DoseCellGrid(inverse, rows.event, len(patterns))(stock)
    assert cells.count.sum() == rows.n_rows
    assert cells.count @ cells.hit == rows.n_events
    assert cells.count @ cells.stock == pytest.approx(stock.sum(), rel=1e-12)


@pytest.mark.parametrize("saturation", [7.5, 60.0, 960.0, np.inf])
def test_a_fit_on_cells_is_the_fit_on_rows_within_a_hundredth_of_a_deviance_point(rows, saturation):
    patterns, inverse = rows.control_patterns()
    stock = rows.lagged_stock(3.0)
    cells = DoseCellGrid(inverse, rows.event, len(patterns))(stock)
    on_cells = cells.fitter(patterns).fit(dose_covariate(cells.stock, saturation), tol=1e-12)
    on_rows = rows.fitter().fit(dose_covariate(stock, saturation), tol=1e-12)
    assert abs(on_cells[1] - on_rows[1]) < 0.01
    np.testing.assert_allclose(on_cells[0], on_rows[0], rtol=1e-3, atol=1e-4)


def test_the_profile_reads_its_estimate_from_fits_on_the_rows(rows):
    """Best half-life and interval equal a profile whose every point is fitted on the rows (to 1e-6)."""
    prof = profile_half_life(rows, grid=np.geomspace(0.5, 24.0, 20))
    assert prof.identified, prof.reason
    fitter = rows.fitter()
    sat = prof.saturation_grid_
    by_rows = np.array([
        min(fitter.fit(dose_covariate(rows.lagged_stock(h), s), tol=1e-12)[1] for s in sat) for h in prof.grid])
    from netanalysis.analysis.returns.carryover import _bound, _parabola_min

    i = int(np.argmin(by_rows))
    delta = by_rows - by_rows[i]
    best = float(np.exp(_parabola_min(np.log(prof.grid[i - 1:i + 2]), by_rows[i - 1:i + 2])))
    assert prof.best == pytest.approx(best, rel=1e-6)
    assert prof.ci[0] == pytest.approx(_bound(prof.grid, delta, "low"), rel=1e-6)
    assert prof.ci[1] == pytest.approx(_bound(prof.grid, delta, "high"), rel=1e-6)


def test_designs_on_two_threads_give_what_one_thread_gives(monkeypatch):
    """Each design depends only on the rows and its own seed: the evidence is the same run side by side."""
    from netanalysis.analysis.returns import evidence

    world = simulate_world(contacts=300, months=24, seed=4, half_life_months=3.0)
    results = []
    for threads in (1, 2):
        monkeypatch.setattr(evidence, "design_threads", lambda rows, n=threads: n)
        ev = evidence.assess_delayed_returns(hazard_rows(world_dataset(world)), n_boot=39, seed=3)
        results.append((ev.metrics(), {k: t.p_value for k, t in ev.windows.items()},
                        {k: (p.best, p.ci) for k, p in ev.window_profiles.items()}, ev.within_link.p_value))
    assert results[0] == results[1]


def test_a_fit_never_takes_a_step_that_raises_the_deviance():
    """From a start far off (every month's chance clipped near 1), no halving lowers the deviance: the fit stays
    where it started instead of taking the last, tiny step anyway."""
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.05).astype(float)
    x = rng.exponential(1.0, 400)
    fitter = GroupedCloglog(y, np.ones((400, 1)))
    start = np.array([30.0, 5.0])  # eta far above the clip at 4: the deviance is flat around the start
    start_dev, _ = fitter._deviance(start[:1], start[1:], x[:, None])
    params, dev = fitter.fit(x, start)
    assert dev <= start_dev
    calls = []

    def deviance_at(b):
        calls.append(b)
        return (10.0 + float(np.sum(b ** 2)), np.ones(3))  # every step away from 0 raises it

    from netanalysis.analysis.returns.hazard_fit import halving_step

    beta, new_dev, ee = halving_step(deviance_at, np.zeros(2), np.ones(2), 10.0)
    assert ee is None and new_dev == 10.0 and np.array_equal(beta, np.zeros(2)) and len(calls) == 15


def test_a_profile_fit_stranded_by_a_far_off_warm_start_starts_again(rows, monkeypatch):
    """Warm starts far off (the chance clipped near 1, where the deviance is flat) would strand a cell fit far
    above the controls-only deviance; the profile starts such a fit again, so its surface is the one fitted
    from the controls-only rate at every point."""
    from netanalysis.analysis.returns import carryover

    grid = np.geomspace(0.5, 24.0, 8)
    cold = profile_half_life(rows, grid=grid)
    monkeypatch.setattr(carryover, "_extrapolated", lambda start, before: None)
    from_rate = profile_half_life(rows, grid=grid)
    monkeypatch.setattr(carryover, "_extrapolated",
                        lambda start, before: None if start is None else np.r_[np.full(len(start) - 1, 30.0), 5.0])
    far_off = profile_half_life(rows, grid=grid)
    for prof in (cold, far_off):
        surface = prof.deviance_by_saturation_
        assert np.nanmax(surface) <= prof.deviance_no_stock + 1.0
        np.testing.assert_allclose(surface, from_rate.deviance_by_saturation_, rtol=1e-8)
    assert far_off.best == pytest.approx(from_rate.best, rel=1e-8)


def test_a_kinked_profile_reads_its_best_inside_its_own_interval():
    """Deviances 1000, 0, 10 around the minimum: the parabola's vertex (0.49 of a grid step up) lies past the
    3.84 crossing (0.384 of a step, by straight lines), so the grid's best is read and lies inside the interval.
    A smooth profile keeps the parabola's vertex."""
    from netanalysis.analysis.returns.carryover import HalfLifeProfile, _identified

    grid = np.geomspace(1.0, 64.0, 7)
    step = np.log(2.0)

    def read(deviance):
        prof = HalfLifeProfile(grid=grid, deviance=np.asarray(deviance, dtype=float), best=None, ci=(None, None),
                               beta=None, beta_ci=None, deviance_no_stock=None, n_units=1, n_rows=1, n_events=1)
        return _identified(prof, int(np.argmin(deviance)))

    kinked = read([3000, 2000, 1000, 0, 10, 40, 90])
    assert kinked.best == pytest.approx(8.0)
    assert kinked.ci[1] == pytest.approx(8.0 * np.exp(3.8414588 / 10 * step))  # chi2(1) 95%: 3.8414588
    assert kinked.ci[0] <= kinked.best <= kinked.ci[1]
    smooth = read([90, 40, 10, 0, 12, 40, 90])
    assert smooth.best == pytest.approx(8.0 * np.exp((10 - 12) / (2 * (10 + 12)) * step))  # the vertex, a bit down
    assert smooth.ci[0] <= smooth.best <= smooth.ci[1]

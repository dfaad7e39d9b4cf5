"""Lag shape (geometric or delayed) and the dose shape of the half-life profile.

Kernels are checked against weights worked out by hand on tiny inputs; the
fitted shapes against the simulator's known truth (`simulate_world`: a delayed
world whose hazard peaks 6 months after the time invested, the geometric
carryover world, a world with no link, and a world whose hazard is linear in
the stock).
"""


import numpy as np
import pytest
import statsmodels.api as sm

from netanalysis.analysis.returns.carryover import HazardRows, hazard_rows, profile_half_life
from netanalysis.analysis.returns.hazard_fit import GroupedCloglog
from netanalysis.analysis.returns.lag_shape import LagShapeFit, kernel_weights, lagged_minutes
from netanalysis.classroom.naive_readings import world_dataset
from netanalysis.simulate.world import simulate_world


def _rows(minutes, starts, event=None, tenure=None) -> HazardRows:
    minutes = np.asarray(minutes, dtype=float)
    n = len(minutes)
    starts = np.asarray(starts, dtype="int64")
    lengths = np.diff(np.append(starts, n))
    tenure = np.arange(n) - np.repeat(starts, lengths) if tenure is None else tenure
    return HazardRows(unit=np.repeat(np.arange(len(starts)), lengths).astype(object),
                      period=np.full(n, np.datetime64("2024-01-01")), minutes=minutes,
                      event=np.zeros(n) if event is None else np.asarray(event, dtype=float), tenure=tenure,
                      starts=starts)


# -- kernels by hand ---------------------------------------------------------

def test_geometric_kernel_by_hand():
    # half-life 1 month over lags 1..3: 1, 1/2, 1/4, normalised by 7/4
    np.testing.assert_allclose(kernel_weights("geometric", np.arange(1, 4), 1.0), [4 / 7, 2 / 7, 1 / 7])
    # half-life 2 months: 1, 2**-0.5, 1/2
    w = np.array([1.0, 2 ** -0.5, 0.5])
    np.testing.assert_allclose(kernel_weights("geometric", np.arange(1, 4), 2.0), w / w.sum())


def test_gamma_kernel_by_hand():
    # peak 2, sharpness 1: (l/2) * exp(1 - l/2) = 0.5 e^0.5, 1, 1.5 e^-0.5
    w = np.array([0.5 * np.exp(0.5), 1.0, 1.5 * np.exp(-0.5)])
    np.testing.assert_allclose(kernel_weights("gamma", np.arange(1, 4), 2.0, 1.0), w / w.sum())
    # peak 3, sharpness 2 over lags 1..5: largest weight at lag 3, and (1/3)^2 e^(2*2/3) at lag 1
    w = kernel_weights("gamma", np.arange(1, 6), 3.0, 2.0)
    assert int(np.argmax(w)) == 2
    raw = (np.arange(1, 6) / 3.0) ** 2 * np.exp(-2.0 * (np.arange(1, 6) / 3.0 - 1.0))
    assert w[0] == pytest.approx(raw[0] / raw.sum())


def test_delayed_adstock_kernel_by_hand():
    # Jin et al.: retention 0.5, peak 2 over lags 1..3: 0.5**1, 0.5**0, 0.5**1 -> 1/4, 1/2, 1/4
    np.testing.assert_allclose(kernel_weights("delayed_adstock", np.arange(1, 4), 2.0, 0.5), [0.25, 0.5, 0.25])


def test_single_sixty_minute_month_spreads_by_the_kernel():
    """One unit invests 60 minutes in its first month only; the covariate in month t is 60 * w_t."""
    rows = _rows([60.0, 0, 0, 0, 10.0, 0], starts=[0, 4])
    m = lagged_minutes(rows, max_lag=3)
    # unit a: months 0..3 see minutes 1, 2, 3 months back; unit b starts afresh at row 4
    np.testing.assert_array_equal(m.toarray(), [[0, 0, 0], [60, 0, 0], [0, 60, 0], [0, 0, 60], [0, 0, 0], [10, 0, 0]])
    x = m @ kernel_weights("geometric", np.arange(1, 4), 1.0)
    np.testing.assert_allclose(x, [0, 60 * 4 / 7, 60 * 2 / 7, 60 / 7, 0, 10 * 4 / 7])
    x = m @ kernel_weights("delayed_adstock", np.arange(1, 4), 2.0, 0.5)
    np.testing.assert_allclose(x, [0, 15, 30, 15, 0, 2.5])


def test_lagged_minutes_built_from_the_months_with_minutes_equal_the_dense_shifts():
    """Units shorter and longer than max_lag, months without minutes: the same sparse matrix, entry for entry
    and in the same order, as the dense array of shifted minutes."""
    from scipy import sparse

    from netanalysis.analysis.returns.carryover import _shift_within

    rng = np.random.default_rng(4)
    lengths = rng.integers(1, 30, 60)
    minutes = rng.exponential(40, lengths.sum()) * (rng.random(lengths.sum()) < 0.3)
    rows = _rows(minutes, starts=np.append(0, np.cumsum(lengths)[:-1]))
    got = lagged_minutes(rows, max_lag=18)
    dense = sparse.csr_matrix(np.column_stack([_shift_within(minutes, rows.starts, k) for k in range(1, 19)]))
    assert got.shape == dense.shape and got.nnz == dense.nnz
    np.testing.assert_array_equal(got.indptr, dense.indptr)
    np.testing.assert_array_equal(got.indices, dense.indices)
    np.testing.assert_array_equal(got.data, dense.data)

def test_grouped_fit_matches_statsmodels():
    rng = np.random.default_rng(3)
    n = 3000
    tenure = rng.integers(0, 30, n)
    rows = _rows(rng.exponential(60, n), starts=[0], tenure=tenure)
    controls = rows.controls()
    x = np.log1p(rows.minutes / 60)
    y = (rng.random(n) < 1 - np.exp(-np.exp(-3 + 0.5 * x + 0.3 * (tenure > 6)))).astype(float)
    params, dev = GroupedCloglog(y, controls).fit(x, tol=1e-13)
    ref = sm.GLM(y, np.column_stack([controls, x]),
                 family=sm.families.Binomial(link=sm.families.links.CLogLog())).fit(tol=1e-13, maxiter=200)
    assert dev == pytest.approx(ref.deviance, rel=1e-8)
    np.testing.assert_allclose(params, ref.params, rtol=1e-5, atol=1e-7)


# -- shapes against the simulator's truth -------------------------------------

def _fit_world(seed, contacts=1200, **kw):
    world = simulate_world(contacts=contacts, months=36, seed=seed, **kw)
    return LagShapeFit().fit(hazard_rows(world_dataset(world)))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_delayed_world_is_delayed_with_its_peak_at_six_months(seed):
    fit = _fit_world(seed, world="delayed", lag_peak_months=6.0)
    assert fit.shape_ == "delayed", fit.notes()
    assert 4.0 <= fit.peak_months_ <= 8.0
    lo, hi = fit.peak_ci_
    assert lo is not None and hi is not None and lo <= 6.0 <= hi
    m = fit.metrics()
    assert m["lag_shape"] == "delayed" and m["lag_peak_months_ci"] == [lo, hi] and m["lag_peak_months_n"] == 1200
    sentence = fit.sentence()
    assert f"**{fit.peak_months_:.0f} months** earlier" in sentence and "no half-life" in sentence
    # the fitted kernel's largest hazard ratio is at the peak month, and the figure draws it over the free lags
    curve = fit.kernel_curve()
    assert abs(int(curve.loc[curve["hazard_ratio_1h"].idxmax(), "months_earlier"]) - fit.peak_months_) <= 1
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert fit.plot(ax=ax) is fig and len(ax.lines) >= 1
    plt.close(fig)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_geometric_world_is_geometric_with_its_peak_in_the_first_month(seed):
    fit = _fit_world(seed, half_life_months=3.0)
    assert fit.shape_ == "geometric", fit.notes()
    assert 0.0 <= fit.peak_months_ <= 1.0
    assert fit.metrics()["lag_shape"] == "geometric"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_null_world_is_not_called_delayed(seed):
    fit = _fit_world(seed, world="null")
    assert fit.shape_ != "delayed"
    m = fit.metrics()
    assert m["lag_shape"] is None and m["lag_peak_months"] is None
    assert fit.notes() and fit.notes()[0].startswith("lag_shape:")


def test_too_few_outcomes_gives_no_shape_and_a_reason():
    rows = _rows(np.full(40, 30.0), starts=[0, 20], event=np.r_[1.0, np.zeros(39)])
    fit = LagShapeFit(max_lag=6).fit(rows)
    assert fit.shape_ is None and "won outcome" in fit.reason_
    assert fit.metrics()["lag_shape"] is None and fit.summary().empty
    assert "cannot say when returns arrive" in fit.sentence()
    fit.plot()  # an empty figure with a message, not an error
    with pytest.raises(RuntimeError, match="fit"):
        LagShapeFit().metrics()


# -- the dose shape of the half-life profile ----------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("dose", ["linear", "log1p"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_half_life_interval_covers_the_truth_for_either_dose(dose, seed):
    world = simulate_world(contacts=3000, months=36, seed=seed, half_life_months=4.0, dose=dose)
    prof = profile_half_life(hazard_rows(world_dataset(world)))
    assert prof.identified, prof.reason
    lo, hi = prof.ci
    assert lo is not None and hi is not None and lo <= 4.0 <= hi
    if dose == "linear":
        # the fixed log1p(stock/60) dose fits clearly worse than the dose found
        assert np.nanmin(prof.deviance_fixed_dose_) - np.nanmin(prof.deviance) > 3.84

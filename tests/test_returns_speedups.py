"""The shortcuts of the hazard-model code give the numbers of the plain computation."""

from __future__ import annotations

import numpy as np

from netanalysis.analysis.returns.carryover import STOCK_CACHE, HazardRows, _shift_within
from netanalysis.analysis.returns.link_test import _pooled


def _rows(seed=0, units=60, months=10):
    rng = np.random.default_rng(seed)
    n = units * months
    return HazardRows(unit=np.repeat(np.arange(units), months).astype(object),
                      period=np.tile(np.arange(months), units), minutes=rng.exponential(30, n) * (rng.random(n) < 0.4),
                      event=(rng.random(n) < 0.05).astype(float), tenure=np.tile(np.arange(months), units),
                      starts=np.arange(units) * months)


def test_lagged_stock_from_the_kept_stocks_is_the_recursion_by_hand():
    rows = _rows()
    d = 0.5 ** (1 / 2.0)
    by_hand = np.zeros(rows.n_rows)
    for u0 in rows.starts:
        s = 0.0
        for t in range(u0, u0 + 10):
            s = s * d + rows.minutes[t]
            by_hand[t] = s
    expected = _shift_within(by_hand, rows.starts, 2) * d  # gap of one month
    for _ in range(2):  # computed, then served from the kept stocks
        np.testing.assert_allclose(rows.lagged_stock(2.0, gap_months=1), expected, rtol=1e-12)
    for h in np.geomspace(0.5, 30, STOCK_CACHE + 5):
        rows.lagged_stock(h)
    assert len(rows._stocks) == STOCK_CACHE


def test_bootstrap_scores_from_the_drawn_wins_equal_the_dense_product():
    rows = _rows(seed=1)
    X = np.column_stack([np.log1p(rows.lagged_stock(h) / 60) for h in (1.0, 3.0, 9.0)])
    t_obs, t_boot = _pooled(X.T, (np.ones((1, 1)), np.zeros(rows.n_rows, dtype=int)), rows.event,
                            np.random.default_rng(5), 120)
    # the dense formula, same redraws: scores of (Y - mu) * ratio on the residualised, standardised stock
    rng = np.random.default_rng(5)
    p = rows.event.mean()
    ee = -np.log1p(-p)
    mu, ratio, w = p, ee / p, ee * ee * (1 - p) / p
    Xt = X - X.mean(axis=0)
    XtS = Xt / np.sqrt(w * (Xt ** 2).sum(axis=0))
    dense = np.concatenate([(XtS.T @ ((rng.random((rows.n_rows, k)) < mu) - mu) * ratio).max(axis=0)
                            for k in (50, 50, 20)])
    np.testing.assert_allclose(t_boot, dense, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(t_obs, XtS.T @ (rows.event - mu) * ratio, rtol=1e-6)


def test_controls_are_made_once_and_mark_the_calendar_years_of_utc_months():
    import pandas as pd

    period = pd.date_range("2023-11-01", periods=4, freq="MS", tz="UTC").to_numpy()  # Nov, Dec, Jan, Feb
    rows = HazardRows(unit=np.array(["a"] * 4, dtype=object), period=period, minutes=np.ones(4),
                      event=np.array([0, 1, 0, 0.0]), tenure=np.arange(4), starts=np.array([0]))
    X = rows.controls()
    assert rows.controls() is X and not X.flags.writeable
    # intercept, tenure 1-2, tenure 3-5, year 2024 (tenure bins from 6 on never occur: dropped)
    np.testing.assert_array_equal(X, [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 1], [1, 0, 1, 1]])
    assert rows.calendar_month().tolist() == [2023 * 12 + 11, 2023 * 12 + 12, 2024 * 12 + 1, 2024 * 12 + 2]


def _pooled_dense(X, Z, y, rng, n_boot):
    """The pooled link test's statistics with whole matrices: rows x half-lives, rows x controls, rows x redraws."""
    from netanalysis.analysis.returns.hazard_fit import GroupedCloglog

    params, _ = GroupedCloglog(y, Z).fit(None)
    ee = np.exp(np.clip(Z @ params, -40.0, 4.0))
    mu = np.clip(-np.expm1(-ee), 1e-15, 1 - 1e-15)
    ratio, W = ee / mu, ee * ee * (1.0 - mu) / mu
    ZW = Z * W[:, None]
    Xt = X - Z @ np.linalg.solve(ZW.T @ Z, ZW.T @ X)
    XtS = Xt / np.sqrt(np.einsum("ij,i,ij->j", Xt, W, Xt))
    t_obs = XtS.T @ ((y - mu) * ratio)
    t_boot = np.concatenate([(XtS.T @ (((rng.random((len(y), k)) < mu[:, None]) - mu[:, None]) * ratio[:, None]))
                             .max(axis=0) for k in [50] * (n_boot // 50) + [n_boot % 50]])
    return t_obs, t_boot


def test_pooled_link_test_by_columns_and_row_slices_equals_the_dense_matrices(monkeypatch):
    """Covariates read a column at a time, controls as patterns, uniforms drawn a few rows at a time: the same
    statistics as the whole rows x half-lives, rows x controls and rows x redraws matrices."""
    from netanalysis.analysis.returns import link_test

    monkeypatch.setattr(link_test, "DRAW_ROWS", 37)  # many slices of rows per block of redraws
    rows = _rows(seed=2, units=80, months=14)
    rows.tenure = np.tile(np.arange(14), 80)
    rows.period = np.tile(np.arange("2023-06", "2024-08", dtype="datetime64[M]").astype("datetime64[ns]"), 80)
    columns = link_test.StockColumns(rows, np.array([0.5, 2.0, 8.0]), 0, link_test.stock_transform)
    X = np.column_stack([columns[j] for j in range(3)])
    Z = rows.controls()
    assert Z.shape[1] >= 4  # intercept, tenure bins and a second calendar year
    t_obs, t_boot = link_test._pooled(columns, rows.control_patterns(), rows.event, np.random.default_rng(9), 130)
    ref_obs, ref_boot = _pooled_dense(X, Z, rows.event, np.random.default_rng(9), 130)
    np.testing.assert_allclose(t_obs, ref_obs, rtol=1e-9)
    np.testing.assert_allclose(t_boot, ref_boot, rtol=1e-9, atol=1e-12)


def test_within_controls_at_some_rows_are_those_rows_of_all_the_controls():
    from netanalysis.analysis.returns.within_contact import within_controls

    rows = _rows(seed=3, units=30, months=14)
    rows.tenure = np.tile(np.arange(14), 30)
    rows.period = np.tile(np.arange("2023-06", "2024-08", dtype="datetime64[M]").astype("datetime64[ns]"), 30)
    at = np.flatnonzero(np.random.default_rng(0).random(rows.n_rows) < 0.2)
    whole = within_controls(rows)
    assert whole.shape == (rows.n_rows, 5 + 13)  # five tenure bins after month 0, 13 months after the first
    np.testing.assert_array_equal(within_controls(rows, at=at), whole[at])


def test_opened_rows_mark_the_same_unit_months_as_a_set_of_keys(simulated_dataset):
    """Wins dated by their opening month: the months marked are those of a plain set of (unit, month) keys."""
    import pandas as pd

    from netanalysis.analysis.returns.carryover import hazard_rows
    from netanalysis.analysis.returns.evidence import opened_rows
    from netanalysis.dataset import Dataset

    ds = simulated_dataset(contacts=300, months=24, seed=6)
    outcomes = ds.outcomes.copy()
    days = np.random.default_rng(0).integers(0, 200, len(outcomes))
    outcomes["opened_at"] = outcomes["timestamp"] - pd.to_timedelta(days, unit="D")
    ds = Dataset(ds.contacts, ds.interactions, outcomes)
    rows = hazard_rows(ds)
    got, cycle = opened_rows(ds, rows)
    won = outcomes[outcomes["status"] == "won"]
    keys = {(u, t.year * 12 + t.month) for u, t in zip(won["contact_id"].astype(str), won["opened_at"])}
    period = pd.DatetimeIndex(pd.to_datetime(rows.period, utc=True))
    expected = [float((str(u), y * 12 + m) in keys) for u, y, m in zip(rows.unit, period.year, period.month)]
    assert got.event.tolist() == expected and 0 < sum(expected) < len(won)
    assert cycle == round(float(np.median((won["timestamp"] - won["opened_at"]).dt.days / 30.4375)))


def _pooled_drawn_matrix(X, patterns, y, rng, n_boot):
    """The pooled statistics as the link test first computed them: every column read at the drawn rows into one
    (drawn pairs x half-lives) matrix, summed per redraw at the end."""
    from netanalysis.analysis.returns.hazard_fit import GroupedCloglog
    from netanalysis.analysis.returns.link_test import _drawn_wins, _PatternProjection, _standardise

    params, _ = GroupedCloglog(y, None, patterns).fit(None)
    ee = np.exp(np.clip((patterns[0] @ params)[patterns[1]], -40.0, 4.0))
    mu = np.clip(-np.expm1(-ee), 1e-15, 1 - 1e-15)
    ratio, W = ee / mu, ee * ee * (1.0 - mu) / mu
    drawn, redraw = _drawn_wins(mu, rng, n_boot)
    project = _PatternProjection(patterns, W)
    m = len(X)
    info, t_obs, expected, at_drawn = np.empty(m), np.empty(m), np.empty(m), np.empty((len(drawn), m))
    for j in range(m):
        xt = project.residual(X[j])
        info[j], t_obs[j], expected[j] = np.dot(xt * W, xt), xt @ ((y - mu) * ratio), xt @ (mu * ratio)
        at_drawn[:, j] = xt[drawn]
    scale, ok = _standardise(info)
    per_win = (at_drawn * scale)[:, ok] * ratio[drawn][:, None]
    sums = np.column_stack([np.bincount(redraw, per_win[:, j], minlength=n_boot) for j in range(per_win.shape[1])])
    return t_obs * scale, (sums - expected[ok] * scale[ok]).max(axis=1)


def test_pooled_tests_of_every_gap_share_one_null_fit_and_give_each_gap_s_own_test_exactly():
    """One null fit and one set of redraws for the tests at gaps 0..3: bit for bit the statistics of a test per
    gap, each computed from its own null fit and redraws as the drawn-rows matrix."""
    from netanalysis.analysis.returns import link_test

    rows = _rows(seed=4, units=120, months=16)
    rows.tenure = np.tile(np.arange(16), 120)
    rows.period = np.tile(np.arange("2023-06", "2024-10", dtype="datetime64[M]").astype("datetime64[ns]"), 120)
    grid = np.array([0.5, 1.5, 4.0, 12.0])
    shared = link_test.pooled_link_tests(rows, (3, 0, 1, 2, 1), grid=grid, n_boot=99, seed=7)
    assert sorted(shared) == [0, 1, 2, 3]
    for k, test in shared.items():
        assert test == link_test.link_test(rows, "pooled", gap_months=k, grid=grid, n_boot=99, seed=7)
        columns = link_test.StockColumns(rows, grid, k, link_test.stock_transform)
        t_obs, t_boot = _pooled_drawn_matrix(columns, rows.control_patterns(), rows.event,
                                             np.random.default_rng(7), 99)
        assert test.statistic == np.max(t_obs)
        assert test.p_value == (1 + np.sum(t_boot >= test.statistic - 1e-12)) / 100
    assert 0.05 < shared[0].p_value < 1  # no link in this world: the redraws' statistics are what decide
    t_obs, t_boot = link_test._pooled(link_test.StockColumns(rows, grid, 2, link_test.stock_transform),
                                      rows.control_patterns(), rows.event, np.random.default_rng(7), 99)
    ref_obs, ref_boot = _pooled_drawn_matrix(link_test.StockColumns(rows, grid, 2, link_test.stock_transform),
                                             rows.control_patterns(), rows.event, np.random.default_rng(7), 99)
    np.testing.assert_array_equal(t_obs, ref_obs)
    np.testing.assert_array_equal(t_boot, ref_boot)


def test_lagged_stock_with_the_kept_places_is_the_shift_by_hand():
    rows = _rows(seed=5, units=7, months=6)
    stock = rows.lagged_stock(2.0, gap_months=2)
    d = 0.5 ** (1 / 2.0)
    for u0 in rows.starts:
        s, by_hand = 0.0, []
        for t in range(u0, u0 + 6):
            s = s * d + rows.minutes[t]
            by_hand.append(s)
        expected = np.r_[np.zeros(3), np.array(by_hand[:3]) * d ** 2]  # end of month t-3, carried two months
        np.testing.assert_allclose(stock[u0:u0 + 6], expected, rtol=1e-13)
    assert rows.place().tolist() == list(range(6)) * 7


def test_within_link_test_from_the_patterned_null_fit_is_the_row_by_row_one(monkeypatch):
    """The within design's null fit from the controls' patterns: the row-by-row Newton fit's statistic (to
    rounding) and the same redraws, so the same p-value."""
    from netanalysis.analysis.returns import link_test
    from netanalysis.analysis.returns.within_contact import WithinDesign, forget_within_design
    from netanalysis.analysis.returns.within_fit import fit_conditional_poisson

    rows = _rows(seed=6, units=150, months=16)
    rows.tenure = np.tile(np.arange(16), 150)
    rows.period = np.tile(np.arange("2023-06", "2024-10", dtype="datetime64[M]").astype("datetime64[ns]"), 150)
    fast = link_test.link_test(rows, "within", n_boot=99, seed=3)
    forget_within_design(rows)

    def row_by_row(design):
        return fit_conditional_poisson(design.groups, design.controls())

    monkeypatch.setattr(WithinDesign, "null_fit", row_by_row)
    slow = link_test.link_test(rows, "within", n_boot=99, seed=3)
    assert 0.05 < slow.p_value < 1 and fast.p_value == slow.p_value
    assert fast.best_half_life == slow.best_half_life
    np.testing.assert_allclose(fast.statistic, slow.statistic, rtol=1e-9)


def test_stock_from_the_kept_layout_is_the_panel_s_stock_bit_for_bit():
    from netanalysis.analysis.returns.carryover import _place
    from netanalysis.panel.build import StockLayout, _stock

    rng = np.random.default_rng(8)
    lengths = rng.integers(1, 30, 200)
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    minutes = rng.exponential(40, lengths.sum()) * (rng.random(lengths.sum()) < 0.3)
    layout = StockLayout(minutes, lengths, _place(starts, len(minutes)))
    for half_life in (0.25, 1.0, 3.7, 36.0):
        d = 0.5 ** (1 / half_life)
        np.testing.assert_array_equal(layout(d), _stock(minutes, starts, d))
    assert StockLayout(np.zeros(0), np.zeros(0, dtype=int), np.zeros(0, dtype=int))(0.5).shape == (0,)


def test_pattern_sums_of_several_dose_columns_are_the_bincounts_bit_for_bit():
    from netanalysis.analysis.returns.hazard_fit import GroupedCloglog

    rng = np.random.default_rng(11)
    n = 5000
    controls = np.column_stack([np.ones(n), rng.random((n, 3)) < 0.4]).astype(float)
    x = rng.exponential(1.0, (n, 4)) * (rng.random((n, 4)) < 0.3)
    fitter = GroupedCloglog((rng.random(n) < 0.05).astype(float), controls)
    ee = np.exp(rng.normal(-3, 0.5, n))
    score, info = fitter._score_info(ee.copy(), x)
    mu = -np.expm1(-ee)
    w = ee * (ee / mu) * (1.0 - mu)
    wx = x * w[:, None]
    by_bincount = np.column_stack([np.bincount(fitter.group, wx[:, j], minlength=len(fitter.patterns))
                                   for j in range(4)])
    k = fitter.k
    np.testing.assert_array_equal(info[:k, k:], fitter.patterns.T @ by_bincount)
    np.testing.assert_array_equal(info[k:, k:], wx.T @ x)


def test_lagged_stock_is_the_shifted_panel_stock_bit_for_bit_with_units_shorter_than_the_gap():
    from netanalysis.analysis.returns.carryover import decay_per_month
    from netanalysis.panel.build import _stock

    rng = np.random.default_rng(12)
    lengths = rng.integers(1, 9, 60)
    n = int(lengths.sum())
    rows = HazardRows(unit=np.repeat(np.arange(60), lengths).astype(object), period=np.zeros(n), event=np.zeros(n),
                      minutes=rng.exponential(30, n) * (rng.random(n) < 0.5), tenure=np.zeros(n, dtype=int),
                      starts=np.r_[0, np.cumsum(lengths)[:-1]])
    for half_life in (0.5, 3.0):
        d = decay_per_month(half_life)
        for gap in range(4):
            expected = _shift_within(_stock(rows.minutes, rows.starts, d), rows.starts, 1 + gap) * d ** gap
            np.testing.assert_array_equal(rows.lagged_stock(half_life, gap), expected)
    tiny = HazardRows(unit=np.array(["a", "b"], dtype=object), period=np.zeros(2), minutes=np.array([5.0, 7.0]),
                      event=np.zeros(2), tenure=np.zeros(2, dtype=int), starts=np.array([0, 1]))
    assert tiny.lagged_stock(1.0, 3).tolist() == [0.0, 0.0]


def test_within_probabilities_are_each_unit_s_softmax_bit_for_bit():
    from netanalysis.analysis.returns.within_fit import UnitGroups, within_probabilities

    rng = np.random.default_rng(13)
    lengths = rng.integers(1, 12, 80)
    code = np.repeat(np.arange(80), lengths)
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    g = UnitGroups(keep=np.arange(len(code)), code=code, starts=starts, n_events=np.ones(80), y=np.zeros(len(code)))
    eta = rng.normal(0, 3, len(code))
    top = np.maximum.reduceat(eta, starts)
    e = np.exp(eta - top[code])
    np.testing.assert_array_equal(within_probabilities(g, eta), e / np.add.reduceat(e, starts)[code])


def test_within_redraws_drawn_a_block_at_a_time_are_the_redraw_by_redraw_draws():
    """`_drawn_within` against the plain loop: one `rng.random(n_won)` per redraw, each won month moved to the
    row of its unit where its uniform falls among the unit's cumulative chances."""
    from netanalysis.analysis.returns.link_test import _drawn_within
    from netanalysis.analysis.returns.within_fit import unit_groups, within_probabilities

    rows = _rows(seed=9, units=80, months=12)
    g = unit_groups(rows)
    p = within_probabilities(g, np.random.default_rng(1).normal(0, 1, len(g.keep)))
    n_boot = 123  # blocks of 50, 50 and 23
    got = np.concatenate([d for _, d in _drawn_within(p, g, np.random.default_rng(4), n_boot)])
    rng = np.random.default_rng(4)
    lengths = np.diff(np.append(g.starts, len(p)))
    expected = []
    for _ in range(n_boot):
        drawn, k = [], 0
        u_all = rng.random(int(g.n_events.sum()))  # one uniform per won month, the units' in order
        for unit, n_won in enumerate(g.n_events.astype(int)):
            cum = np.cumsum(p[g.starts[unit]:g.starts[unit] + lengths[unit]])
            for _ in range(n_won):
                drawn.append(g.starts[unit] + min(int(np.searchsorted(cum, u_all[k], side="right")), lengths[unit] - 1))
                k += 1
        expected.append(drawn)
    assert got.shape == (n_boot, g.n_events.sum()) and g.n_groups > 10
    np.testing.assert_array_equal(got, np.array(expected))


def test_a_redrawn_outcome_gives_the_test_of_fresh_rows_with_that_outcome():
    """`ScoreTest.test(y)` (the redraw's rows share what the rows alone make) equals the test of new rows whose
    outcome is y (everything made afresh)."""
    from netanalysis.analysis.returns.link_test import ScoreTest, link_test

    rows = _rows(seed=10, units=120, months=14)
    rows.period = np.tile(np.arange("2023-06", "2024-08", dtype="datetime64[M]").astype("datetime64[ns]"), 120)
    score = ScoreTest(rows, "within")
    for i in range(3):
        y = (np.random.default_rng(20 + i).random(rows.n_rows) < 0.06).astype(float)
        fresh = HazardRows(unit=rows.unit, period=rows.period, minutes=rows.minutes.copy(), event=y,
                           tenure=rows.tenure, starts=rows.starts)
        got, expected = score.test(y, n_boot=49, seed=i), link_test(fresh, "within", n_boot=49, seed=i)
        assert got.p_value is not None and (got.p_value, got.statistic, got.n_units) == (
            expected.p_value, expected.statistic, expected.n_units)


def test_kept_columns_give_the_tests_of_columns_made_afresh(monkeypatch):
    """A `ScoreTest` keeps each half-life's column for the next outcome vector on small rows, and makes it again
    for each test above the bound: the same statistics and p-values, both designs, several outcome vectors."""
    from netanalysis.analysis.returns import link_test

    rows = _rows(seed=11, units=120, months=14)
    rows.period = np.tile(np.arange("2023-06", "2024-08", dtype="datetime64[M]").astype("datetime64[ns]"), 120)
    ys = [(np.random.default_rng(30 + i).random(rows.n_rows) < 0.06).astype(float) for i in range(3)]
    for design in ("pooled", "within"):
        kept = link_test.ScoreTest(rows, design)
        assert kept.X.kept is not None
        got = [kept.test(y, n_boot=49, seed=i) for i, y in enumerate(ys)]
        assert len(kept.X.kept) == len(link_test.LINK_GRID) and not kept.X[0].flags.writeable
        monkeypatch.setattr(link_test, "KEEP_COLUMNS_VALUES", rows.n_rows * len(link_test.LINK_GRID) - 1)
        afresh = link_test.ScoreTest(rows, design)
        assert afresh.X.kept is None
        expected = [afresh.test(y, n_boot=49, seed=i) for i, y in enumerate(ys)]
        monkeypatch.undo()
        assert [g.p_value for g in got] == [e.p_value for e in expected] and got[0].p_value is not None
        assert [(g.statistic, g.best_half_life, g.n_units) for g in got] == [
            (e.statistic, e.best_half_life, e.n_units) for e in expected]


def test_drawn_wins_in_slices_of_rows_are_the_wins_of_each_block_s_uniforms(monkeypatch):
    """The pooled redraws' wins, drawn a slice of rows at a time into one buffer: those of
    ``rng.random((rows, k)) < mu`` for each block of k <= 50 redraws, in order of row within each block."""
    from netanalysis.analysis.returns import link_test

    monkeypatch.setattr(link_test, "DRAW_ROWS", 97)  # several slices of rows, the last one shorter
    mu = np.random.default_rng(3).random(1000) * 0.05
    drawn, redraw = link_test._drawn_wins(mu, np.random.default_rng(8), 120)
    rng, expected = np.random.default_rng(8), []
    for lo, k in ((0, 50), (50, 50), (100, 20)):
        blocks = [np.argwhere(rng.random((min(r0 + 97, 1000) - r0, k)) < mu[r0:r0 + 97, None]) + [r0, lo]
                  for r0 in range(0, 1000, 97)]
        expected.append(np.concatenate(blocks))
    expected = np.concatenate(expected)
    assert len(drawn) > 1000
    np.testing.assert_array_equal(np.column_stack([drawn, redraw]), expected)

"""The splitters, the bootstrap over units and the ranking metrics, checked by hand and against scikit-learn."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from netanalysis.analysis.predict.validation import (
    RollingOriginSplit,
    holdout_split,
    interval,
    ranking_metrics,
    unit_resample_weights,
)


def months(*labels):
    return pd.Series(pd.to_datetime([f"{m}-01" for m in labels], utc=True))


def test_holdout_split_by_hand():
    # Two units over January..June; horizon 2, the last 2 labelled months are held out.
    periods = months("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06",
                     "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07")
    labelled = [True] * 5 + [True] + [True] * 5 + [False]  # July has no complete window
    train, test, first = holdout_split(periods, labelled, horizon_months=2, test_months=2)
    # Labelled months run to June, so the test months are May and June; training windows
    # (t, t+1) must end before May: t + 2 <= May, i.e. January..March.
    assert first == pd.Timestamp("2025-05-01", tz="UTC")
    assert list(np.flatnonzero(test)) == [4, 5, 9, 10]
    assert list(np.flatnonzero(train)) == [0, 1, 2, 6, 7]


def test_holdout_split_without_labels():
    train, test, first = holdout_split(months("2025-01"), [False], 6)
    assert not train.any() and not test.any() and first is None


def test_rolling_origin_split_by_hand():
    periods = months("2025-01", "2025-02", "2025-03", "2025-04", "2025-05",
                     "2025-03", "2025-04", "2025-05")
    units = ["a"] * 5 + ["b"] * 3
    s = RollingOriginSplit(n_splits=2, horizon_months=2, test_months=1)
    folds = [(list(tr), list(te)) for tr, te in s.split(periods, units)]
    # Origins April and May. April: test = April rows (3, 6); train = t + 2 <= April: Jan, Feb (a only).
    # May: test = May rows (4, 7); train = Jan..Mar of a and March of b.
    assert folds == [([0, 1], [3, 6]), ([0, 1, 2, 5], [4, 7])]
    for tr, te in folds:  # for every unit, training windows close before its first test month
        for u in set(units):
            tr_u = [periods[i] for i in tr if units[i] == u]
            te_u = [periods[i] for i in te if units[i] == u]
            if tr_u and te_u:
                assert max(tr_u) + pd.DateOffset(months=2) <= min(te_u)


def test_rolling_origin_split_with_disjoint_units():
    periods = months("2025-01", "2025-02", "2025-03", "2025-01", "2025-02")
    units = ["a", "a", "a", "b", "b"]
    s = RollingOriginSplit(n_splits=1, horizon_months=1, disjoint_units=True)
    # Origin March: only unit a has a March row, so a leaves training; b's January and February remain.
    assert [(list(tr), list(te)) for tr, te in s.split(periods, units)] == [([3, 4], [2])]


def test_ranking_metrics_match_scikit_learn_with_ties_and_weights():
    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.15).astype(float)
    score = np.round(rng.normal(size=400) + y, 1)  # many ties
    w = rng.integers(0, 4, 400).astype(float)
    auc, ap = ranking_metrics(y, score, np.vstack([np.ones(400), w]))
    assert auc[0] == pytest.approx(roc_auc_score(y, score))
    assert auc[1] == pytest.approx(roc_auc_score(y, score, sample_weight=w))
    assert ap[0] == pytest.approx(average_precision_score(y, score))
    assert ap[1] == pytest.approx(average_precision_score(y, score, sample_weight=w))


def test_ranking_metrics_by_hand():
    # Positives scored 3 and 1, negatives 2 and 1: pairs (3>2) 1, (3>1) 1, (1<2) 0, (1=1) 0.5 -> 2.5/4.
    auc, _ = ranking_metrics([1, 0, 1, 0], [3, 2, 1, 1], np.ones((1, 4)))
    assert auc[0] == pytest.approx(0.625)
    auc, ap = ranking_metrics([0, 0], [1, 2], np.ones((1, 2)))
    assert np.isnan(auc[0]) and np.isnan(ap[0])


def test_resampling_keeps_a_units_rows_together():
    units = ["a", "a", "b", "c", "c", "c"]
    W = unit_resample_weights(units, n_boot=50, seed=1)
    assert W.shape == (50, 6)
    assert (W[:, 0] == W[:, 1]).all() and (W[:, 3] == W[:, 5]).all()
    # Three units drawn three times: the unit draws per resample add up to 3.
    assert (W[:, 0] + W[:, 2] + W[:, 3] == 3).all()
    assert np.array_equal(W, unit_resample_weights(units, n_boot=50, seed=1))


def test_interval_needs_enough_valid_resamples():
    assert interval(np.r_[np.arange(100.0)]) == pytest.approx((2.475, 96.525))
    assert all(np.isnan(interval(np.r_[np.full(95, np.nan), np.arange(5.0)])))

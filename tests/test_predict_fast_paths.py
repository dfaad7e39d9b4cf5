"""The prediction's fast paths give the same results as straightforward references on a small world."""

import numpy as np
import pandas as pd
import pytest
from predict_reference import check_shifted_labels_reference

from netanalysis.analysis.predict.features import feature_table
from netanalysis.analysis.predict.validation import LeakageError, check_shifted_labels
from netanalysis.dates import parse_as_of


@pytest.fixture(scope="module")
def table(simulated_dataset):
    return feature_table(simulated_dataset(contacts=400, months=36, seed=7), as_of=parse_as_of("2025-12-31"))


def verdict(check, table, cols):
    """The guard's message, or None when it passes."""
    try:
        check(table, cols, "contact_id", 6)
    except LeakageError as e:
        return str(e)
    return None


def leaky_variants(table):
    """Honest features plus leaks of every kind the guard must name: label copies at several shifts, a perfect
    ranking with gaps (NaN, inf) in it, a flipped copy, and a column too short to judge."""
    t = table.copy()
    by_unit = t.groupby("contact_id")["label"]
    noise = np.random.default_rng(0).random(len(t))
    t["peek_0"] = by_unit.shift(0)
    t["peek_3"] = by_unit.shift(-3)
    t["past_6"] = by_unit.shift(6)  # a window that is over: allowed
    t["flipped"] = 1 - by_unit.shift(-1)
    t["ranks"] = 5 * t["label"] + noise
    t.loc[t.index[::7], "ranks"] = np.inf
    t.loc[t.index[::11], "ranks"] = np.nan
    t["rare"] = np.where(t["label"].notna() & (t.index < 50), t["label"], np.nan)
    return t, ["peek_0", "peek_3", "past_6", "flipped", "ranks", "rare"]


def test_shifted_label_guard_matches_the_reference(table):
    cols = table.attrs["feature_columns"]
    assert verdict(check_shifted_labels, table, cols) is None
    assert verdict(check_shifted_labels_reference, table, cols) is None
    leaky, extra = leaky_variants(table)
    fast = verdict(check_shifted_labels, leaky, cols + extra)
    assert fast == verdict(check_shifted_labels_reference, leaky, cols + extra)
    for name in ["peek_0", "peek_3", "flipped", "ranks"]:
        assert name in fast
    assert "past_6" not in fast and "rare" not in fast


def test_shifted_label_guard_with_rows_out_of_order_and_duplicated(table):
    leaky, extra = leaky_variants(table)
    shuffled = leaky.sample(frac=1.0, random_state=3)
    doubled = pd.concat([shuffled, shuffled.iloc[:500]])  # a repeated (unit, month): its first row counts
    for t in (shuffled, doubled):
        assert verdict(check_shifted_labels, t, extra) == verdict(check_shifted_labels_reference, t, extra)


# -- the held-out evaluation -------------------------------------------------
@pytest.fixture(scope="module")
def held_out(table):
    """The logistic regression fitted on the held-out window's training rows, and the held-out rows."""
    from netanalysis.analysis.predict.models import logistic_regression
    from netanalysis.analysis.predict.validation import holdout_split

    train, test, _ = holdout_split(table["period"], table["label"].notna(), 6, 3)
    cols = table.attrs["feature_columns"]
    model = logistic_regression().fit(table.loc[train, cols], table.loc[train, "label"].to_numpy())
    return model, table.loc[test, cols], table.loc[test, "label"].to_numpy()


def test_permutation_importance_matches_scikit_learn_exactly(held_out):
    from sklearn.inspection import permutation_importance

    from netanalysis.analysis.predict.importance import _auc_scorer, auc_importance

    model, X, y = held_out
    for seed in (0, 5):
        ref = permutation_importance(model, X, y, scoring=_auc_scorer, n_repeats=5, random_state=seed)
        mean, std = auc_importance(model, X, y, n_repeats=5, seed=seed)
        assert np.array_equal(mean, ref.importances_mean) and np.array_equal(std, ref.importances_std)
    assert (mean != 0).any()  # shuffles that change nothing would make the comparison empty


def test_permutation_importance_of_other_models_goes_through_scikit_learn(held_out):
    from sklearn.inspection import permutation_importance

    from netanalysis.analysis.predict.importance import _auc_scorer, auc_importance
    from netanalysis.analysis.predict.models import gradient_boosting

    _, X, y = held_out
    model = gradient_boosting().fit(X, y)
    ref = permutation_importance(model, X, y, scoring=_auc_scorer, n_repeats=2, random_state=1)
    assert np.array_equal(auc_importance(model, X, y, n_repeats=2, seed=1)[0], ref.importances_mean)


def test_ranking_metrics_by_unit_equal_the_row_by_row_weights_and_scikit_learn():
    """Draw counts by unit give what the weights spelled out row by row give, and both are scikit-learn's
    weighted ROC AUC and average precision, resample by resample (whole and fractional weights)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from netanalysis.analysis.predict.validation import ranking_metrics, unit_resample_counts, unit_resample_weights

    rng = np.random.default_rng(2)
    units = rng.choice([f"u{k}" for k in range(60)], 500)
    y = (rng.random(500) < 0.2).astype(float)
    score = np.round(rng.normal(size=500) + y, 1)  # ties
    counts, unit_of_row = unit_resample_counts(units, n_boot=30, seed=4)
    row_weights = unit_resample_weights(units, n_boot=30, seed=4)
    by_unit = ranking_metrics(y, score, counts, unit_of_row)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(by_unit, ranking_metrics(y, score, row_weights)))
    assert np.isfinite(by_unit[0]).all()
    fractional = rng.random((7, 500))  # weights that are not whole numbers, in a group smaller than the batch
    for weights, (auc, ap) in [(row_weights, by_unit), (fractional, ranking_metrics(y, score, fractional))]:
        np.testing.assert_allclose(auc, [roc_auc_score(y, score, sample_weight=w) for w in weights], rtol=1e-12)
        np.testing.assert_allclose(ap, [average_precision_score(y, score, sample_weight=w) for w in weights],
                                   rtol=1e-12)


def test_models_are_fitted_once_per_training_window_and_shared(table):
    from netanalysis.analysis.predict.fits import WindowFits
    from netanalysis.analysis.predict.holdout import evaluate_holdout, rolling_origin_auc

    fits = WindowFits(table, seed=0)
    shared = (evaluate_holdout(table, n_boot=30, fits=fits), rolling_origin_auc(table, fits=fits))
    alone = (evaluate_holdout(table, n_boot=30), rolling_origin_auc(table))
    pd.testing.assert_frame_equal(shared[0].table, alone[0].table, check_exact=True)
    pd.testing.assert_frame_equal(shared[0].importance, alone[0].importance, check_exact=True)
    pd.testing.assert_frame_equal(shared[1], alone[1], check_exact=True)
    # Four origins and the held-out window, whose training rows are those of the third origin: 4 windows, 2 models.
    assert alone[1]["origin"].nunique() == 4
    assert len(fits._fitted) == 2 * 4


def test_data_already_known_at_the_cut_is_not_copied(simulated_dataset):
    from netanalysis.analysis.predict.features import known_at
    from netanalysis.dataset import Dataset

    ds = simulated_dataset(contacts=400, months=36, seed=7)
    cut = parse_as_of("2025-06-30")
    early = known_at(ds, cut)
    assert early is not ds and early.last_timestamp <= cut
    assert known_at(early, cut) is early  # contacts first seen later, but met in a record before the cut, stay
    for name in ("contacts", "interactions", "outcomes"):
        pd.testing.assert_frame_equal(getattr(early.until(cut), name), getattr(early, name))
    # A contact first seen after the cut and in no record is one `until` drops, so the data is cut again.
    stranger = early.contacts.iloc[:1].assign(contact_id="later", first_seen=pd.Timestamp("2025-09-01", tz="UTC"))
    more = Dataset.from_frames(pd.concat([early.contacts, stranger], ignore_index=True), early.interactions,
                               early.outcomes, check=False)
    assert "later" not in set(known_at(more, cut).contacts["contact_id"])


def test_ranking_metrics_at_positive_thresholds_equal_the_row_by_row_sums_exactly():
    """Many resamples go through the sums by unit at thresholds holding a positive row; one resample at a time
    goes row by row over every group of ties. With whole-number weights both are exact, so they agree to the
    bit; with fractional weights both are scikit-learn's numbers."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from netanalysis.analysis.predict.validation import ranking_metrics, unit_resample_counts

    rng = np.random.default_rng(5)
    units = rng.choice([f"u{k}" for k in range(80)], 3000)
    y = (rng.random(3000) < 0.1).astype(float)
    for score in (np.round(rng.normal(size=3000) + y, 1), rng.normal(size=3000) + y, np.zeros(3000)):
        counts, unit_of_row = unit_resample_counts(units, n_boot=40, seed=1)
        W = np.vstack([np.ones(counts.shape[1]), counts])
        together = ranking_metrics(y, score, W, unit_of_row)
        one_by_one = [ranking_metrics(y, score, w[None, :], unit_of_row) for w in W]
        assert np.array_equal(together[0], [a[0][0] for a in one_by_one], equal_nan=True)
        assert np.array_equal(together[1], [a[1][0] for a in one_by_one], equal_nan=True)
    fractional = rng.random((12, 3000))
    auc, ap = ranking_metrics(y, score := np.round(rng.normal(size=3000) + y, 1), fractional)
    np.testing.assert_allclose(auc, [roc_auc_score(y, score, sample_weight=w) for w in fractional], rtol=1e-12)
    np.testing.assert_allclose(ap, [average_precision_score(y, score, sample_weight=w) for w in fractional],
                               rtol=1e-12)
    no_positive = ranking_metrics(np.zeros(50), rng.normal(size=50), np.ones((10, 50)))
    assert np.isnan(no_positive[0]).all() and np.isnan(no_positive[1]).all()


def test_distinct_row_codes_match_grouping_and_survive_hash_collisions(monkeypatch):
    """Codes are equal exactly when rows are equal (NaN equal to NaN), as pandas' grouping says; with pandas'
    row hash stubbed to make every row collide, rows that differ still keep codes of their own."""
    from netanalysis.analysis.predict.fits import distinct_row_codes

    rng = np.random.default_rng(3)
    values = rng.integers(0, 3, (400, 4)).astype(float)
    values[rng.random(400) < 0.1, 2] = np.nan

    def same_partition(codes):
        ref = pd.DataFrame(values).groupby(list(range(4)), dropna=False, sort=False).ngroup().to_numpy()
        return len(np.unique(codes)) == len(np.unique(ref)) and len(np.unique(codes * 1000 + ref)) == len(np.unique(ref))

    assert same_partition(distinct_row_codes(values))
    monkeypatch.setattr(pd.util, "hash_array", lambda a, **kw: np.zeros(len(a), dtype="uint64"))
    codes = distinct_row_codes(values)
    for c in np.unique(codes):  # a collision never merges different rows
        rows = values[codes == c]
        assert (np.isnan(rows) == np.isnan(rows[0])).all() and (np.nan_to_num(rows) == np.nan_to_num(rows[0])).all()


def test_logistic_regression_on_distinct_rows_weighted_is_the_fit_on_every_row(table):
    """Fitting each distinct (features, label) row once with its count as weight reaches the optimum of the
    fit on every row (the same weighted sum); gradient boosting is fitted on every row."""
    from sklearn.metrics import roc_auc_score

    from netanalysis.analysis.predict.fits import WindowFits
    from netanalysis.analysis.predict.models import gradient_boosting, logistic_regression

    cols, y = table.attrs["feature_columns"], table["label"].to_numpy()
    train = table["label"].notna().to_numpy()
    doubled = pd.concat([table, table[train & (table["touches_12m"] == 0).to_numpy()]], ignore_index=True)
    doubled.attrs.update(table.attrs)
    train2 = doubled["label"].notna().to_numpy()
    fits = WindowFits(doubled, seed=0)
    fast = fits.model("logistic_regression", train2)
    every_row = logistic_regression().fit(doubled.loc[train2, cols], doubled.loc[train2, "label"].to_numpy())
    assert len(np.unique(fits._codes[train2])) < 0.8 * train2.sum()  # many rows were alike
    np.testing.assert_allclose(fast[-1].coef_, every_row[-1].coef_, rtol=1e-6, atol=1e-9)
    p_fast, p_every = (m.predict_proba(table[cols])[:, 1] for m in (fast, every_row))
    np.testing.assert_allclose(p_fast, p_every, rtol=1e-8)
    assert roc_auc_score(y[train], p_fast[train]) == pytest.approx(roc_auc_score(y[train], p_every[train]), abs=1e-9)
    boosted = fits.model("gradient_boosting", train2)
    reference = gradient_boosting().fit(doubled.loc[train2, cols], doubled.loc[train2, "label"].to_numpy())
    assert np.array_equal(boosted.predict_proba(table[cols]), reference.predict_proba(table[cols]))

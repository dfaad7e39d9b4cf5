"""Honest evaluation over time: the holdout split, rolling-origin splits, bootstrap over units,
and the leakage guard that fails loudly when a feature has seen the future.

A decision month ``t`` has a label window ``t .. t + horizon - 1``. Training rows
must have their window closed before the first test month, so the model never
learns from outcomes that happen during the period it is judged on: train on
``t + horizon <= origin``, test on ``origin <= t < origin + test_months``.
scikit-learn's `TimeSeriesSplit` orders rows, not units and label windows, so
the small splitter is written here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from netanalysis.dates import month_ordinal
from netanalysis.errors import LeakageError


# -- splits -----------------------------------------------------------------
def holdout_split(periods: pd.Series, labelled, horizon_months: int, test_months: int = 3):
    """Boolean masks (train, test): test = the last `test_months` labelled decision months,
    train = labelled rows whose label window ends before the first test month.

    Returns (train, test, first_test_month) with `first_test_month` a Timestamp, or None
    when there are no labelled rows.
    """
    labelled = np.asarray(labelled, dtype=bool)
    p = month_ordinal(pd.Series(periods))
    if not labelled.any():
        none = np.zeros(len(p), dtype=bool)
        return none, none, None
    last = int(p[labelled].max())
    origin = last - int(test_months) + 1
    test = labelled & (p >= origin)
    train = labelled & (p + int(horizon_months) <= origin)
    first = pd.Series(periods)[p == origin]
    return train, test, (first.iloc[0] if len(first) else None)


@dataclass
class RollingOriginSplit:
    """Rolling-origin splits over decision months, grouped by unit.

    For each origin (the last `n_splits` blocks of `test_months` labelled months),
    test rows are decision months ``origin <= t < origin + test_months`` and
    training rows have their label window closed before the origin
    (``t + horizon_months <= origin``). So for every unit, each training row ends
    before any of its test rows begins: no unit's future informs its past. With
    `disjoint_units=True` the test units are also left out of training entirely.

    Examples
    --------
    >>> import pandas as pd
    >>> periods = pd.Series(pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"], utc=True))
    >>> s = RollingOriginSplit(n_splits=2, horizon_months=2)
    >>> [(tr.tolist(), te.tolist()) for tr, te in s.split(periods, ["a", "a", "a", "a"])]
    [([0], [2]), ([0, 1], [3])]
    """

    n_splits: int = 4
    horizon_months: int = 6
    test_months: int = 1
    min_train_rows: int = 1
    disjoint_units: bool = False

    def origins(self, periods) -> list[int]:
        p = np.unique(month_ordinal(pd.Series(periods)))
        if len(p) == 0:
            return []
        last = int(p.max())
        out = [last - self.test_months * k - self.test_months + 1 for k in range(self.n_splits)]
        return sorted(o for o in out if o > int(p.min()))

    def split(self, periods, units):
        """Yield (train_index, test_index) arrays, oldest origin first."""
        p = month_ordinal(pd.Series(periods))
        units = np.asarray(pd.Series(units).astype(str))
        for origin in self.origins(periods):
            test = (p >= origin) & (p < origin + self.test_months)
            train = p + self.horizon_months <= origin
            if self.disjoint_units:
                train &= ~np.isin(units, np.unique(units[test]))
            if train.sum() >= self.min_train_rows and test.any():
                yield np.flatnonzero(train), np.flatnonzero(test)

    def get_n_splits(self, periods=None, units=None) -> int:
        return self.n_splits if periods is None else len(list(self.split(periods, units)))


# -- bootstrap over units ---------------------------------------------------
def unit_resample_counts(units, n_boot: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """How often each unit is drawn in each of `n_boot` resamples of whole units, and each row's unit.

    Returns (counts of shape n_boot x units, the unit's column in `counts` for each row).
    """
    codes, uniq = pd.factorize(pd.Series(units).astype(str))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(uniq), size=(int(n_boot), len(uniq)))
    counts = np.zeros((int(n_boot), len(uniq)))
    np.add.at(counts, (np.repeat(np.arange(int(n_boot)), len(uniq)), draws.ravel()), 1.0)
    return counts, codes


def unit_resample_weights(units, n_boot: int = 200, seed: int = 0) -> np.ndarray:
    """Row weights for `n_boot` bootstrap resamples of whole units (shape n_boot x rows).

    A unit drawn k times enters with weight k (all its rows), so the rows of one
    relationship stay together, as they are not independent.
    """
    counts, codes = unit_resample_counts(units, n_boot, seed)
    return counts[:, codes]


def ranking_metrics(y, score, weights, columns=None) -> tuple[np.ndarray, np.ndarray]:
    """Weighted ROC AUC and average precision for each row of `weights` (ties count half).

    The same definitions as scikit-learn's `roc_auc_score` and
    `average_precision_score` with `sample_weight`, computed for all resamples
    at once: rows are sorted by score once, and tied scores form one threshold.
    NaN where a resample lacks a class. Row i's weights are column i of `weights`,
    or column ``columns[i]`` when given (a unit's draw counts from
    `unit_resample_counts`, without spelling them out row by row).

    Both metrics only add up terms at thresholds that hold a positive row, so the
    weights are summed by unit into those thresholds (one sparse product each)
    instead of row by row; with whole-number weights every sum is exact, so the
    numbers are those of summing row by row.
    """
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    W = np.atleast_2d(np.asarray(weights, dtype=float))
    if len(y) == 0:
        return np.full(len(W), np.nan), np.full(len(W), np.nan)
    order = np.argsort(-score, kind="stable")
    s_sorted = score[order]
    group = np.cumsum(np.r_[True, s_sorted[1:] != s_sorted[:-1]]) - 1  # tie group of each sorted row, best first
    rows = np.arange(len(y))[order] if columns is None else np.asarray(columns)[order]
    if len(W) <= 8:  # a few weight rows: summed row by row, each group of ties at once
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        parts = [_sorted_metrics(W[:, rows], y[order], starts)]
    else:
        by = _ThresholdSums(y[order], group, rows, W.shape[1])
        parts = [by.metrics(W[i:i + 32], int(group[-1]) + 1) for i in range(0, len(W), 32)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


class _ThresholdSums:
    """Sparse (weight column x threshold) tables of the rows sorted by descending score: at each threshold
    holding a positive row, its positives, its negatives and the negatives scored above it."""

    def __init__(self, y_sorted: np.ndarray, group: np.ndarray, column: np.ndarray, n_columns: int):
        pos, neg = y_sorted, 1.0 - y_sorted
        self.pos_groups = np.unique(group[pos != 0])
        k = len(self.pos_groups)
        at = np.full(int(group[-1]) + 2, -1)
        at[self.pos_groups] = np.arange(k)
        tied = at[group]

        def table(rows, where, values):
            return sparse.csr_matrix((values[rows], (where[rows], column[rows])), shape=(max(k, 1), n_columns))

        has_pos, has_neg = np.flatnonzero(pos != 0), np.flatnonzero(neg != 0)
        self.positives = table(has_pos, tied, pos)
        self.tied_negatives = table(has_neg[tied[has_neg] >= 0], tied, neg)
        # A negative row counts above the positive thresholds after its own group: from this one on.
        first_below = np.searchsorted(self.pos_groups, group, side="right")
        self.negatives_from = table(has_neg[first_below[has_neg] < k], first_below, neg)
        self.P = np.bincount(column, weights=pos, minlength=n_columns)
        self.N = np.bincount(column, weights=neg, minlength=n_columns)

    def metrics(self, W: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
        """ROC AUC and average precision for each row of weights `W` (by column)."""
        k = len(self.pos_groups)
        Wt = np.ascontiguousarray(W.T)
        Wp = (self.positives @ Wt).T[:, :k]
        Wn = (self.tied_negatives @ Wt).T[:, :k]
        P, N = W @ self.P, W @ self.N
        with np.errstate(invalid="ignore", divide="ignore"):
            fp = np.cumsum((self.negatives_from @ Wt).T[:, :k], axis=1) + Wn  # negatives at or above
            auc = (Wp * (N[:, None] - fp + 0.5 * Wn)).sum(axis=1) / (P * N)
            tp = np.cumsum(Wp, axis=1)
            precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
            # Added up over every threshold, zeros included, in order: the same sum as row by row.
            terms = np.zeros((len(W), n_groups))
            terms[:, self.pos_groups] = Wp / P[:, None] * precision
            ap = terms.sum(axis=1)
        bad = (P == 0) | (N == 0)
        auc[bad], ap[bad] = np.nan, np.nan
        return auc, ap


def _sorted_metrics(W_sorted: np.ndarray, y_sorted: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC and average precision for each row of weights, rows sorted by descending score,
    `starts` the first row of each group of tied scores."""
    Wp = np.add.reduceat(W_sorted * y_sorted, starts, axis=1)        # positives per tie group (descending)
    Wn = np.add.reduceat(W_sorted * (1 - y_sorted), starts, axis=1)  # negatives per tie group
    P, N = Wp.sum(axis=1), Wn.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        neg_below = N[:, None] - np.cumsum(Wn, axis=1)                  # negatives scored lower than the group
        auc = (Wp * (neg_below + 0.5 * Wn)).sum(axis=1) / (P * N)
        tp, fp = np.cumsum(Wp, axis=1), np.cumsum(Wn, axis=1)
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        ap = (Wp / P[:, None] * precision).sum(axis=1)
    bad = (P == 0) | (N == 0)
    auc[bad], ap[bad] = np.nan, np.nan
    return auc, ap


def interval(values: np.ndarray, alpha: float = 0.05, min_valid: int = 10) -> tuple[float, float]:
    """Percentile interval of bootstrap values (NaN resamples dropped); NaNs if too few are valid."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < min_valid:
        return float("nan"), float("nan")
    lo, hi = np.quantile(v, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


# -- the leakage guard ------------------------------------------------------
def check_shifted_labels(table: pd.DataFrame, feature_cols, unit_col: str, horizon_months: int,
                         min_class: int = 10) -> None:
    """Raise LeakageError if a feature equals, or perfectly ranks, the label of a window that is not over.

    The label of decision month ``t + s`` covers months ``t + s .. t + s + horizon - 1``;
    for ``s > -horizon`` that window reaches month ``t`` or later, so a feature at ``t``
    that reproduces it has looked ahead. Each feature is compared with the label
    shifted by every such ``s`` (within each unit); a ROC AUC of exactly 0 or 1
    (with at least `min_class` rows of each class) fails loudly. A feature equal to
    the label, or to one minus it, has such an AUC.
    """
    lab = table["label"].to_numpy(dtype=float)
    if not np.isfinite(lab).any():
        return
    X = table[list(feature_cols)].to_numpy(dtype=float, copy=True)
    X[~np.isfinite(X)] = np.nan  # a value that is not finite takes part in no comparison
    lookup = _UnitMonthLookup(table[unit_col], table["period"], lab, pad=horizon_months)
    bad = []
    for s in range(-horizon_months + 1, horizon_months + 1):
        for c in _separating(X, lookup.shifted(s), min_class):
            bad.append(f"{feature_cols[c]} (label shifted by {s:+d} months)")
    if bad:
        raise LeakageError("features reproduce a label they could not know yet: " + ", ".join(bad))


class _UnitMonthLookup:
    """The label of the same unit `s` months later, for every row (NaN where the table has no such row).

    Units and months become one integer key (months padded by `pad` on both sides so
    that a shift never reaches the next unit); the first row of a duplicated key counts.
    """

    def __init__(self, units: pd.Series, periods: pd.Series, values: np.ndarray, pad: int):
        codes = pd.factorize(units.astype(str))[0].astype("int64")
        months = month_ordinal(pd.Series(periods))
        span = int(months.max() - months.min()) + 2 * pad + 1
        self.key = codes * span + (months - months.min() + pad)
        order = np.argsort(self.key, kind="stable")
        first = np.r_[True, np.diff(self.key[order]) != 0]
        self.keys, self.values = self.key[order][first], values[order][first]

    def shifted(self, s: int) -> np.ndarray:
        want = self.key + s
        at = np.minimum(np.searchsorted(self.keys, want), len(self.keys) - 1)
        return np.where(self.keys[at] == want, self.values[at], np.nan)


def _separating(X: np.ndarray, label: np.ndarray, min_class: int) -> list[int]:
    """Columns of `X` whose values put every row labelled 1 above, or below, every row labelled 0.

    Rows without a label, and NaNs column by column, are left out; a column with
    fewer than `min_class` rows of either class left is not judged. A negative row
    at or above the lowest positive value, and one at or below the highest, prove
    that a column does not separate: every 16th row usually holds both, so only the
    columns left undecided by that sample are checked on every row.
    """
    positive, negative = label == 1, label == 0
    with np.errstate(invalid="ignore"):
        low = np.fmin.reduce(X[positive], axis=0, initial=np.inf)
        high = np.fmax.reduce(X[positive], axis=0, initial=-np.inf)
        sample = X[::16][negative[::16]]
        decided = (sample >= low).any(axis=0) & (sample <= high).any(axis=0)
    left = np.flatnonzero(~decided)
    return [int(left[c]) for c in _separating_exactly(X[:, left], positive, negative, min_class)]


def _separating_exactly(X: np.ndarray, positive: np.ndarray, negative: np.ndarray, min_class: int) -> list[int]:
    """`_separating` on every row."""
    present = ~np.isnan(X)
    pos, neg = present & positive[:, None], present & negative[:, None]
    n_pos, n_neg = pos.sum(axis=0), neg.sum(axis=0)
    pos_min = np.min(X, axis=0, where=pos, initial=np.inf)
    pos_max = np.max(X, axis=0, where=pos, initial=-np.inf)
    neg_min = np.min(X, axis=0, where=neg, initial=np.inf)
    neg_max = np.max(X, axis=0, where=neg, initial=-np.inf)
    judged = (n_pos >= min_class) & (n_neg >= min_class)
    return list(np.flatnonzero(judged & ((pos_min > neg_max) | (pos_max < neg_min))))


def check_truncation(ds, table: pd.DataFrame, build, feature_cols, unit_col: str, n_months: int = 3,
                     atol: float = 1e-9, **build_kwargs) -> int:
    """Rebuild the features of a few decision months from the data cut just before each month
    (``ds.until(month start - 1 microsecond)``) and raise LeakageError if any value differs.

    A feature that used data from month ``t`` or later cannot be rebuilt without it,
    so this proves, for the months checked, that every feature row's information
    time is before its decision month. Returns the number of rows compared.
    """
    periods = np.sort(table.loc[~table["scoring"], "period"].unique())
    if len(periods) == 0:
        return 0
    picks = np.unique(periods[np.linspace(0, len(periods) - 1, min(n_months, len(periods))).round().astype(int)])
    compared = 0
    for t in picks:
        t = pd.Timestamp(t)
        t = t.tz_localize("UTC") if t.tzinfo is None else t
        before = ds.until(t - pd.Timedelta(microseconds=1))
        again = build(before, as_of=t - pd.Timedelta(microseconds=1), **build_kwargs)
        again = again[again["period"] == t].set_index(unit_col)
        here = table[table["period"] == t].set_index(unit_col)
        if not again.index.sort_values().equals(here.index.sort_values()):
            raise LeakageError(f"decision month {t.date()}: the units known before it differ from the table's")
        diff = [c for c in feature_cols
                if not np.allclose(here[c].to_numpy(dtype=float), again.loc[here.index, c].to_numpy(dtype=float),
                                   atol=atol, equal_nan=True)]
        if diff:
            raise LeakageError(f"decision month {t.date()}: {', '.join(diff)} change when data from that month on "
                               "is removed, so they used information from the label window")
        compared += len(here)
    return compared


def check_information_time(table: pd.DataFrame) -> None:
    """Raise LeakageError unless every row's information time is at or before its decision month."""
    late = table["info_time"] > table["period"]
    if late.any():
        raise LeakageError(f"{int(late.sum())} feature rows carry information from after their decision month")

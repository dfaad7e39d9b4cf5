"""Spearman's rank correlation for many pairs of series at once, with numpy alone.

The same numbers as `scipy.stats.spearmanr` (average ranks for ties, then
numpy's correlation of the two rank columns), without importing `scipy.stats`,
which costs a notebook more than a second to start.
"""

from __future__ import annotations

import numpy as np


def average_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks (1..n) along each row of a 2-d array; tied values share their mean rank.

    >>> average_ranks(np.array([[10.0, 30.0, 20.0, 20.0]])).tolist()
    [[1.0, 4.0, 2.5, 2.5]]
    """
    a = np.asarray(a, dtype=float)
    k, n = a.shape
    order = np.argsort(a, axis=1, kind="stable")
    s = np.take_along_axis(a, order, axis=1)
    pos = np.broadcast_to(np.arange(n), (k, n))
    first = np.ones((k, n), dtype=bool)
    first[:, 1:] = s[:, 1:] != s[:, :-1]
    last = np.ones((k, n), dtype=bool)
    last[:, :-1] = first[:, 1:]
    start = np.maximum.accumulate(np.where(first, pos, 0), axis=1)
    end = np.minimum.accumulate(np.where(last, pos, n)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty((k, n))
    np.put_along_axis(ranks, order, (start + end) / 2.0 + 1.0, axis=1)
    return ranks


def spearman_rows(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Spearman's correlation of each row of `xs` with the same row of `ys` (NaN where one is constant).

    >>> spearman_rows(np.array([[1.0, 2.0, 3.0]]), np.array([[3.0, 5.0, 4.0]])).round(3).tolist()
    [0.5]
    """
    xs, ys = np.atleast_2d(np.asarray(xs, dtype=float)), np.atleast_2d(np.asarray(ys, dtype=float))
    rx, ry = average_ranks(xs), average_ranks(ys)
    out = np.full(len(xs), np.nan)
    varies = (np.ptp(xs, axis=1) > 1e-12) & (np.ptp(ys, axis=1) > 1e-12)
    for i in np.flatnonzero(varies):
        out[i] = np.corrcoef(np.column_stack((rx[i], ry[i])), rowvar=False)[1, 0]
    return out

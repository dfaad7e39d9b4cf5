"""Intervals from resampling relationships (clusters): a percentile bootstrap of a ratio, and Wilson's at 0 or 1.

The resamples are drawn once per number of clusters, resamples and seed, and
kept (:func:`resample_counts`): tie strength and dormant ties resample the same
relationships with the same seed, and drawing them is most of the work.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

_KEEP_CELLS = 64_000_000  # resamples x clusters kept between calls (one byte each): at most 64 MB
GROUPED_ABOVE = 250_000  # clusters above which clusters with the same values are resampled as one group


def resample_counts(n: int, n_boot: int, seed: int):
    """The `n_boot` resamples of `n` clusters, as counts (resamples x clusters), in chunks.

    Each resample is ``rng.multinomial(n, [1/n] * n)`` from ``default_rng(seed)``,
    drawn in order, so the chunks are the same however they are cut. When they
    fit in `_KEEP_CELLS`, they are drawn once and reused by later calls.
    """
    chunk = max(1, int(4_000_000 // max(n, 1)))
    if n * n_boot <= _KEEP_CELLS:
        kept = _kept_counts(n, n_boot, seed)
        if kept is not None:
            for start in range(0, n_boot, chunk):
                yield kept[start:start + chunk]
            return
    yield from _draw_counts(n, n_boot, seed, chunk)


def _draw_counts(n: int, n_boot: int, seed: int, chunk: int):
    rng = np.random.default_rng(seed)
    for start in range(0, n_boot, chunk):
        yield rng.multinomial(n, np.full(n, 1.0 / n), size=min(chunk, n_boot - start))


@lru_cache(maxsize=2)
def _kept_counts(n: int, n_boot: int, seed: int) -> np.ndarray | None:
    """All resample counts in one byte each (read-only), or None if a count does not fit in a byte."""
    kept = np.empty((n_boot, n), dtype=np.uint8)
    start = 0
    for counts in _draw_counts(n, n_boot, seed, max(1, int(4_000_000 // max(n, 1)))):
        if counts.max() > 255:
            return None
        kept[start:start + len(counts)] = counts
        start += len(counts)
    kept.flags.writeable = False
    return kept


def rate_interval(hits: float, total: float, boot: np.ndarray) -> tuple[float, float]:
    """The bootstrap interval, or Wilson's when none or all of `total` are hits.

    A resampled share of 0 out of n is always 0, so the bootstrap interval
    collapses to [0, 0]; Wilson's score interval still says how large the true
    rate could be (it treats the months as independent, so it is a little narrow).
    """
    if total > 0 and (hits == 0 or hits == total):
        from statsmodels.stats.proportion import proportion_confint  # only here: importing it takes a second

        lo, hi = proportion_confint(int(round(hits)), int(round(total)), alpha=0.05, method="wilson")
        return float(lo), float(hi)
    return float(boot[0]), float(boot[1])


def cluster_bootstrap_ratio(num: np.ndarray, den: np.ndarray, n_boot: int = 1000, seed: int = 0,
                            level: float = 0.95) -> np.ndarray:
    """Percentile bootstrap interval of ``num.sum(0) / den.sum(0)``, resampling rows (clusters).

    Parameters
    ----------
    num, den : arrays of shape (clusters, columns) (a 1-d array is one column)
    n_boot : number of resamples
    seed : random seed (same seed, same interval)
    level : coverage of the interval

    Returns
    -------
    array of shape (columns, 2): low and high; NaN where the denominator is always zero.

    Examples
    --------
    >>> lo, hi = cluster_bootstrap_ratio(np.array([1, 0, 1, 0]), np.ones(4), 200)[0]
    >>> bool(0 <= lo <= 0.5 <= hi <= 1)
    True
    """
    num = np.asarray(num, dtype=float).reshape(len(num), -1)
    den = np.asarray(den, dtype=float).reshape(len(den), -1)
    n = num.shape[0]
    out = np.full((num.shape[1], 2), np.nan)
    if n == 0:
        return out
    if n > GROUPED_ABOVE:
        r = np.column_stack([_grouped_ratios(num[:, j], den[:, j], int(n_boot), seed) for j in range(num.shape[1])])
    else:
        r = _ratios(num, den, resample_counts(n, int(n_boot), seed))
    alpha = (1 - level) / 2
    for j in range(r.shape[1]):
        col = r[:, j][np.isfinite(r[:, j])]
        if col.size:
            out[j] = np.quantile(col, [alpha, 1 - alpha])
    return out


def _ratios(num: np.ndarray, den: np.ndarray, draws) -> np.ndarray:
    """The ratio of column sums in each resample (resamples x columns); NaN where the denominator is zero."""
    ratios = []
    for counts in draws:
        counts = counts.astype(float)
        top, bottom = counts @ num, counts @ den
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios.append(np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), np.nan))
    return np.vstack(ratios)


def _grouped_ratios(num: np.ndarray, den: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """One column's resampled ratios, clusters with the same (num, den) drawn as one group.

    Drawing n clusters with replacement, how many draws land on clusters with one
    pair of values is multinomial over the distinct pairs, with chances their
    shares of the clusters: the same bootstrap distribution, at a cost of the
    number of distinct pairs (months and hits take few values) instead of the
    number of clusters per resample. Another draw of it than the plain one, so used
    only above `GROUPED_ABOVE` clusters; each column's interval is its own, so
    each column is grouped on its own.
    """
    pairs, sizes = np.unique(num + 1j * den, return_counts=True)  # one complex number per pair: a fast sort
    rng = np.random.default_rng(seed)
    chunk = max(1, int(4_000_000 // len(pairs)))
    draws = (rng.multinomial(len(num), sizes / len(num), size=min(chunk, n_boot - start))
             for start in range(0, n_boot, chunk))
    return _ratios(pairs.real[:, None], pairs.imag[:, None], draws).ravel()

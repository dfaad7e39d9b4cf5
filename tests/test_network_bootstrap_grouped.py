"""On very many relationships, the cluster bootstrap draws groups of relationships with the same values:
the same bootstrap distribution as drawing relationships one by one, checked against that plain draw and
against the delta-method standard error of a ratio of sums."""

import numpy as np

from netanalysis.analysis.network import bootstrap


def _clusters(n: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    months = rng.integers(0, 49, size=(n, 2)).astype(float)
    hits = rng.binomial(months.astype(int), [0.02, 0.05]).astype(float)
    return hits, months


def test_grouped_intervals_match_the_plain_bootstrap(monkeypatch):
    hits, months = _clusters(5_000)
    plain = bootstrap.cluster_bootstrap_ratio(hits, months, n_boot=4000, seed=0)
    monkeypatch.setattr(bootstrap, "GROUPED_ABOVE", 0)
    grouped = bootstrap.cluster_bootstrap_ratio(hits, months, n_boot=4000, seed=0)
    width = plain[:, 1] - plain[:, 0]
    # Two Monte Carlo draws of one distribution: the ends agree to a few percent of the width.
    assert (np.abs(grouped - plain) < 0.08 * width[:, None]).all(), (plain, grouped)


def test_grouped_interval_has_the_delta_method_width():
    hits, months = _clusters(bootstrap.GROUPED_ABOVE + 50_000)
    low_high = bootstrap.cluster_bootstrap_ratio(hits, months, n_boot=2000, seed=1)
    for j in range(2):
        ratio = hits[:, j].sum() / months[:, j].sum()
        se = np.sqrt(((hits[:, j] - ratio * months[:, j]) ** 2).sum()) / months[:, j].sum()
        lo, hi = low_high[j]
        assert lo < ratio < hi
        assert 0.9 < (hi - lo) / (2 * 1.959964 * se) < 1.1, (lo, hi, ratio, se)


def test_same_seed_same_grouped_interval():
    hits, months = _clusters(bootstrap.GROUPED_ABOVE + 1)
    a = bootstrap.cluster_bootstrap_ratio(hits, months, n_boot=300, seed=2)
    b = bootstrap.cluster_bootstrap_ratio(hits[::-1], months[::-1], n_boot=300, seed=2)  # row order does not matter
    assert np.array_equal(a, b)

"""Notebook 05's fast paths give the numbers of their reference computations, on small inputs."""

import numpy as np
import pytest
from scipy import stats

from netanalysis.analysis.network import bootstrap
from netanalysis.analysis.network.diversity import _block_bootstrap
from netanalysis.analysis.network.ranks import average_ranks, spearman_rows
from netanalysis.analysis.network.ties import dormant_ties, tie_months, tie_strength


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ranks_and_spearman_equal_scipy_exactly(seed):
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(40, 23))
    ys = np.round(rng.normal(size=(40, 23)) * 2)  # many ties
    ys[0] = 3.0  # a constant row: no correlation
    assert np.array_equal(average_ranks(ys), stats.rankdata(ys, axis=1))
    ref = [stats.spearmanr(x, y).statistic if np.ptp(y) > 0 else np.nan for x, y in zip(xs, ys)]
    assert np.array_equal(spearman_rows(xs, ys), np.array(ref), equal_nan=True)


def test_block_bootstrap_equals_a_loop_over_scipy():
    rng = np.random.default_rng(5)
    xs, ys = np.cumsum(rng.normal(size=30)), rng.poisson(3, size=30).astype(float)
    n, b, n_boot = len(xs), 12, 200
    starts = np.random.default_rng(9).integers(0, n - b + 1, size=(n_boot, int(np.ceil(n / b))))
    pick = (starts[:, :, None] + np.arange(b)).reshape(n_boot, -1)[:, :n]
    rhos = np.array([stats.spearmanr(xs[p], ys[p]).statistic for p in pick])
    ref = np.quantile(rhos[np.isfinite(rhos)], [0.025, 0.975]).tolist()
    assert _block_bootstrap(xs, ys, b, n_boot, seed=9) == ref


def test_kept_resamples_are_the_drawn_ones(monkeypatch):
    rng = np.random.default_rng(0)
    num, den = rng.poisson(1, size=(57, 3)).astype(float), rng.poisson(4, size=(57, 3)).astype(float) + 1
    monkeypatch.setattr(bootstrap, "_KEEP_CELLS", 0)  # draw every time, nothing kept
    streamed = bootstrap.cluster_bootstrap_ratio(num, den, n_boot=300, seed=4)
    rng = np.random.default_rng(4)
    counts = rng.multinomial(57, np.full(57, 1 / 57), size=300)  # the plain draw, in one go
    ratios = (counts @ num) / (counts @ den)
    assert np.array_equal(streamed, np.quantile(ratios, [0.025, 0.975], axis=0).T)
    monkeypatch.setattr(bootstrap, "_KEEP_CELLS", 64_000_000)
    bootstrap._kept_counts.cache_clear()
    assert np.array_equal(bootstrap.cluster_bootstrap_ratio(num, den, n_boot=300, seed=4), streamed)
    assert np.array_equal(bootstrap.cluster_bootstrap_ratio(num, den, n_boot=300, seed=4), streamed)  # kept
    assert bootstrap._kept_counts.cache_info().hits >= 1


def test_tie_months_made_once_give_the_same_results(tiny_ds):
    months = tie_months(tiny_ds, None, 12)
    a, b = tie_strength(tiny_ds, n_boot=200), tie_strength(tiny_ds, n_boot=200, months=months)
    assert a.table.equals(b.table) and a.metrics() == b.metrics()
    c, d = dormant_ties(tiny_ds, n_boot=200), dormant_ties(tiny_ds, n_boot=200, months=months)
    assert c.table.equals(d.table) and c.metrics() == d.metrics()


def test_adjacency_matrix_is_networkx_sparse_array_entry_for_entry():
    """The same csr arrays as `nx.to_scipy_sparse_array`, with weights, without, with self-loops and edges
    that carry no weight (counted 1), and no edges at all."""
    import networkx as nx

    from netanalysis.analysis.network.structural_holes import adjacency_matrix

    rng = np.random.default_rng(4)
    g = nx.relabel_nodes(nx.gnp_random_graph(60, 0.08, seed=2), {k: f"c{k:02d}" for k in range(60)})
    for u, v in g.edges:
        if rng.random() < 0.8:
            g[u][v]["weight"] = float(rng.integers(1, 5))
    g.add_edge("c03", "c03", weight=2.0)
    g.add_edge("c07", "c07")
    g.add_node("alone")
    for graph in (g, nx.empty_graph(["x", "y"])):
        for weight in ("weight", None):
            ours = adjacency_matrix(graph, weight)
            ref = nx.to_scipy_sparse_array(graph, nodelist=list(graph), weight=weight, format="csr")
            assert ours.dtype == ref.dtype and ours.shape == ref.shape
            assert all(np.array_equal(getattr(ours, k), getattr(ref, k)) for k in ("indptr", "indices", "data"))

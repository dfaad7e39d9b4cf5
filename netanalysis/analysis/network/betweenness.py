"""Betweenness of the contacts (Brandes), many sources at once with sparse matrices.

The same numbers as `networkx.betweenness_centrality(weight=None)` (up to
rounding in the last digits), one connected component at a time: small
components exactly, a large one from sources sampled as networkx samples them
(the same nodes for the same seed). For a block of sources, breadth-first
levels come from `scipy.sparse.csgraph`; the number of shortest paths `sigma`
is pushed forward one level at a time and the dependencies `delta` pulled back,
each step over the edges out of one level, for all sources of the block at once:

    sigma[s, w] = sum of sigma[s, v] over neighbours v of w one level closer to s
    delta[s, v] = sigma[s, v] * sum of (1 + delta[s, w]) / sigma[s, w] over neighbours w one level further

and a node's betweenness is the sum of its dependencies over the sources.
"""

from __future__ import annotations

import random

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

_BLOCK_CELLS = 2_000_000  # sources x nodes held at once: about 16 MB per dense array


def _dependencies(a: sparse.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Sum over `sources` of each node's dependency (Brandes' delta), the source itself left out.

    Works on the (source, node) pairs of one breadth-first level at a time,
    following each pair's edges to the next (or previous) level.
    """
    k, n = len(sources), a.shape[0]
    dist = csgraph.shortest_path(a, unweighted=True, directed=False, indices=sources)
    dist = np.where(np.isfinite(dist), dist, -1).astype(np.int64).ravel()
    order = np.argsort(dist, kind="stable")
    bounds = np.searchsorted(dist[order], np.arange(-1, int(dist.max(initial=0)) + 2))
    level = [order[bounds[d + 1]:bounds[d + 2]] for d in range(len(bounds) - 2)]  # pairs at distance d
    rank = np.empty(k * n, dtype=np.int64)  # a pair's place among the pairs of its level
    rank[order] = np.arange(k * n) - bounds[:-1][dist[order] + 1]
    sigma = np.zeros(k * n)
    sigma[np.arange(k) * n + sources] = 1.0
    for d in range(len(level) - 1):
        pair, target = _edges_out(a, level[d], n)
        keep = dist[target] == d + 1
        sigma[level[d + 1]] += np.bincount(rank[target[keep]], weights=sigma[level[d]][pair[keep]],
                                           minlength=len(level[d + 1]))
    delta = np.zeros(k * n)
    for d in range(len(level) - 1, 0, -1):
        pair, target = _edges_out(a, level[d], n)
        keep = dist[target] == d - 1
        coeff = (1.0 + delta[level[d]]) / sigma[level[d]]
        pulled = np.bincount(rank[target[keep]], weights=coeff[pair[keep]], minlength=len(level[d - 1]))
        delta[level[d - 1]] = sigma[level[d - 1]] * pulled
    delta[np.arange(k) * n + sources] = 0.0
    return delta.reshape(k, n).sum(axis=0)


def _edges_out(a: sparse.csr_matrix, pairs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For (source, node) pairs given as ``source * n + node``: each edge out of the node, as the index
    of its pair and the (source, neighbour) pair it leads to."""
    row, node = np.divmod(pairs, n)
    degree = np.diff(a.indptr)[node]
    pair = np.repeat(np.arange(len(pairs)), degree)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(degree) - degree, degree)
    neighbour = a.indices[a.indptr[node][pair] + offset]
    return pair, row[pair] * n + neighbour


def _sum_dependencies(a: sparse.csr_matrix, sources: np.ndarray) -> np.ndarray:
    n = a.shape[0]
    step = max(1, _BLOCK_CELLS // max(n, 1))
    total = np.zeros(n)
    for start in range(0, len(sources), step):
        total += _dependencies(a, sources[start:start + step])
    return total


def component_betweenness(a: sparse.csr_matrix, nodes: list, sources: list | None) -> np.ndarray:
    """Unnormalised betweenness of one component (as networkx, undirected: each pair of nodes once).

    `a` is the component's 0/1 adjacency in the order of `nodes`; `sources`
    are the sampled source nodes, or None for all of them (exact).
    """
    n = len(nodes)
    if sources is None:
        return _sum_dependencies(a, np.arange(n)) * 0.5
    index = {node: i for i, node in enumerate(nodes)}
    src = np.array([index[s] for s in sources], dtype=np.int64)
    raw = _sum_dependencies(a, src)
    k, big_n = len(src), n - 1  # networkx's rescaling of a sample when endpoints are left out
    scale = np.full(n, big_n / (k * 2))
    scale[src] = big_n / ((k - 1) * 2) if k > 1 else np.nan
    return raw * scale


def sampled_sources(nodes: list, k: int, seed: int) -> list:
    """The `k` sources networkx samples from `nodes` (in that order) with an integer `seed`."""
    return random.Random(seed).sample(list(nodes), k)

"""Betweenness of the contacts (Brandes), many sources at once with sparse matrices.

The same numbers as `networkx.betweenness_centrality(weight=None)` (up to
rounding in the last digits), one connected component at a time: small
components exactly, a large one from sources sampled as networkx samples them
(the same nodes for the same seed). For a block of sources, breadth-first
levels come from `scipy.sparse.csgraph`; the number of shortest paths `sigma`
is pushed forward one level at a time and the dependencies `delta` pulled back,
each step one sparse product over the whole block:

    sigma[:, level d + 1] = (sigma[:, level d] @ A)[:, level d + 1]
    delta[:, level d - 1] = sigma * (((1 + delta) / sigma)[:, level d] @ A)[:, level d - 1]

and a node's betweenness is the sum of its dependencies over the sources.
"""

from __future__ import annotations

import random

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

_BLOCK_CELLS = 2_000_000  # sources x nodes held at once: about 16 MB per dense array


def _dependencies(a: sparse.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Sum over `sources` of each node's dependency (Brandes' delta), the source itself left out."""
    k = len(sources)
    dist = csgraph.shortest_path(a, unweighted=True, directed=False, indices=sources)
    dist[~np.isfinite(dist)] = -1
    dist = dist.astype(np.int64)
    rows = np.arange(k)
    sigma = np.zeros(dist.shape)
    sigma[rows, sources] = 1.0
    top = int(dist.max()) if dist.size else 0
    at = [dist == d for d in range(top + 1)]
    for d in range(top):
        pushed = (a.T @ np.where(at[d], sigma, 0.0).T).T
        sigma[at[d + 1]] = pushed[at[d + 1]]
    delta = np.zeros(dist.shape)
    for d in range(top, 0, -1):
        coeff = np.where(at[d], (1.0 + delta) / np.where(at[d], sigma, 1.0), 0.0)
        pulled = (a @ coeff.T).T
        delta[at[d - 1]] = (sigma * pulled)[at[d - 1]]
    delta[rows, sources] = 0.0
    return delta.sum(axis=0)


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

"""Louvain on plain lists finds exactly networkx's communities for the same seed."""

import networkx as nx
import numpy as np
import pytest

from netanalysis.analysis.network.louvain import louvain_communities


def _weighted(g: nx.Graph, seed: int) -> nx.Graph:
    rng = np.random.default_rng(seed)
    for u, v in g.edges:
        g[u][v]["weight"] = float(rng.integers(1, 6))  # counts of shared occasions
    return nx.relabel_nodes(g, {n: f"c{n:03d}" for n in g})


@pytest.mark.parametrize("seed", range(6))
def test_communities_equal_networkx(seed):
    parts = [nx.connected_caveman_graph(6, 7), nx.gnp_random_graph(80, 0.05, seed=seed), nx.path_graph(3),
             nx.barabasi_albert_graph(120, 2, seed=seed)]
    g = _weighted(nx.disjoint_union_all(parts), seed)
    ref = nx.community.louvain_communities(g, weight="weight", seed=seed)
    assert sorted(map(sorted, louvain_communities(g, seed=seed))) == sorted(map(sorted, ref))


def test_a_graph_without_edges_is_all_singletons():
    g = nx.empty_graph(["a", "b"])
    assert sorted(map(sorted, louvain_communities(g))) == [["a"], ["b"]]

"""The sparse-matrix betweenness against networkx's own, exact and from sampled sources."""

import networkx as nx
import numpy as np
import pytest

from netanalysis.analysis.network.betweenness import component_betweenness
from netanalysis.analysis.network.structural_holes import _betweenness


def _reference(h: nx.Graph, exact_up_to: int, seed: int) -> dict:
    """Per component with networkx (the slow path this module replaces)."""
    n = h.number_of_nodes()
    out = dict.fromkeys(h.nodes, 0.0)
    scale = 2.0 / ((n - 1) * (n - 2))
    for component in nx.connected_components(h):
        if len(component) < 3:
            continue
        sub = h.subgraph(component)
        size = len(component) + sub.number_of_edges()
        k = None if len(component) <= exact_up_to else int(np.clip(2_000_000 // size, 50, exact_up_to))
        for node, value in nx.betweenness_centrality(sub, k=k, seed=seed, normalized=False, weight=None).items():
            out[node] = value * scale
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_component_betweenness_equals_networkx(seed):
    g = nx.connected_watts_strogatz_graph(40, 4, 0.3, seed=seed)
    nodes = list(g)
    a = nx.to_scipy_sparse_array(g, nodelist=nodes, weight=None, format="csr")
    ref = nx.betweenness_centrality(g, normalized=False)
    assert component_betweenness(a, nodes, None) == pytest.approx([ref[v] for v in nodes], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 3])
def test_many_components_and_a_sampled_large_one_equal_networkx(seed):
    # One component of 300 nodes (above exact_up_to: 50 sampled sources), many small ones, isolated pairs.
    parts = [nx.connected_watts_strogatz_graph(300, 4, 0.2, seed=seed)]
    parts += [nx.gnp_random_graph(int(s % 9) + 3, 0.5, seed=s) for s in range(60)] + [nx.path_graph(2)] * 3
    h = nx.relabel_nodes(nx.disjoint_union_all(parts), lambda i: f"c{i:04d}")
    ours, ref = _betweenness(h, exact_up_to=100, seed=seed), _reference(h, exact_up_to=100, seed=seed)
    assert list(ours) == list(ref)
    assert np.allclose(list(ours.values()), list(ref.values()), rtol=1e-12, atol=1e-15)
    assert max(ours.values()) > 0


def test_contact_graph_keeps_the_order_of_a_subgraph_copy():
    # More than half the nodes linked: networkx's subgraph then follows the graph's order (with fewer it
    # follows set order, which changes with the hash seed; ours keeps the graph's order in every case).
    from netanalysis.analysis.network.structural_holes import EGO, _contact_graph

    g = nx.Graph()
    g.add_weighted_edges_from((EGO, f"c{i}", 1.0) for i in range(12))
    g.add_weighted_edges_from([("c5", "c1", 2.0), ("c1", "c9", 1.0), ("c9", "c5", 3.0), ("c3", "c7", 1.0),
                               ("c0", "c2", 1.0), ("c4", "c8", 2.0), ("c6", "c0", 1.0),
                               ("x", "c7", 1.0)])  # x: linked to a contact but never met by the user
    linked = [n for n in g.nodes if n != EGO and g.degree(n) > (1 if g.has_edge(n, EGO) else 0)]
    assert 2 * len(linked) >= g.number_of_nodes()
    ref = g.subgraph(linked).copy()
    ours = _contact_graph(g, EGO)
    assert list(ours.nodes) == list(ref.nodes) == linked
    assert [list(ours.adj[n].items()) for n in ours] == [list(ref.adj[n].items()) for n in ref]

"""Louvain communities as `networkx.community.louvain_communities` finds them, on plain lists and dicts.

The same steps in the same order (the seeded shuffle of the nodes, neighbours in
the order networkx keeps them, the same gain formula, ties going to the first
community met, the same stopping rule), so the same communities for the same
seed; only networkx's per-call machinery is left out. The edge weights here are
counts of shared occasions, so all sums of weights and degrees are exact.
"""

from __future__ import annotations

import random
from collections import defaultdict

import networkx as nx


def _level_zero(h: nx.Graph) -> list[dict]:
    """Neighbours of each node as networkx's Louvain rebuilds the graph: in the order of `h.edges`."""
    index = {n: i for i, n in enumerate(h)}
    adj: list[dict] = [{} for _ in index]
    for u, v, w in h.edges(data="weight", default=1):
        adj[index[u]][index[v]] = w
        adj[index[v]][index[u]] = w
    return adj


def _degrees(adj: list[dict]) -> list[float]:
    """Weighted degrees, a self-loop counted twice (as `Graph.degree`)."""
    return [sum(nbrs.values()) + nbrs.get(u, 0) for u, nbrs in enumerate(adj)]


def _modularity(adj: list[dict], communities: list[list[int]]) -> float:
    """`networkx.community.modularity` (resolution 1) of `communities` of the graph `adj`."""
    degrees = _degrees(adj)
    deg_sum = sum(degrees)
    m, norm = deg_sum / 2, 1 / deg_sum**2
    terms = []
    for members in communities:
        inside = set(members)
        internal = sum(w for u in inside for v, w in adj[u].items() if v in inside and v >= u)
        total = sum(degrees[u] for u in inside)
        terms.append(internal / m - 1 * total * total * norm)
    return sum(terms)


def _one_level(adj: list[dict], m: float, rng: random.Random) -> tuple[list[int], bool]:
    """Move nodes to the neighbouring community with the best gain until none moves; returns each node's community."""
    degrees = _degrees(adj)
    stot = list(degrees)
    nbrs = [{v: w for v, w in a.items() if v != u} for u, a in enumerate(adj)]
    node2com = list(range(len(adj)))
    order = list(range(len(adj)))
    rng.shuffle(order)
    two_m2 = 2 * m**2
    moves, improved = 1, False
    while moves > 0:
        moves = 0
        for u in order:
            best_gain, best = 0, node2com[u]
            weights = defaultdict(float)
            for v, w in nbrs[u].items():
                weights[node2com[v]] += w
            degree = degrees[u]
            stot[best] -= degree
            remove_cost = -weights[best] / m + 1 * (stot[best] * degree) / two_m2
            for com, w in weights.items():
                gain = remove_cost + w / m - 1 * (stot[com] * degree) / two_m2
                if gain > best_gain:
                    best_gain, best = gain, com
            stot[best] += degree
            if best != node2com[u]:
                node2com[u] = best
                improved, moves = True, moves + 1
    return node2com, improved


def _communities(node2com: list[int]) -> list[list[int]]:
    """The non-empty communities in the order of their index."""
    members: dict = defaultdict(list)
    for u, c in enumerate(node2com):
        members[c].append(u)
    return [members[c] for c in sorted(members)]


def _aggregate(adj: list[dict], communities: list[list[int]]) -> list[dict]:
    """One node per community, edges summed, in the order networkx's `_gen_graph` adds them."""
    new_id = {u: i for i, members in enumerate(communities) for u in members}
    out: list[dict] = [{} for _ in communities]
    seen = set()
    for u, nbrs in enumerate(adj):
        for v, w in nbrs.items():
            if v in seen:
                continue
            a, b = new_id[u], new_id[v]
            total = w + out[a].get(b, 0)
            out[a][b] = total
            out[b][a] = total
        seen.add(u)
    return out


def louvain_communities(h: nx.Graph, seed: int = 0, threshold: float = 1e-7) -> list[set]:
    """Communities of `h` (edge attribute `weight`), as `nx.community.louvain_communities(h, seed=seed)`."""
    nodes = list(h)
    adj = _level_zero(h)
    if not any(adj):
        return [{n} for n in nodes]
    rng = random.Random(seed)
    m = sum(_degrees(adj)) / 2
    mod = _modularity(adj, [[u] for u in range(len(adj))])
    where = list(range(len(nodes)))  # each original node's node in the current level
    node2com, _ = _one_level(adj, m, rng)
    while True:
        communities = _communities(node2com)
        renumber = {c: i for i, c in enumerate(sorted(set(node2com)))}
        where = [renumber[node2com[w]] for w in where]
        new_mod = _modularity(adj, communities)
        if new_mod - mod <= threshold:
            break
        mod = new_mod
        adj = _aggregate(adj, communities)
        node2com, improved = _one_level(adj, m, rng)
        if not improved:
            break
    groups: dict = defaultdict(set)
    for n, c in zip(nodes, where):
        groups[c].add(n)
    return list(groups.values())

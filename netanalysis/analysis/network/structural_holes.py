"""Structural holes (Burt): the user's ego network and the brokers in it.

Two contacts are linked when they took part in the same occasion: the same
calendar event, the same mail or message, the same deal (records that share a
`group_key`, see `sources/base.py`). The link's weight is the number of such
shared occasions. The user ("me") sits at the centre, linked to every contact
with a weight equal to the number of interactions with them.

Burt's *constraint* of the user is ``sum_j (p_ej + sum_q p_eq p_qj) ** 2``,
where ``p_ij`` is i's share of its tie weight that goes to j: near 1/n when n
contacts do not know one another, towards 1 when they are all linked (a closed
network). The *effective size* is the number of contacts minus their
redundancy (Burt 1992): the number of non-redundant contacts. Both are computed
with sparse matrices, so they scale to large networks, and agree with
`networkx.constraint` and `networkx.effective_size` (tests check this).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from netanalysis.analysis.network.betweenness import component_betweenness, sampled_sources
from netanalysis.analysis.network.louvain import louvain_communities
from netanalysis.dates import as_timestamp

EGO = "\u2063me"  # an id no contact can have (it starts with an invisible separator)


def contact_pairs(ds, as_of: pd.Timestamp | None = None, max_group_size: int = 25) -> tuple[pd.DataFrame, dict]:
    """Pairs of contacts that shared occasions, with the number of occasions as `weight`.

    Occasions with more than `max_group_size` contacts (a conference, a mass
    mailing) are left out: sharing them says little about knowing each other.

    Returns the pairs (`a`, `b`, `weight`, with a < b) and counts: `occasions`
    (with two or more contacts), `too_large` (left out).
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    parts = []
    for table in (ds.interactions, ds.outcomes):
        if "group_key" not in table:
            continue
        t = table[(table["timestamp"] <= cut) & table["group_key"].notna() & table["contact_id"].notna()]
        parts.append(t[["group_key", "contact_id"]].astype(str))
    members = pd.concat(parts, ignore_index=True).drop_duplicates() if parts else pd.DataFrame(columns=["group_key", "contact_id"])
    size = members.groupby("group_key")["contact_id"].transform("size") if len(members) else pd.Series([], dtype=int)
    counts = {"occasions": int(members.loc[size >= 2, "group_key"].nunique()) if len(members) else 0,
              "too_large": int(members.loc[size > max_group_size, "group_key"].nunique()) if len(members) else 0}
    members = members[(size >= 2) & (size <= max_group_size)] if len(members) else members
    if members.empty:
        return pd.DataFrame({"a": pd.Series([], dtype=str), "b": pd.Series([], dtype=str),
                             "weight": pd.Series([], dtype=float)}), counts
    pairs = members.merge(members, on="group_key", suffixes=("_a", "_b"))
    pairs = pairs[pairs["contact_id_a"] < pairs["contact_id_b"]]
    out = pairs.groupby(["contact_id_a", "contact_id_b"]).size().rename("weight").reset_index()
    out.columns = ["a", "b", "weight"]
    out["weight"] = out["weight"].astype(float)
    return out, counts


def ego_network(ds, as_of: pd.Timestamp | None = None, max_group_size: int = 25) -> nx.Graph:
    """The user's network: `EGO` linked to every contact met, contacts linked by shared occasions.

    Edge attribute `weight`: interactions (with the user) or shared occasions
    (between contacts). Only contacts with an interaction up to `as_of` are in it.
    The graph attribute `counts` holds the numbers from :func:`contact_pairs`.
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    inter = ds.interactions[ds.interactions["timestamp"] <= cut]
    met = inter.groupby(inter["contact_id"].astype(str)).size()
    pairs, counts = contact_pairs(ds, cut, max_group_size)
    pairs = pairs[(met.index.get_indexer(pairs["a"]) >= 0) & (met.index.get_indexer(pairs["b"]) >= 0)]  # both met
    g = nx.Graph(counts=counts)
    g.add_node(EGO)
    g.add_weighted_edges_from(zip([EGO] * len(met), met.index, met.to_numpy(dtype=float)))
    g.add_weighted_edges_from(zip(pairs["a"], pairs["b"], pairs["weight"]))
    return g


def adjacency_matrix(g: nx.Graph, weight: str | None = "weight") -> sparse.csr_array:
    """`nx.to_scipy_sparse_array(g, weight=weight, format="csr")` of an undirected graph, rows in the order of
    `g`'s nodes: the same entries built in the same order (edges as `g.edges` lists them, then both directions,
    self-loops once), read from the adjacency dicts without networkx's per-edge views.

    >>> g = nx.Graph(); g.add_weighted_edges_from([("a", "b", 2.0), ("b", "c", 1.0)])
    >>> adjacency_matrix(g).toarray().tolist()
    [[0.0, 2.0, 0.0], [2.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    index = {n: i for i, n in enumerate(g)}
    rows, cols, data, seen = [], [], [], set()
    for u, nbrs in g.adj.items():
        i = index[u]
        for v, d in nbrs.items():
            if v not in seen:
                rows.append(i)
                cols.append(index[v])
                data.append(d.get(weight, 1))
        seen.add(u)
    loops = [(index[u], -nbrs[u].get(weight, 1)) for u, nbrs in g.adj.items() if u in nbrs]
    d, r, c = data + data, rows + cols, cols + rows  # a self-loop is in both halves: take it back once
    d, r, c = d + [w for _, w in loops], r + [i for i, _ in loops], c + [i for i, _ in loops]
    return sparse.coo_array((d, (r, c)), shape=(len(index), len(index))).asformat("csr")


def _adjacency(g: nx.Graph, ego) -> tuple[sparse.csr_matrix, int]:
    nodes = list(g.nodes)
    a = adjacency_matrix(g, "weight").astype(float)
    a = sparse.csr_matrix(a)
    a.setdiag(0.0)
    a.eliminate_zeros()
    return a, nodes.index(ego)


def ego_constraint(g: nx.Graph, ego=EGO) -> float:
    """Burt's constraint of `ego` (as `networkx.constraint` with weight='weight'), computed sparsely.

    >>> g = nx.Graph(); g.add_weighted_edges_from([(0, 1, 1), (0, 2, 1)])
    >>> round(ego_constraint(g, 0), 3)  # two unconnected contacts: 2 * (1/2) ** 2
    0.5
    """
    return _constraint(*_adjacency(g, ego))


def _constraint(a: sparse.csr_matrix, e: int) -> float:
    s = np.asarray(a.sum(axis=1)).ravel()
    if s[e] == 0:
        return float("nan")
    p = sparse.diags(np.where(s > 0, 1.0 / np.where(s > 0, s, 1), 0.0)) @ a
    p_e = p.getrow(e)
    indirect = (p_e @ p).toarray().ravel()
    neighbours = p_e.indices
    return float(((p_e.toarray().ravel() + indirect)[neighbours] ** 2).sum())


def ego_effective_size(g: nx.Graph, ego=EGO) -> float:
    """Burt's effective size of `ego` (as `networkx.effective_size` with weight='weight').

    >>> g = nx.Graph(); g.add_weighted_edges_from([(0, 1, 1), (0, 2, 1), (1, 2, 1)])
    >>> ego_effective_size(g, 0)  # two contacts who know each other: 2 - 2 * (1/2)
    1.0
    """
    return _effective_size(*_adjacency(g, ego))


def _effective_size(a: sparse.csr_matrix, e: int) -> float:
    s = np.asarray(a.sum(axis=1)).ravel()
    if s[e] == 0:
        return float("nan")
    p_e = a.getrow(e).toarray().ravel() / s[e]
    row_max = a.max(axis=1).toarray().ravel()
    m = sparse.diags(np.where(row_max > 0, 1.0 / np.where(row_max > 0, row_max, 1), 0.0)) @ a
    neighbours = a.getrow(e).indices
    redundancy = (m @ p_e)[neighbours]
    return float(len(neighbours) - redundancy.sum())


def _contact_graph(g: nx.Graph, ego) -> nx.Graph:
    """The contacts linked to at least one other contact, without the user.

    Nodes and neighbours keep the order they have in `g` (as `g.subgraph(...).copy()`
    would give): Louvain's result depends on it.
    """
    adj = g.adj
    keep = {n for n, nbrs in adj.items() if n != ego and len(nbrs) > (1 if ego in nbrs else 0)}
    h = nx.Graph()
    h.add_nodes_from(n for n in g if n in keep)
    h.add_edges_from((u, v, d) for u, nbrs in adj.items() if u in keep for v, d in nbrs.items() if v in keep)
    return h


def contact_groups(g: nx.Graph, ego=EGO, seed: int = 0, contacts: nx.Graph | None = None) -> dict:
    """Groups of contacts who meet together: Louvain communities of the contact-to-contact graph
    (seeded), numbered from the largest. Contacts linked to no other contact are in no group.
    `contacts` is that graph when already made (:func:`_contact_graph`)."""
    h = _contact_graph(g, ego) if contacts is None else contacts
    if h.number_of_edges() == 0:
        return {}
    communities = louvain_communities(h, seed=seed)  # as networkx's, with less machinery
    ordered = sorted(communities, key=lambda c: (-len(c), min(map(str, c))))
    return {n: k for k, members in enumerate(ordered) for n in members}


def _betweenness(h: nx.Graph, exact_up_to: int, seed: int) -> dict:
    """Normalised betweenness (as `networkx.betweenness_centrality`), one connected component at a time.

    Shortest paths never leave a component, so each is done on its own: the
    small ones together and exactly, a component larger than `exact_up_to` from
    sampled sources, as many as keep the work near 2 million node and edge
    visits (at least 50): enough to rank the brokers, in seconds even for tens
    of thousands of contacts. See `betweenness.py` for the method.
    """
    n = h.number_of_nodes()
    out = dict.fromkeys(h.nodes, 0.0)
    if n < 3:
        return out
    scale = 2.0 / ((n - 1) * (n - 2))  # pairs among the other n - 1 nodes
    nodes = list(h.nodes)
    position = {node: i for i, node in enumerate(nodes)}
    adjacency = adjacency_matrix(h, weight=None)
    small: list = []
    for component in nx.connected_components(h):
        if len(component) < 3:
            continue
        if len(component) <= exact_up_to:
            if len(small) + len(component) > 256:  # small components in blocks: no path joins two of them
                _add_scaled(out, adjacency, position, small, None, scale)
                small = []
            small.extend(component)
            continue
        sub = list(h.subgraph(component))  # networkx samples the sources from this order
        idx = np.array([position[m] for m in sub])
        size = len(component) + adjacency[idx][:, idx].nnz // 2  # nodes and edges
        k = int(np.clip(2_000_000 // size, 50, exact_up_to))
        sources = None if k == len(sub) else sampled_sources(sub, k, seed)
        _add_scaled(out, adjacency, position, sub, sources, scale)
    _add_scaled(out, adjacency, position, small, None, scale)
    return out


def _add_scaled(out: dict, adjacency, position: dict, members: list, sources: list | None, scale: float) -> None:
    if not members:
        return
    idx = np.array([position[m] for m in members])
    values = component_betweenness(sparse.csr_matrix(adjacency[idx][:, idx]), members, sources)
    out.update(zip(members, (values * scale).tolist()))


def brokers(g: nx.Graph, ego=EGO, seed: int = 0, exact_up_to: int = 500, groups: dict | None = None,
            contacts: nx.Graph | None = None) -> pd.DataFrame:
    """Contacts who bridge otherwise separate groups of contacts (the user left out).

    Groups come from :func:`contact_groups`. Columns: `contact_id`, `group`,
    `groups_reached` (other groups among its contacts), `shared_occasions`
    (weighted degree), `betweenness` (share of shortest paths between contacts
    that pass through it; estimated from `exact_up_to` sampled sources on larger
    graphs). Sorted by betweenness; only contacts linked to at least one other group.
    `contacts` is the contact-to-contact graph when already made.
    """
    h = _contact_graph(g, ego) if contacts is None else contacts
    cols = ["contact_id", "group", "groups_reached", "shared_occasions", "betweenness"]
    if h.number_of_edges() == 0:
        return pd.DataFrame(columns=cols)
    group = groups if groups is not None else contact_groups(g, ego, seed, contacts=h)
    between = _betweenness(h, exact_up_to, seed)
    rows = []
    for n in h.nodes:
        reached = {group[m] for m in h.neighbors(n)} - {group[n]}
        rows.append((n, group[n], len(reached), float(h.degree(n, weight="weight")), between[n]))
    out = pd.DataFrame(rows, columns=cols)
    out = out[out["groups_reached"] > 0]
    # Equal betweenness can differ in the last digits with the order of summation: such ties go by contact id.
    order = out.assign(rank_key=out["betweenness"].round(12)).sort_values(["rank_key", "contact_id"],
                                                                          ascending=[False, True]).index
    return out.loc[order].reset_index(drop=True)


@dataclass
class StructuralHoles:
    """The ego network and its measures; `ego_constraint` / `ego_effective_size` are None with a note
    when no two contacts are linked."""

    graph: nx.Graph
    ego_constraint: float | None
    ego_effective_size: float | None
    contacts: int
    contact_edges: int
    brokers: pd.DataFrame
    groups: dict = field(default_factory=dict)  # contact -> group of contacts who meet together
    constraint_if_unlinked: float | None = None  # the user's constraint had no two contacts been linked
    notes: list[str] = field(default_factory=list)
    names: pd.Series | None = None  # contact_id -> name, for labels
    companies: pd.Series | None = None  # contact_id -> company

    @property
    def captions(self) -> dict:
        """The network figure's caption, only when there is a network to draw (two contacts linked)."""
        if self.ego_constraint is None:
            return {}
        return {"05_network": "Your contacts linked by shared meetings, messages and deals, around you; colours mark "
                              "groups that meet together, labels the brokers between groups."}

    def metrics(self) -> dict:
        """`ego_constraint`, `ego_effective_size` (with `_n`), the unlinked constraint, the network's size and brokers."""
        m: dict = {"ego_constraint": self.ego_constraint, "ego_effective_size": self.ego_effective_size}
        if self.ego_constraint is not None:
            m["ego_constraint_n"] = m["ego_effective_size_n"] = int(self.contacts)
            m["ego_constraint_if_unlinked"] = self.constraint_if_unlinked
        m["ego_network_contacts"] = int(self.contacts)
        m["ego_network_contact_links"] = int(self.contact_edges)
        m["brokers"] = int(len(self.brokers))
        return m

    def top_brokers(self, n: int = 10) -> list:
        """The contact ids of the `n` strongest brokers."""
        return list(self.brokers["contact_id"].head(n))

    def summary(self, n: int = 10) -> pd.DataFrame:
        """The `n` strongest brokers: name, company, groups reached, shared occasions, betweenness."""
        top = self.brokers.head(n)
        ids = top["contact_id"]
        return pd.DataFrame({"name": ids.map(self.names).to_numpy(), "company": ids.map(self.companies).to_numpy(),
                             "groups reached": top["groups_reached"].to_numpy(),
                             "shared occasions": top["shared_occasions"].to_numpy(),
                             "betweenness": top["betweenness"].round(3).to_numpy()})

    def plot(self, ax=None, brokers: int = 6, seed: int = 0):
        """The network around the user, groups coloured and the `brokers` strongest brokers named, on `ax`
        (a new figure when None); `seed` fixes the layout. Returns the Figure."""
        from netanalysis.plots.network import ego_network

        names = self.names.to_dict() if self.names is not None else None
        return ego_network(self.graph, EGO, names=names, groups=self.groups, highlight=self.top_brokers(brokers),
                           seed=seed, ax=ax)

    def sentence(self) -> str:
        """Constraint, effective size and brokers in words, or why they cannot be measured."""
        if self.ego_constraint is None:
            return ("No two of your contacts share a meeting, a message or a deal in this data: each one involves a "
                    "single contact (a LinkedIn connection list alone has none at all), so who knows whom, and the "
                    "structure of your network, cannot be measured or drawn here. Exports where several contacts "
                    "appear together, such as group meetings in a calendar or mails to several people, would show it.")
        n = self.contacts
        return (f"Your network has **{n}** contacts and **{self.contact_edges}** links between them. Constraint is "
                f"**{self.ego_constraint:.4f}** (it would be {self.constraint_if_unlinked:.4f} with your time spread as it "
                "is but none of them knowing another, and near 1 if all your time went into one closed circle); "
                f"effective size **{self.ego_effective_size:.1f}** of {n} contacts. "
                f"**{len(self.brokers)}** contacts link groups that otherwise do not meet.")


def structural_holes(ds, as_of: pd.Timestamp | None = None, max_group_size: int = 25, seed: int = 0) -> StructuralHoles:
    """Burt's constraint and effective size of the user, and the brokers among the contacts.
    """
    g = ego_network(ds, as_of, max_group_size)
    people = ds.contacts.set_index("contact_id")
    labels = {"names": people["name"].astype("string"), "companies": people["company"].astype("string")}
    contacts = g.degree(EGO)
    contact_edges = g.number_of_edges() - contacts
    notes = []
    counts = g.graph.get("counts", {})
    if counts.get("too_large"):
        notes.append(f"structural holes: {counts['too_large']} occasions with more than {max_group_size} contacts "
                     "(conferences, mass mailings) were left out of the contact-to-contact links")
    if contact_edges == 0:
        why = ("no two contacts share a meeting, message or deal in the data (each involves a single contact), so how closed or open the network is cannot be measured")
        notes += [f"ego_constraint: {why}", f"ego_effective_size: {why}"]
        return StructuralHoles(g, None, None, contacts, 0, brokers(g, EGO, seed, groups={}, contacts=nx.Graph()),
                               notes=notes, **labels)  # no two contacts linked: no contact graph to make
    h = _contact_graph(g, EGO)
    groups = contact_groups(g, EGO, seed, contacts=h)
    ego_weights = np.array([d["weight"] for _, _, d in g.edges(EGO, data=True)], dtype=float)
    unlinked = float(((ego_weights / ego_weights.sum()) ** 2).sum())  # sum of squared shares: no indirect paths
    a, e = _adjacency(g, EGO)  # made once for both measures
    return StructuralHoles(g, _constraint(a, e), _effective_size(a, e), contacts, contact_edges,
                           brokers(g, EGO, seed, groups=groups, contacts=h), groups=groups, constraint_if_unlinked=unlinked,
                           notes=notes, **labels)


def check_network_parameters(tie_window_months: int = 12, dormant_months: int = 12, followup_months: int = 12,
                             max_group_size: int = 25, n_boot: int = 1000) -> None:
    """Check the network notebook's parameters; a UserError names the bad one."""
    from netanalysis.errors import UserError

    if not 1 <= int(tie_window_months) <= 60:
        raise UserError(f"tie_window_months: must be between 1 and 60, got {tie_window_months}")
    if not 1 <= int(dormant_months) <= 120:
        raise UserError(f"dormant_months: must be between 1 and 120, got {dormant_months}")
    if not 1 <= int(followup_months) <= 60:
        raise UserError(f"followup_months: must be between 1 and 60, got {followup_months}")
    if not 2 <= int(max_group_size) <= 10_000:
        raise UserError(f"max_group_size: must be between 2 and 10000, got {max_group_size}")
    if not 100 <= int(n_boot) <= 100_000:
        raise UserError(f"n_boot: must be between 100 and 100000, got {n_boot}")

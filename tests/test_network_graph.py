"""Structural holes: the ego network from shared occasions, constraint and effective size against networkx."""

import networkx as nx
import numpy as np
import pytest
from helpers import write

import netanalysis
from netanalysis.analysis.network.structural_holes import (
    EGO,
    brokers,
    contact_pairs,
    ego_constraint,
    ego_effective_size,
    structural_holes,
)
from netanalysis.dates import parse_as_of


def _load(tmp_path, interactions: str, outcomes: str = ""):
    write(tmp_path, "interactions.csv", "contact_id,timestamp,channel,direction,duration_minutes,group_key\n" + interactions)
    write(tmp_path, "outcomes.csv", "contact_id,account,timestamp,kind,status,group_key\n" + outcomes)
    return netanalysis.load([tmp_path])


def test_constraint_and_effective_size_by_hand():
    # Ego with three contacts, weights 1; only a and b know each other (weight 1).
    g = nx.Graph()
    g.add_weighted_edges_from([("me", "a", 1), ("me", "b", 1), ("me", "c", 1), ("a", "b", 1)])
    # p_me,j = 1/3; p_a,b = p_b,a = 1/2; p_a,me = 1/2.
    # c_me = (1/3 + 1/3*1/2)^2 * 2 + (1/3)^2 = 0.5 + 1/9
    assert ego_constraint(g, "me") == pytest.approx(2 * 0.25 + 1 / 9)
    # Redundancy of a: p_me,b * m_a,b = 1/3 * 1 (a's largest tie has weight 1); same for b; c has none.
    assert ego_effective_size(g, "me") == pytest.approx(3 - 2 / 3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_measures_agree_with_networkx_on_random_weighted_graphs(seed):
    rng = np.random.default_rng(seed)
    g = nx.gnp_random_graph(25, 0.2, seed=seed)
    for u, v in g.edges:
        g[u][v]["weight"] = float(rng.integers(1, 6))
    g.add_weighted_edges_from((100, n, float(rng.integers(1, 9))) for n in range(25))  # the ego, linked to all
    assert ego_constraint(g, 100) == pytest.approx(nx.constraint(g, [100], weight="weight")[100])
    assert ego_effective_size(g, 100) == pytest.approx(nx.effective_size(g, [100], weight="weight")[100])


def test_links_come_from_shared_meetings_messages_and_deals(tmp_path):
    ds = _load(tmp_path, """a,2025-01-10T10:00:00Z,meeting,mutual,60,ev1
b,2025-01-10T10:00:00Z,meeting,mutual,60,ev1
c,2025-01-10T10:00:00Z,meeting,mutual,60,ev1
a,2025-02-01T10:00:00Z,email,outbound,,mail7
b,2025-02-01T10:00:00Z,email,outbound,,mail7
d,2025-03-01T10:00:00Z,call,outbound,20,
e,2025-03-02T10:00:00Z,message,outbound,,
""", """d,,2025-04-01T00:00:00Z,deal,won,deal9
e,,2025-04-01T00:00:00Z,deal,won,deal9
""")
    pairs, counts = contact_pairs(ds)
    got = {(a, b): w for a, b, w in pairs.itertuples(index=False)}
    assert got == {("a", "b"): 2.0, ("a", "c"): 1.0, ("b", "c"): 1.0, ("d", "e"): 1.0}
    assert counts["occasions"] == 3
    sh = structural_holes(ds)
    assert sh.contacts == 5 and sh.contact_edges == 4
    assert sh.ego_constraint == pytest.approx(nx.constraint(sh.graph, [EGO], weight="weight")[EGO])
    # Ego weights are interactions with the user: a and b 2 each, the others 1.
    assert sh.graph[EGO]["a"]["weight"] == 2.0 and sh.graph[EGO]["c"]["weight"] == 1.0
    # Without the links, constraint is the sum of squared shares of the user's ties: (4 + 4 + 1 + 1 + 1) / 7 ** 2.
    assert sh.constraint_if_unlinked == pytest.approx(11 / 49)


def test_nothing_after_as_of_links_contacts(tmp_path):
    ds = _load(tmp_path, """a,2025-01-10T10:00:00Z,meeting,mutual,60,
b,2025-01-11T10:00:00Z,meeting,mutual,60,
a,2025-06-10T10:00:00Z,meeting,mutual,60,ev2
b,2025-06-10T10:00:00Z,meeting,mutual,60,ev2
""")
    early = structural_holes(ds, parse_as_of("2025-03-31"))
    assert early.ego_constraint is None and early.contact_edges == 0
    assert structural_holes(ds).contact_edges == 1


def test_no_contact_links_gives_null_with_a_reason(tiny_ds):
    sh = structural_holes(tiny_ds)
    assert sh.ego_constraint is None and sh.ego_effective_size is None
    assert any(n.startswith("ego_constraint:") for n in sh.notes)
    assert sh.brokers.empty


def test_large_occasions_are_left_out(tmp_path):
    rows = "".join(f"p{i},2025-01-10T10:00:00Z,event,mutual,90,conf\n" for i in range(30))
    ds = _load(tmp_path, rows + "p0,2025-02-10T10:00:00Z,meeting,mutual,60,m1\np1,2025-02-10T10:00:00Z,meeting,mutual,60,m1\n")
    pairs, counts = contact_pairs(ds, max_group_size=25)
    assert len(pairs) == 1 and counts["too_large"] == 1
    assert any("left out" in n for n in structural_holes(ds).notes)


def test_the_contact_joining_two_cliques_is_the_broker():
    g = nx.Graph()
    left, right = ["a1", "a2", "a3", "a4"], ["b1", "b2", "b3", "b4"]
    for group in (left, right):
        g.add_weighted_edges_from((u, v, 3.0) for i, u in enumerate(group) for v in group[i + 1:])
    g.add_weighted_edges_from([("x", "a1", 1.0), ("x", "b1", 1.0)])
    g.add_weighted_edges_from((EGO, n, 1.0) for n in left + right + ["x"])
    b = brokers(g, EGO, seed=0).set_index("contact_id")
    # x lies on the shortest paths between the 4 x 4 members of the two groups (16 pairs), a1 and
    # b1 on 3 x 5 = 15 each; normalised by the (9 - 1)(9 - 2)/2 = 28 pairs that exclude the node.
    assert b.index[0] == "x"
    assert b.loc["x", "betweenness"] == pytest.approx(16 / 28)
    assert set(b.index) <= {"x", "a1", "b1"} and b.loc["x", "groups_reached"] >= 1


def test_betweenness_by_component_matches_networkx_on_the_whole_graph():
    from netanalysis.analysis.network.structural_holes import _betweenness

    g = nx.disjoint_union_all([nx.gnp_random_graph(12, 0.3, seed=s) for s in range(4)] + [nx.path_graph(2)])
    ours = _betweenness(g, exact_up_to=500, seed=0)
    ref = nx.betweenness_centrality(g)
    assert ours == pytest.approx(ref)


def test_real_exports_fill_group_key_for_shared_deals_and_meetings(sample_dir):
    from pathlib import Path

    crm = netanalysis.load([Path(__file__).parent / "fixtures" / "crm"])
    deals = crm.outcomes.dropna(subset=["contact_id", "group_key"])
    shared = deals.groupby("group_key")["contact_id"].nunique()
    assert (shared >= 2).any()  # a HubSpot/Salesforce deal with two contacts
    pairs, _ = contact_pairs(crm)
    for key in shared[shared >= 2].index:
        a, b = sorted(deals.loc[deals["group_key"] == key, "contact_id"].unique())[:2]
        assert ((pairs["a"] == a) & (pairs["b"] == b)).any()
    # The bundled calendar export has group meetings: every attendee of one event shares its key.
    cal = netanalysis.load([sample_dir / "calendar"])
    assert structural_holes(cal).contact_edges > 0

"""The network figure is the same picture whatever Python's hash seed (set order must not reach the layout)."""

import os
import subprocess
import sys

SCRIPT = """
import matplotlib; matplotlib.use("Agg")
import networkx as nx
from netanalysis.plots.network import ego_network
g = nx.Graph()
names = [f"contact-{i:02d}" for i in range(100)]
g.add_weighted_edges_from(("me", n, 1.0) for n in names)
g.add_weighted_edges_from((names[i], names[(i * 7 + 3) % 100], float(1 + i % 4)) for i in range(100))
fig = ego_network(g, "me", max_nodes=25, seed=0)
print(fig.axes[0].collections[1].get_offsets().round(9).tolist())
"""


def _positions(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True).stdout


def test_layout_does_not_depend_on_the_hash_seed():
    assert _positions("1") == _positions("2") != ""

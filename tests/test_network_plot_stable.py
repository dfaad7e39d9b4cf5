"""The network figure is the same picture whatever Python's hash seed (set order must not reach the layout).

One layout is drawn here, under this process's own seed, and one in a fresh interpreter under another
(PYTHONHASHSEED), so the two differ in their seed and nothing else.
"""

import contextlib
import io
import os
import subprocess
import sys

SCRIPT = """
import matplotlib; matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
from netanalysis.plots.network import ego_network
g = nx.Graph()
names = [f"contact-{i:02d}" for i in range(100)]
g.add_weighted_edges_from(("me", n, 1.0) for n in names)
g.add_weighted_edges_from((names[i], names[(i * 7 + 3) % 100], float(1 + i % 4)) for i in range(100))
fig = ego_network(g, "me", max_nodes=25, seed=0)
print(fig.axes[0].collections[1].get_offsets().round(9).tolist())
plt.close(fig)
"""


def _positions_elsewhere(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True).stdout


def _positions_here() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(SCRIPT, {})
    return out.getvalue()


def test_layout_does_not_depend_on_the_hash_seed():
    other = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"  # a seed this process does not have
    assert _positions_here() == _positions_elsewhere(other) != ""

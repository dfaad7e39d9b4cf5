"""Notebook 05 on very little data, the figures, the simulator's group meetings and --anonymize."""

import json

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import netanalysis
from netanalysis.analysis.network.diversity import shannon_entropy_bits
from netanalysis.analysis.network.structural_holes import structural_holes
from netanalysis.analysis.network.ties import dormant_ties, tie_strength
from netanalysis.paths import NOTEBOOKS
from netanalysis.plots import network as plots_network
from netanalysis.report.privacy import anonymize
from netanalysis.simulate.world import simulate_world


@pytest.mark.slow
def test_notebook_reports_on_two_contacts(tiny_ds, tmp_path):
    from netanalysis.report.runner import execute_notebook

    data = tiny_ds.to_parquet(tmp_path / "data")
    execute_notebook(NOTEBOOKS / "05_network_structure.ipynb", tmp_path / "05.ipynb",
                     {"data_dir": str(data), "output_dir": str(tmp_path), "n_boot": 200}, tmp_path)
    part = json.loads((tmp_path / "metrics" / "05_network_structure.json").read_text())
    m, notes = part["metrics"], part["notes"]
    # By hand: active tie-months have 60, 60, 65 (Ann: Feb, Mar, Apr) and 20, 20 (Bob: Mar, Apr) recent
    # minutes; terciles 33.3 and 60 make Bob weak, Ann medium then strong in April, when her deal came.
    assert m["tie_strength_thresholds_minutes"] == pytest.approx([20 + 40 / 3, 60.0])
    assert m["outcome_rate_by_tie_strength"] == pytest.approx({"weak": 0.0, "medium": 0.0, "strong": 1.0})
    assert m["outcome_share_by_tie_strength"] == pytest.approx({"weak": 0.0, "medium": 0.0, "strong": 1.0})
    assert m["network_diversity"] == pytest.approx(shannon_entropy_bits([65, 20]))
    for key in ("ego_constraint", "ego_effective_size", "dormant_reactivation_outcome_rate", "diversity_outcome_correlation"):
        assert m[key] is None and any(n.startswith(key) for n in notes), key
    assert m["dormant_reactivations"] == 0
    assert {"05_tie_strength", "05_diversity"} <= set(part["captions"])
    # no reactivation and no two contacts linked: those figures would be blank, so they are not drawn or captioned
    assert not {"05_dormant_ties", "05_network"} & set(part["captions"])
    assert not (tmp_path / "figures" / "05_dormant_ties.png").exists()
    assert not (tmp_path / "figures" / "05_network.png").exists()
    assert all((tmp_path / "figures" / f"{name}.png").exists() for name in part["captions"])


def test_simulated_group_meetings_share_start_and_duration_and_keep_the_truth():
    w = simulate_world(contacts=200, months=24, seed=2)
    groups = w.interactions.dropna(subset=["group_key"]).groupby("group_key")
    assert groups.ngroups > 10
    assert (groups["contact_id"].nunique() >= 2).mean() > 0.9
    assert groups["timestamp"].nunique().max() == 1 and groups["duration_minutes"].nunique().max() == 1
    # The true hazard saw exactly the minutes written out (group meetings included).
    i = w.interactions
    month = (i["timestamp"].dt.year - 2023) * 12 + i["timestamp"].dt.month - 1
    minutes = i["duration_minutes"].fillna(i["channel"].map({"email": 5.0, "message": 2.0}))
    written = minutes.groupby([i["contact_id"], month]).sum()
    truth = w.monthly.set_index(["contact_id", "month"])["minutes"]
    truth = truth[truth > 0]
    pd.testing.assert_series_equal(written.sort_index(), truth.sort_index(), check_names=False, check_index_type=False)


@pytest.mark.slow
def test_anonymized_data_gives_the_same_network(tmp_path):
    from netanalysis.simulate.world import write_canonical

    write_canonical(simulate_world(contacts=120, months=24, seed=4), tmp_path)
    ds = netanalysis.load([tmp_path])
    anon = anonymize(ds, key=b"test-key")
    a, b = structural_holes(ds), structural_holes(anon)
    assert a.contact_edges > 0 and a.contact_edges == b.contact_edges
    assert a.ego_constraint == pytest.approx(b.ego_constraint)
    assert not set(anon.interactions["group_key"].dropna()) & set(ds.interactions["group_key"].dropna())


def test_labels_cannot_become_mathtext():
    assert plots_network.safe_label("$x$") == r"\$x\$"
    assert plots_network.safe_label("a" * 40, limit=10) == "a" * 9 + "\u2026"
    assert plots_network.safe_label("line\nbreak") == "linebreak"


def test_figures_draw_with_no_data(tiny_ds):
    ts, dt, sh = tie_strength(tiny_ds, n_boot=50), dormant_ties(tiny_ds, n_boot=50), structural_holes(tiny_ds)
    empty = pd.DataFrame(columns=["period", "entropy_bits"])
    for fig in (plots_network.tie_strength_outcomes(ts.table, ts.thresholds), plots_network.dormant_vs_active(dt.table),
                plots_network.ego_network(sh.graph, "x"), plots_network.diversity_over_time(empty)):
        assert isinstance(fig, plt.Figure)
        plt.close(fig)

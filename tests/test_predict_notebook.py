"""Notebook 04 through papermill: on data far too small to judge a prediction it must not fail, must say why
the metrics are null and must escape names; on a simulated world, rows after as_of must change nothing it
writes (metrics, follow-up list, figures). The three runs go side by side, one kernel each."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import write
from test_predict_leakage import with_future_rows

import netanalysis
from netanalysis.paths import NOTEBOOKS
from netanalysis.report.runner import execute_notebook, to_html

pytestmark = pytest.mark.slow  # every test here runs the report notebooks through papermill

NB = NOTEBOOKS / "04_predicting_outcomes.ipynb"
AS_OF = "2025-06-30"


def tiny_with_markup(folder):
    write(folder, "contacts.csv", """
contact_id,name,email,company
c1,<script>alert(1)</script>,ann@x.com,Acme
c2,Bob Roy,,Beta
""")
    write(folder, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
c1,2025-01-15T10:00:00Z,meeting,outbound,60
c1,2025-11-02T09:00:00Z,email,inbound,
c2,2025-02-01T12:00:00Z,call,outbound,
""")
    write(folder, "outcomes.csv", """
contact_id,timestamp,kind,status,value
c1,2025-04-10T00:00:00Z,deal,won,1000
""")
    return netanalysis.load([folder])


@pytest.fixture(scope="module")
def runs(tmp_path_factory, simulated_dataset):
    root = tmp_path_factory.mktemp("nb04")
    world = simulated_dataset(contacts=300, months=36, seed=7)
    datasets = {"tiny": (tiny_with_markup(root), "2025-12-31", 3),
                "known": (world.until(AS_OF), AS_OF, 6),
                "more": (with_future_rows(world), AS_OF, 6)}
    jobs = []
    for name, (ds, as_of, horizon) in datasets.items():
        out = root / name
        ds.to_parquet(out / "data")
        jobs.append((out, {"data_dir": str(out / "data"), "output_dir": str(out), "as_of": as_of,
                           "horizon_months": horizon}))
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda job: execute_notebook(NB, job[0] / "04.ipynb", job[1], cwd=job[0]), jobs))
    return {name: root / name for name in datasets}


def metrics(folder):
    return json.loads((folder / "metrics" / "04_predicting_outcomes.json").read_text())


def test_small_data_gives_nulls_with_reasons(runs):
    part = metrics(runs["tiny"])
    assert part["metrics"]["holdout_auc"] is None and part["metrics"]["holdout_auc_recency_baseline"] is None
    assert any(n.startswith("holdout_auc:") for n in part["notes"])
    assert any(n.startswith("holdout_auc_recency_baseline:") for n in part["notes"])


def test_follow_up_list_is_written_and_names_are_escaped(runs):
    text = (runs["tiny"] / "followup.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "rank,contact_id,name,group,probability,last_touch,stock_hours,past_outcomes,reason"
    assert "<script>alert(1)</script>" in text  # the CSV keeps the data as it is (it is not HTML)
    html = to_html(runs["tiny"] / "04.ipynb")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_rows_after_as_of_change_nothing_the_notebook_writes(runs):
    known, more = runs["known"], runs["more"]
    assert metrics(known)["metrics"]["holdout_auc"] is not None  # real numbers, not two empty results
    assert metrics(known) == metrics(more)
    assert (known / "followup.csv").read_bytes() == (more / "followup.csv").read_bytes()
    names = sorted(p.name for p in (known / "figures").glob("*.png"))
    assert len(names) == 4 and names == sorted(p.name for p in (more / "figures").glob("*.png"))
    for name in names:
        assert (known / "figures" / name).read_bytes() == (more / "figures" / name).read_bytes(), name


def test_summary_keys_carry_intervals_and_counts(runs):
    m = metrics(runs["known"])["metrics"]
    for key in ("holdout_auc", "holdout_auc_recency_baseline", "holdout_auc_gradient_boosting",
                "holdout_auc_frequency_baseline", "holdout_auc_relationship_score_baseline"):
        lo, hi = m[key + "_ci"]
        assert 0 <= lo <= m[key] <= hi <= 1 and m[key + "_n"] > 100
    # The last window to close by 30 June 2025 is January..June 2025; three held-out decision months end there.
    assert m["prediction_horizon_months"] == 6 and m["holdout_window"] == "2024-11 to 2025-01"

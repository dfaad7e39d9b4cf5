"""Notebook 04 runs through papermill on data far too small to judge a prediction: it must not fail,
must say why the metrics are null, must write the follow-up list, and must escape names."""

import json

import pytest

import netanalysis
from netanalysis.paths import NOTEBOOKS
from netanalysis.report import execute_notebook, to_html
from tests.conftest import write

NB = NOTEBOOKS / "04_predicting_outcomes.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    write(src, "contacts.csv", """
contact_id,name,email,company
c1,<script>alert(1)</script>,ann@x.com,Acme
c2,Bob Roy,,Beta
""")
    write(src, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
c1,2025-01-15T10:00:00Z,meeting,outbound,60
c1,2025-11-02T09:00:00Z,email,inbound,
c2,2025-02-01T12:00:00Z,call,outbound,
""")
    write(src, "outcomes.csv", """
contact_id,timestamp,kind,status,value
c1,2025-04-10T00:00:00Z,deal,won,1000
""")
    out = tmp_path_factory.mktemp("out")
    netanalysis.load([src]).to_parquet(out / "data")
    execute_notebook(NB, out / "04.ipynb", {"data_dir": str(out / "data"), "output_dir": str(out),
                                             "as_of": "2025-12-31", "horizon_months": 3}, cwd=out)
    return out


def test_small_data_gives_nulls_with_reasons(executed):
    part = json.loads((executed / "metrics" / "04_predicting_outcomes.json").read_text())
    assert part["metrics"]["holdout_auc"] is None and part["metrics"]["holdout_auc_recency_baseline"] is None
    assert any(n.startswith("holdout_auc:") for n in part["notes"])
    assert any(n.startswith("holdout_auc_recency_baseline:") for n in part["notes"])


def test_follow_up_list_is_written_and_names_are_escaped(executed):
    text = (executed / "followup.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "rank,contact_id,name,group,probability,last_touch,stock_hours,past_outcomes,reason"
    assert "<script>alert(1)</script>" in text  # the CSV keeps the data as it is (it is not HTML)
    html = to_html(executed / "04.ipynb")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html

"""The follow-up list: groups, reasons, ranking, safe CSV; and small data gives nulls with notes, not errors."""

import csv

import pandas as pd
import pytest
from helpers import write

import netanalysis
from netanalysis.analysis.predict.features import feature_table
from netanalysis.analysis.predict.holdout import follow_up_list, predict_outcomes
from netanalysis.dates import parse_as_of
from netanalysis.report.csv_safety import write_safe_csv

COLUMNS = ["rank", "contact_id", "name", "group", "probability", "last_touch", "stock_hours", "past_outcomes", "reason"]


@pytest.fixture
def three(tmp_path):
    """Touched last in December (active), in August (cooling) and in March (dormant), as of 31 December."""
    write(tmp_path, "contacts.csv", """
contact_id,name,email,company
a,=HYPERLINK("http://x"),,A
b,<b>Bold</b>,,B
c,Cleo,,C
""")
    write(tmp_path, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
a,2025-01-10T10:00:00Z,meeting,outbound,60
a,2025-12-05T10:00:00Z,meeting,outbound,60
b,2025-01-10T10:00:00Z,meeting,outbound,60
b,2025-08-20T10:00:00Z,call,inbound,30
c,2025-03-01T10:00:00Z,meeting,outbound,60
""")
    write(tmp_path, "outcomes.csv", """
contact_id,timestamp,kind,status,value
c,2025-04-10T00:00:00Z,deal,won,1000
""")
    return netanalysis.load([tmp_path])


def test_groups_reasons_and_columns_by_hand(three):
    table = feature_table(three, as_of=parse_as_of("2025-12-31"), horizon_months=6)
    out, notes = follow_up_list(table, three)
    assert list(out.columns) == COLUMNS
    by = out.set_index("contact_id")
    assert by.loc["a", "group"] == "active" and by.loc["b", "group"] == "cooling" and by.loc["c", "group"] == "dormant"
    assert by.loc["a", "last_touch"] == "2025-12-05" and by.loc["b", "last_touch"] == "2025-08-20"
    assert by.loc["c", "past_outcomes"] == 1 and by.loc["a", "past_outcomes"] == 0
    # a: 60 minutes in January decayed 11 months at a 3-month half-life, plus 60 in December
    assert by.loc["a", "stock_hours"] == pytest.approx(round((60 * 0.5 ** (11 / 3) + 60) / 60, 2))
    # Counted back from the end of 31 December: 26 days; 133 days = 4.4 months; 305 days = 10.0 months.
    assert by.loc["a", "reason"].startswith("last touch 26 days ago; 1.1 h of invested time still carrying over")
    assert by.loc["b", "reason"].startswith("last touch 4 months ago;")
    assert by.loc["c", "reason"].startswith("last touch 10 months ago (dormant)") and "1 earlier won outcome" in by.loc["c", "reason"]
    assert "2 touches in the last 12 months" in by.loc["a", "reason"] and "no won outcome yet" in by.loc["a", "reason"]
    # One won outcome is far too few to learn from: no probabilities, ranked by the relationship score.
    assert out["probability"].isna().all() and notes and "too few" in notes[0]
    assert list(out["contact_id"]) == ["a", "b", "c"] and list(out["rank"]) == [1, 2, 3]


def test_the_csv_cannot_run_formulas(three, tmp_path):
    out, _ = follow_up_list(feature_table(three, as_of=parse_as_of("2025-12-31")), three)
    path = tmp_path / "followup.csv"
    write_safe_csv(out, path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    names = {r["contact_id"]: r["name"] for r in rows}
    assert names["a"] == "'=HYPERLINK(\"http://x\")" and names["b"] == "<b>Bold</b>"
    assert list(rows[0]) == COLUMNS


def test_small_data_gives_null_metrics_with_notes(tiny_ds):
    pred = predict_outcomes(tiny_ds, as_of=parse_as_of("2025-12-31"), n_boot=20)
    metrics, notes = pred.metrics()
    assert metrics["holdout_auc"] is None and metrics["holdout_auc_recency_baseline"] is None
    assert any(n.startswith("holdout_auc:") for n in notes)
    assert any(n.startswith("holdout_auc_recency_baseline:") for n in notes)
    assert len(pred.followup) == 2 and pred.rolling.empty


def test_history_shorter_than_the_horizon(tiny_ds):
    pred = predict_outcomes(tiny_ds, as_of=parse_as_of("2025-03-31"), horizon_months=6, n_boot=20)
    metrics, notes = pred.metrics()
    assert metrics["holdout_auc"] is None and "complete 6-month outcome window" in notes[0]
    assert set(pred.followup["contact_id"]) == {"c1", "c2"}


def test_sample_follow_up_list(sample_ds):
    ds = sample_ds
    table = feature_table(ds, as_of=parse_as_of("2025-12-31"), horizon_months=6)
    out, notes = follow_up_list(table, ds)
    assert not notes
    assert list(out["rank"]) == list(range(1, len(out) + 1))
    assert out["probability"].between(0, 1).all() and out["probability"].is_monotonic_decreasing
    touched = ds.interactions.loc[ds.interactions["timestamp"] <= pd.Timestamp("2025-12-31T23:59:59Z"), "contact_id"]
    assert set(out["contact_id"]) == set(touched)
    # Active = touched in October, November or December 2025; dormant = nothing since June.
    last = pd.to_datetime(out["last_touch"])
    assert ((last >= "2025-10-01") == (out["group"] == "active")).all()
    assert ((last < "2025-07-01") == (out["group"] == "dormant")).all()

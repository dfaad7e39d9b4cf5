"""Event study: mean activity by months from each won outcome, checked by hand."""

import pandas as pd
import pytest

from netanalysis.analysis.returns.event_study import event_study, event_study_panel
from netanalysis.dataset import Dataset
from netanalysis.dates import parse_as_of


def _activity(minutes_by_unit):
    rows = [(u, m, float(v), float(v > 0)) for u, values in minutes_by_unit.items() for m, v in enumerate(values)]
    return pd.DataFrame(rows, columns=["unit", "month", "minutes", "touches"])


def test_event_time_means_and_baseline_by_hand():
    act = _activity({"a": [0, 0, 10, 20, 0, 30, 0, 0, 0, 0], "b": [5, 5, 5, 5, 5, 5]})
    events = pd.DataFrame({"unit": ["a", "b", "b"], "month": [5, 3, 5]})
    es = event_study(act, events, window=2, n_boot=50)
    t = es.table.set_index("event_month")
    # k=-2: a m3=20, b m1=5, b m3=5 -> 30/3; k=-1: a m4=0, b m2=5, b m4=5 -> 10/3; k=0: 30, 5, 5 -> 40/3
    # k=1: a m6=0, b m4=5 (b has no month 6) -> 5/2; k=2: a m7=0, b m5=5 -> 5/2
    assert t["minutes"].tolist() == pytest.approx([10, 10 / 3, 40 / 3, 2.5, 2.5])
    assert t["outcomes"].tolist() == [3, 3, 3, 2, 2]
    assert t["units"].tolist() == [2, 2, 2, 2, 2]
    assert t.loc[0, "touches"] == pytest.approx(1.0)
    # Far from every outcome (more than 2 months): a months 0,1,2,8,9 (10 minutes), b month 0 (5): 15 / 6.
    assert es.baseline["minutes"] == pytest.approx(2.5)
    assert es.baseline["unit_months"] == 6 and es.baseline["units"] == 2
    assert (t["minutes_low"] <= t["minutes"] + 1e-9).all() and (t["minutes"] <= t["minutes_high"] + 1e-9).all()
    assert es.near_to_far is None  # months 4-6 before are outside a 2-month window


def test_near_to_far_ratio_by_hand():
    minutes = [0] * 13
    minutes[4] = minutes[5] = minutes[6] = 10
    minutes[9] = minutes[10] = 60
    es = event_study(_activity({"c": minutes}), pd.DataFrame({"unit": ["c"], "month": [10]}), window=6, n_boot=20)
    assert es.near_to_far == pytest.approx(6.0)  # (60 + 60) / 2 over (10 + 10 + 10) / 3
    assert es.near_to_far_ci == pytest.approx([6.0, 6.0])  # one unit: every resample is the same
    assert "piles up" in es.sentence()


def test_no_outcomes_gives_an_empty_study_and_a_note():
    es = event_study(_activity({"a": [1, 2]}), pd.DataFrame({"unit": [], "month": []}))
    assert es.table.empty and es.notes


def _dataset():
    inter = pd.DataFrame({"contact_id": ["x", "x", "x"], "timestamp": pd.to_datetime(
        ["2025-01-05", "2025-03-05", "2025-04-05"], utc=True), "interaction_id": ["i1", "i2", "i3"],
        "channel": "meeting", "direction": "mutual", "duration_minutes": [30.0, 60.0, 90.0], "source": "t",
        "source_row": [1, 2, 3]})
    outc = pd.DataFrame({"outcome_id": ["o1"], "contact_id": ["x"], "account": [pd.NA],
                         "timestamp": pd.to_datetime(["2025-04-20"], utc=True), "kind": "deal", "status": "won",
                         "value": 1.0, "currency": "EUR", "source": "t", "source_row": [1],
                         "opened_at": pd.to_datetime(["2025-03-01"], utc=True)})
    cont = pd.DataFrame({"contact_id": ["x"], "name": ["x"], "emails": [[]], "sources": [["t"]], "first_seen": pd.NaT})
    return Dataset.from_frames(cont, inter, outc, check=False)


def test_dataset_events_align_on_the_outcome_or_the_opening_month():
    ds = _dataset()
    act, events = event_study_panel(ds, as_of=parse_as_of("2025-06-30"))
    assert act["minutes"].tolist() == [30.0, 0.0, 60.0, 90.0, 0.0, 0.0]  # Jan..Jun
    by_outcome = event_study(act, events, window=2, n_boot=10).table.set_index("event_month")["minutes"]
    assert by_outcome.tolist() == [0.0, 60.0, 90.0, 0.0, 0.0]  # Feb..Jun around April
    act, opened = event_study_panel(ds, as_of=parse_as_of("2025-06-30"), align="opened")
    assert (opened["month"] - events["month"]).tolist() == [-1]  # opened in March
    by_opening = event_study(act, opened, window=2, n_boot=10).table.set_index("event_month")["minutes"]
    assert by_opening.tolist() == [30.0, 0.0, 60.0, 90.0, 0.0]

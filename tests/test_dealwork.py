"""Deal work (opening to close) is kept apart from origination (the 12 months before opening)."""

import pandas as pd
import pytest

from netanalysis.analysis.returns.deal_work import deal_work, deal_work_summary
from netanalysis.dataset import Dataset
from netanalysis.dates import parse_as_of


def _dataset():
    times = ["2024-02-01", "2024-06-01", "2025-02-20", "2025-03-10", "2025-05-01", "2025-06-01", "2025-03-15"]
    inter = pd.DataFrame({
        "contact_id": ["x"] * 6 + ["y"], "timestamp": pd.to_datetime(times, utc=True),
        "duration_minutes": [45.0, 30.0, 60.0, 90.0, 20.0, 15.0, 60.0], "channel": "meeting", "direction": "mutual",
        "source": "t", "source_row": range(7), "interaction_id": [f"i{k}" for k in range(7)]})
    outc = pd.DataFrame({
        "outcome_id": ["o1", "o2", "o3"], "contact_id": ["x", "y", "x"], "account": pd.NA,
        "timestamp": pd.to_datetime(["2025-05-01", "2025-04-01", "2025-06-30"], utc=True),
        "opened_at": pd.to_datetime(["2025-03-01", pd.NaT, "2025-07-01"], utc=True),
        "kind": "deal", "status": ["won", "won", "lost"], "value": 1.0, "currency": "EUR", "source": "t",
        "source_row": [1, 2, 3]})
    cont = pd.DataFrame({"contact_id": ["x", "y"], "name": ["x", "y"], "emails": [[], []], "sources": [["t"]] * 2,
                         "first_seen": pd.NaT})
    return Dataset.from_frames(cont, inter, outc, check=False)


def test_minutes_before_opening_and_until_the_close_by_hand():
    t = deal_work(_dataset(), as_of=parse_as_of("2025-12-31"))
    # o2 has no opening date; o3 opened after it closed: both left out.
    assert t["outcome_id"].tolist() == ["o1"]
    row = t.iloc[0]
    # 2024-03-01 .. 2025-03-01: 30 (June) + 60 (20 Feb); 2024-02-01 is older than 12 months.
    assert row["origination_minutes"] == pytest.approx(90.0)
    # 2025-03-01 .. 2025-05-01 inclusive: 90 (10 Mar) + 20 (1 May); June is after the close.
    assert row["deal_work_minutes"] == pytest.approx(110.0)
    assert row["deal_days"] == pytest.approx(61.0)


def test_as_of_cuts_outcomes_and_interactions():
    assert deal_work(_dataset(), as_of=parse_as_of("2025-04-30")).empty


def test_summary_splits_the_hours():
    s = deal_work_summary(deal_work(_dataset(), as_of=parse_as_of("2025-12-31")))
    assert s.loc["before opening (origination)", "total_hours"] == pytest.approx(1.5)
    assert s.loc["opening to close (deal work)", "share_of_hours"] == pytest.approx(110 / 200)
    assert s["outcomes"].tolist() == [1, 1]

"""Deal cycles pair an engagement with its close on the deal's own id, never on row numbers."""

import pandas as pd
import pytest

import netanalysis
from netanalysis.analysis.returns.deal_cycles import deal_cycles
from netanalysis.dataset import Dataset
from netanalysis.dates import parse_as_of


def _dataset(interactions, outcomes):
    inter = pd.DataFrame(interactions, columns=["contact_id", "timestamp", "source", "source_row", "group_key"])
    inter = inter.assign(interaction_id=[f"i{k}" for k in range(len(inter))], channel="meeting", direction="mutual",
                         duration_minutes=60.0)
    outc = pd.DataFrame(outcomes, columns=["contact_id", "timestamp", "status", "value", "source", "source_row",
                                           "group_key"])
    outc = outc.assign(outcome_id=[f"o{k}" for k in range(len(outc))], account=pd.NA, kind="deal", currency="EUR")
    ids = sorted(set(inter["contact_id"]))
    cont = pd.DataFrame({"contact_id": ids, "company": [f"Co {i}" for i in ids], "name": ids,
                         "emails": [[] for _ in ids], "sources": [["t"]] * len(ids), "first_seen": pd.NaT})
    return Dataset.from_frames(cont, inter, outc, check=False)


def test_engagement_and_close_pair_on_the_deal_id():
    ds = _dataset([("x", "2025-01-01T00:00:00Z", "crm", 2, "crm:deal|1"),
                   ("x", "2025-01-10T00:00:00Z", "crm", 3, "crm:deal|3"),
                   ("y", "2025-01-05T00:00:00Z", "crm", 5, "crm:deal|2"),
                   ("y", "2025-01-07T00:00:00Z", "mail", 9, "mail:<m1@x>")],
                  [("x", "2025-02-01T00:00:00Z", "won", 500.0, "crm", 7, "crm:deal|1"),
                   ("y", "2025-01-15T00:00:00Z", "lost", 0.0, "crm", 2, "crm:deal|2")])
    d = deal_cycles(ds, unit="contact", as_of=parse_as_of("2025-03-01")).set_index("status")
    assert d.loc["won", "days"] == pytest.approx(31.0)   # 1 Jan -> 1 Feb
    assert d.loc["lost", "days"] == pytest.approx(10.0)  # 5 Jan -> 15 Jan
    assert d.loc["open", "days"] == pytest.approx(51.0, abs=1e-6)  # 10 Jan -> end of 1 Mar, censored
    assert len(d) == 3  # the mail is not a deal


def test_colliding_row_numbers_pair_nothing_without_deal_ids():
    # Row 2 of the interactions and row 2 of the outcomes: same source, same unit, unrelated records.
    ds = _dataset([("x", "2024-01-01T00:00:00Z", "canonical", 2, None)],
                  [("x", "2025-03-20T00:00:00Z", "won", 100.0, "canonical", 2, None)])
    assert deal_cycles(ds, unit="contact").empty


def test_two_canonical_files_with_colliding_rows(tmp_path):
    (tmp_path / "interactions.csv").write_text(
        "contact_id,timestamp,channel,group_key\n"
        "a@x.com,2025-01-01T00:00:00Z,meeting,D2\n"
        "a@x.com,2025-02-01T00:00:00Z,meeting,D1\n", encoding="utf-8")
    (tmp_path / "outcomes.csv").write_text(
        "contact_id,timestamp,kind,status,value,group_key\n"
        "a@x.com,2025-02-11T00:00:00Z,deal,won,10,D1\n"
        "a@x.com,2025-03-02T00:00:00Z,deal,lost,,D2\n", encoding="utf-8")
    d = deal_cycles(netanalysis.load([tmp_path]), unit="contact").set_index("status")
    # By id: D1 1 Feb -> 11 Feb (10 days), D2 1 Jan -> 2 Mar (60 days); by row it would be 41 and 29.
    assert d.loc["won", "days"] == pytest.approx(10.0)
    assert d.loc["lost", "days"] == pytest.approx(60.0)

"""The Maven CRM teaching dataset: figures pinned against plain csv-module arithmetic on the raw files."""

import csv
import datetime as dt
import statistics
from pathlib import Path

import pytest

import netanalysis

MAVEN = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "maven_crm"
pytestmark = pytest.mark.skipif(not MAVEN.exists(), reason="the shared Maven dataset is not available here")


@pytest.fixture(scope="module")
def raw():
    with open(MAVEN / "sales_pipeline.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ds():
    return netanalysis.load([MAVEN])


def test_every_row_accounted_for(ds):
    for f in ds.load_report["files"]:
        assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"], f
        assert "unaccounted" not in f
    by_name = {Path(f["path"]).name: f for f in ds.load_report["files"]}
    assert by_name["products.csv"]["loaded"] == 0 and by_name["sales_teams.csv"]["loaded"] == 0
    assert by_name["accounts.csv"]["loaded"] == 85


def test_won_deals_with_an_account(ds, raw):
    want = sum(1 for r in raw if r["deal_stage"] == "Won" and r["account"].strip())
    got = ds.outcomes[ds.outcomes["status"] == "won"]
    assert len(got) == want
    assert got["account"].notna().all()
    assert round(got["value"].sum()) == sum(int(r["close_value"]) for r in raw
                                            if r["deal_stage"] == "Won" and r["account"].strip())


def test_median_engage_to_close_days_of_won_deals(ds, raw):
    days = [(dt.date.fromisoformat(r["close_date"]) - dt.date.fromisoformat(r["engage_date"])).days
            for r in raw if r["deal_stage"] == "Won" and r["account"].strip()]
    want = statistics.median(days)
    won = ds.outcomes[ds.outcomes["status"] == "won"].set_index("source_row")["timestamp"]
    engaged = ds.interactions.set_index("source_row")["timestamp"]
    got = ((won - engaged.reindex(won.index)).dt.days).median()
    assert got == want


def test_rejections_carry_the_readme_quirks(ds, raw):
    no_account = sum(1 for r in raw if not r["account"].strip())
    prospecting = sum(1 for r in raw if r["account"].strip() and r["deal_stage"] == "Prospecting")
    reasons = next(f for f in ds.load_report["files"] if f["path"].endswith("sales_pipeline.csv"))["rejected_by_reason"]
    assert reasons == {"no account": no_account, "Prospecting": prospecting}
    assert no_account == 1425  # README


def test_accounts_are_the_contacts_and_the_panel_unit(ds):
    assert len(ds.contacts) == 85
    assert (ds.contacts["name"] == ds.contacts["company"]).all()
    assert ds.interactions["contact_id"].isin(ds.contacts["contact_id"]).all()
    panel = ds.panel(unit="account")
    assert panel["account"].nunique() <= 85
    assert panel["outcomes_won"].sum() == (ds.outcomes["status"] == "won").sum()

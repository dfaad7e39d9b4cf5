"""Outcomes carry the date their opportunity opened (`opened_at`), from every CRM that records it."""

from pathlib import Path

import pandas as pd

import netanalysis
from netanalysis.dataset import Dataset

CRM = Path(__file__).parent / "fixtures" / "crm"


def _opened(ds, **where):
    o = ds.outcomes
    for column, value in where.items():
        o = o[o[column] == value]
    return set(o["opened_at"])


def _utc(text):
    return pd.Timestamp(text, tz="UTC")


def test_salesforce_created_date():
    ds = netanalysis.load([CRM / "salesforce" / "Opportunity.csv"])
    assert _opened(ds, group_key="salesforce:opportunity|0061") == {_utc("2023-02-01 10:00")}


def test_hubspot_create_date_on_every_contact_share():
    ds = netanalysis.load([CRM / "hubspot_deals.csv"])
    assert _opened(ds, group_key="hubspot:deal|5001") == {_utc("2025-06-01 10:00")}  # both contacts' shares
    assert _opened(ds, group_key="hubspot:deal|5002") == {_utc("2025-01-05 10:00")}


def test_pipedrive_deal_created_in_the_given_zone():
    ds = netanalysis.load([CRM / "pipedrive_deals.csv"], tz="Europe/Berlin")
    assert _opened(ds, group_key="pipedrive:deal|301") == {_utc("2024-02-01 09:00")}  # 10:00 CET


def test_maven_engage_date(tmp_path):
    (tmp_path / "sales_pipeline.csv").write_text(
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
        "A1,Ann,GTX,Acme,Won,2017-01-05,2017-03-01,100\n"
        "A2,Ann,GTX,Acme,Engaging,2017-02-07,,\n", encoding="utf-8")
    ds = netanalysis.load([tmp_path])
    assert ds.outcomes["opened_at"].tolist() == [_utc("2017-01-05")]


def test_canonical_optional_column_rejects_bad_values_with_a_reason(tmp_path):
    (tmp_path / "outcomes.csv").write_text(
        "contact_id,timestamp,kind,status,opened_at\n"
        "a@x.com,2025-03-01T00:00:00Z,deal,won,2025-01-15T00:00:00Z\n"
        "b@x.com,2025-03-02T00:00:00Z,deal,won,\n"
        "c@x.com,2025-03-03T00:00:00Z,deal,won,soon\n"
        "d@x.com,2025-03-04T00:00:00Z,deal,won,2025-04-01T00:00:00Z\n", encoding="utf-8")
    ds = netanalysis.load([tmp_path])
    by_row = ds.outcomes.set_index("source_row")["opened_at"]
    assert by_row[1] == _utc("2025-01-15") and pd.isna(by_row[2]) and set(by_row.index) == {1, 2}
    assert sorted(ds.rejected["reason"]) == ["opened_at is after timestamp", "unparseable opened_at"]
    f = ds.load_report["files"][0]
    assert (f["rows_read"], f["loaded"], f["rejected"]) == (4, 2, 2)


def test_without_the_column_opened_at_is_nat_and_survives_parquet_and_until(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "outcomes.csv").write_text(
        "contact_id,timestamp,kind,opened_at\n"
        "a@x.com,2025-03-01T00:00:00Z,deal,2025-01-15T00:00:00Z\n"
        "b@x.com,2025-05-01T00:00:00Z,deal,2025-04-10T00:00:00Z\n", encoding="utf-8")
    ds = netanalysis.load([tmp_path / "in"])
    back = Dataset.read_parquet(ds.to_parquet(tmp_path / "out", validate=True))
    assert back.outcomes["opened_at"].tolist() == [_utc("2025-01-15"), _utc("2025-04-10")]
    assert str(back.outcomes["opened_at"].dtype) == "datetime64[ns, UTC]"
    # The outcome is cut by its own timestamp; one won later but opened before as_of is not known yet.
    assert back.until("2025-04-15").outcomes["opened_at"].tolist() == [_utc("2025-01-15")]
    old = back.outcomes.drop(columns="opened_at")  # an older loaded folder without the column
    assert Dataset.from_frames(back.contacts, back.interactions, old).outcomes["opened_at"].isna().all()


def test_simulated_exports_write_the_world_s_opening_dates(tmp_path):
    from netanalysis.simulate.exports import write_exports
    from netanalysis.simulate.world import simulate_world

    world = simulate_world(contacts=30, months=12, seed=2)
    world.outcomes["opened_at"] = world.outcomes["timestamp"].dt.floor("min") - pd.Timedelta(days=10)
    write_exports(world, tmp_path)
    ds = netanalysis.load([tmp_path / "hubspot" / "deals.csv"])
    gap = (ds.outcomes["timestamp"] - ds.outcomes["opened_at"]).dt.total_seconds() / 86400
    assert len(ds.outcomes) == len(world.outcomes) and (gap.round(6) == 10).all()

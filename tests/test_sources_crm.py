"""CRM exports: HubSpot, Salesforce, Pipedrive. One test per quirk; numbers read off the fixtures by hand."""

import csv
from pathlib import Path

import pandas as pd
import pytest
from helpers import write

import netanalysis
from netanalysis.errors import UserError
from netanalysis.io.sources import detect_format
from netanalysis.io.sources.base import sniff

FIX = Path(__file__).parent / "fixtures" / "crm"
ALL_FIXTURES = sorted(p for p in FIX.rglob("*.csv"))


def _by_email(ds, email):
    cid = ds.contacts.loc[ds.contacts["emails"].map(lambda e: email in e), "contact_id"]
    assert len(cid) == 1, email
    return cid.iloc[0]


def _file(ds, name):
    return next(f for f in ds.load_report["files"] if f["path"].endswith(name))


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: str(p.relative_to(FIX)))
def test_accounting_invariant_on_every_fixture(path):
    ds = netanalysis.load([path])
    f = ds.load_report["files"][0]
    with open(path, newline="", encoding="utf-8") as fh:
        records = sum(1 for rec in list(csv.reader(fh))[1:] if any(c.strip() for c in rec))
    assert f["rows_read"] == records
    assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"] and "unaccounted" not in f
    assert len(ds.rejected) == f["rejected"]


@pytest.mark.parametrize("name,fmt", [
    ("hubspot_contacts.csv", "hubspot_contacts"), ("hubspot_companies.csv", "hubspot_companies"),
    ("hubspot_deals.csv", "hubspot_deals"), ("hubspot_calls.csv", "hubspot_activities"),
    ("hubspot_meetings.csv", "hubspot_activities"), ("pipedrive_persons.csv", "pipedrive_persons"),
    ("pipedrive_deals.csv", "pipedrive_deals"), ("pipedrive_activities.csv", "pipedrive_activities"),
    ("salesforce/Contact.csv", "salesforce_contacts"), ("salesforce/Account.csv", "salesforce_accounts"),
    ("salesforce/Lead.csv", "salesforce_leads"),
    ("salesforce/Task.csv", "salesforce_tasks"), ("salesforce/Event.csv", "salesforce_events"),
    ("salesforce/Opportunity.csv", "salesforce_opportunities"),
    ("salesforce/OpportunityContactRole.csv", "salesforce_contact_roles"),
])
def test_detected_by_header_not_name(tmp_path, name, fmt):
    copy = tmp_path / "export.csv"
    copy.write_bytes((FIX / name).read_bytes())
    assert detect_format(sniff(copy)).name == fmt


# ----------------------------------------------------------------------------- HubSpot

@pytest.fixture(scope="module")
def hubspot():
    return netanalysis.load(sorted(FIX.glob("hubspot_*.csv")))


def test_hubspot_won_deal_split_once_across_contacts(hubspot):
    deal = hubspot.outcomes[hubspot.outcomes["group_key"].astype(str).str.endswith("deal|5001")]
    # 9000 split across Ann and Bob: 4500 each, 9000 in total, never 9000 twice.
    assert sorted(deal["value"]) == [4500.0, 4500.0] and deal["value"].sum() == 9000.0
    assert set(deal["contact_id"]) == {_by_email(hubspot, "ann@x.example"), _by_email(hubspot, "bob@y.example")}
    assert deal["outcome_id"].is_unique


def test_hubspot_outcome_ids_stable_across_runs(hubspot):
    again = netanalysis.load(sorted(FIX.glob("hubspot_*.csv")))
    assert sorted(again.outcomes["outcome_id"]) == sorted(hubspot.outcomes["outcome_id"])


def test_hubspot_deal_without_contact_belongs_to_company(hubspot):
    o = hubspot.outcomes[hubspot.outcomes["group_key"].astype(str).str.endswith("deal|5003")]
    assert o["contact_id"].isna().all() and o["account"].tolist() == ["Beta Corp"] and o["value"].tolist() == [4000.0]


def test_hubspot_status_close_date_and_company_domain(hubspot):
    o = hubspot.outcomes.set_index(hubspot.outcomes["group_key"].astype(str).str.split("|").str[-1])
    assert o.loc["5002", "status"] == "lost" and o.loc["5004", "status"] == "open"
    assert o.loc["5001", "timestamp"].iloc[0] == pd.Timestamp("2025-11-28 16:14", tz="UTC")
    assert o.loc["5004", "timestamp"] == pd.Timestamp("2025-10-01 10:00", tz="UTC")  # open: created date
    assert set(o.loc["5001", "account"]) == {"Acme"}  # "Acme (acme.example)" -> "Acme"


def test_hubspot_contact_ids_link_to_contacts_file_and_emails(hubspot):
    # Cara (id 103) has no e-mail in contacts.csv; the deals file gives it; one contact, not two.
    cara = hubspot.contacts[hubspot.contacts["name"] == "Cara Diaz"]
    assert len(cara) == 1 and cara["emails"].iloc[0] == ["cara@beta.example"]
    assert cara["company"].iloc[0] == "Beta Corp"


def test_hubspot_deal_by_email_only(hubspot):
    dan = _by_email(hubspot, "dan@w.example")
    o = hubspot.outcomes[hubspot.outcomes["contact_id"] == dan]
    assert o["value"].tolist() == [3000.0] and o["currency"].tolist() == ["USD"]


def test_hubspot_call_duration_in_milliseconds(hubspot):
    calls = hubspot.interactions[hubspot.interactions["channel"] == "call"].sort_values("timestamp")
    assert calls["duration_minutes"].tolist() == [30.0, 10.0]
    assert calls["direction"].tolist() == ["outbound", "inbound"]


def test_hubspot_meeting_duration_from_start_and_end_for_each_contact(hubspot):
    m = hubspot.interactions[hubspot.interactions["channel"] == "meeting"]
    assert len(m) == 2 and set(m["duration_minutes"]) == {90.0}


@pytest.mark.parametrize("name,reason", [
    ("hubspot_calls.csv", "call not connected"), ("hubspot_calls.csv", "negative duration"),
    ("hubspot_calls.csv", "activity has no associated contact"),
    ("hubspot_meetings.csv", "meeting cancelled or missed"), ("hubspot_deals.csv", "Amount is not a number"),
    ("hubspot_deals.csv", "deal has no associated contact or company"), ("hubspot_contacts.csv", "missing Record ID"),
])
def test_hubspot_rejections(hubspot, name, reason):
    assert _file(hubspot, name)["rejected_by_reason"].get(reason) == 1


def test_hubspot_duplicate_column_names_kept_apart(tmp_path):
    p = write(tmp_path, "deals.csv", """
Record ID,Deal Name,Amount,Close Date,Deal Stage,Is Closed Won,Associated Contact,Associated Contact
1,Two lists,600,2025-01-10 10:00,Closed Won,true,Ann Lee (ann@x.example),Bob Roy (bob@y.example)
""")
    ds = netanalysis.load([p])
    assert sorted(ds.outcomes["value"]) == [300.0, 300.0]


# ----------------------------------------------------------------------------- Salesforce

@pytest.fixture(scope="module")
def salesforce():
    return netanalysis.load([FIX / "salesforce"])


def test_salesforce_roles_split_won_value_and_name_the_account(salesforce):
    o = salesforce.outcomes[salesforce.outcomes["group_key"].astype(str).str.endswith("opportunity|0061")]
    assert sorted(o["value"]) == [5000.0, 5000.0]  # Cara's role is deleted, so two people share it
    assert set(o["account"]) == {"Acme GmbH"} and set(o["currency"]) == {"EUR"}
    assert set(o["contact_id"]) == {_by_email(salesforce, "ann@x.example"), _by_email(salesforce, "bob@y.example")}


def test_salesforce_contact_id_link_and_account_only(salesforce):
    o = salesforce.outcomes.set_index(salesforce.outcomes["group_key"].astype(str).str.split("|").str[-1])
    cara = salesforce.contacts.loc[salesforce.contacts["name"] == "Cara Diaz", "contact_id"].iloc[0]
    assert o.loc["0062", "contact_id"] == cara and o.loc["0062", "status"] == "lost"
    assert pd.isna(o.loc["0063", "contact_id"]) and o.loc["0063", "account"] == "Beta Ltd"
    assert o.loc["0063", "currency"] == "GBP"
    assert o.loc["0064", "status"] == "open"


def test_salesforce_gmt_timestamps_and_call_seconds(salesforce):
    ann = salesforce.interactions[salesforce.interactions["contact_id"] == _by_email(salesforce, "ann@x.example")]
    call = ann[ann["channel"] == "call"]
    assert call["timestamp"].tolist() == [pd.Timestamp("2023-01-17 17:00:04", tz="UTC")]
    assert call["duration_minutes"].tolist() == [20.0] and call["direction"].tolist() == ["outbound"]
    ds_berlin = netanalysis.load([FIX / "salesforce"], tz="Europe/Berlin")
    assert pd.Timestamp("2023-01-17 17:00:04", tz="UTC") in set(ds_berlin.interactions["timestamp"])


def test_salesforce_events_duration_all_day_and_child_copies(salesforce):
    ev = salesforce.interactions[salesforce.interactions["group_key"].astype(str).str.contains("event|")]
    by = ev.set_index(ev["group_key"].astype(str).str.split("|").str[-1])
    assert by.loc["00U1", "duration_minutes"] == 45.0
    assert by.loc["00U4", "duration_minutes"] == 30.0  # from Start/End when DurationInMinutes is empty
    assert by.loc["00U3", "channel"] == "event" and pd.isna(by.loc["00U3", "duration_minutes"])
    assert "00U2" not in by.index


def test_salesforce_placeholder_account_is_none(salesforce):
    cara = salesforce.contacts[salesforce.contacts["name"] == "Cara Diaz"]
    assert cara["company"].isna().all()
    assert _by_email(salesforce, "bob@y.example")  # e-mail lower-cased


@pytest.mark.parametrize("name,reason,n", [
    ("Task.csv", "open task", 1), ("Task.csv", "deleted in Salesforce", 1),
    ("Task.csv", "no person (WhoId empty or 000000000000000AAA)", 1), ("Task.csv", "negative CallDurationInSeconds", 1),
    ("Contact.csv", "deleted in Salesforce", 1), ("Opportunity.csv", "deleted in Salesforce", 1),
    ("Opportunity.csv", "opportunity has no contact role, ContactId or account", 1),
    ("Event.csv", "invitee's copy of a group event (the parent event counts)", 1),
    ("Account.csv", "reference table (accounts)", 2),
])
def test_salesforce_rejections(salesforce, name, reason, n):
    assert _file(salesforce, name)["rejected_by_reason"].get(reason) == n


def test_salesforce_every_field_quoted_with_crlf():
    raw = (FIX / "salesforce" / "Contact.csv").read_bytes()
    assert raw.startswith(b'"Id","IsDeleted"') and b"\r\n" in raw


# ----------------------------------------------------------------------------- Pipedrive

@pytest.fixture(scope="module")
def pipedrive():
    return netanalysis.load(sorted(FIX.glob("pipedrive_*.csv")))


def test_pipedrive_names_link_to_persons_by_name_and_organization(pipedrive):
    assert len(pipedrive.contacts) == 2
    ann = _by_email(pipedrive, "ann@x.example")
    assert set(pipedrive.outcomes.loc[pipedrive.outcomes["contact_id"] == ann, "status"]) == {"won", "open"}


def test_pipedrive_status_times_and_value(pipedrive):
    o = pipedrive.outcomes.set_index(pipedrive.outcomes["group_key"].astype(str).str.split("|").str[-1])
    assert o.loc["301", "timestamp"] == pd.Timestamp("2024-05-20 15:30", tz="UTC") and o.loc["301", "value"] == 12500.0
    assert o.loc["302", "timestamp"] == pd.Timestamp("2024-04-02 11:00", tz="UTC") and o.loc["302", "status"] == "lost"
    assert o.loc["303", "timestamp"] == pd.Timestamp("2024-06-01 10:00", tz="UTC")
    assert pd.isna(o.loc["305", "contact_id"]) and o.loc["305", "account"] == "Gamma Inc"


def test_pipedrive_activity_durations_and_types(pipedrive):
    it = pipedrive.interactions.sort_values("timestamp")
    assert it["channel"].tolist() == ["call", "meeting", "email"]  # lunch is a meeting
    assert it["duration_minutes"].iloc[:2].tolist() == [25.0, 90.0] and pd.isna(it["duration_minutes"].iloc[2])


@pytest.mark.parametrize("name,reason", [
    ("pipedrive_activities.csv", "activity not done yet (To do), so not invested time"),
    ("pipedrive_activities.csv", "unknown Activity - Type"), ("pipedrive_activities.csv", "activity has no contact person"),
    ("pipedrive_deals.csv", "deleted deal"), ("pipedrive_deals.csv", "deal has no contact person or organization"),
    ("pipedrive_persons.csv", "person has no name or e-mail"),
])
def test_pipedrive_rejections(pipedrive, name, reason):
    assert _file(pipedrive, name)["rejected_by_reason"].get(reason) == 1


# ----------------------------------------------------------------------------- across CRMs

def test_same_person_across_three_crms_is_one_contact():
    ds = netanalysis.load(sorted(FIX.glob("hubspot_*.csv")) + [FIX / "salesforce"] + sorted(FIX.glob("pipedrive_*.csv")))
    ann = ds.contacts[ds.contacts["emails"].map(lambda e: "ann@x.example" in e)]
    assert len(ann) == 1 and ann["sources"].iloc[0] == ["hubspot", "pipedrive", "salesforce"]
    won = ds.outcomes[(ds.outcomes["contact_id"] == ann["contact_id"].iloc[0]) & (ds.outcomes["status"] == "won")]
    assert sorted(won["value"]) == [4500.0, 5000.0, 12500.0]


def test_missing_required_crm_column_is_a_user_error(tmp_path):
    p = write(tmp_path, "deals.csv", "Record ID,Deal Stage\n1,won\n")
    with pytest.raises(UserError, match="deals.csv"):
        netanalysis.load([p])


def test_hubspot_email_direction_epoch_millis_and_notes(hubspot):
    ann = _by_email(hubspot, "ann@x.example")
    mails = hubspot.interactions[(hubspot.interactions["channel"] == "email")].sort_values("timestamp")
    # 2025-04-01T09:30Z inbound; 1743584400000 ms = 2025-04-02 09:00 UTC outbound to Ann and Bob.
    assert mails["timestamp"].dt.strftime("%m-%d %H:%M").tolist() == ["04-01 09:30", "04-02 09:00", "04-02 09:00"]
    assert mails["direction"].tolist() == ["inbound", "outbound", "outbound"]
    assert mails["duration_minutes"].isna().all()
    note = hubspot.interactions[hubspot.interactions["channel"] == "note"]
    assert note["contact_id"].tolist() == [ann] and note["timestamp"].tolist() == [pd.Timestamp("2025-04-05 18:00", tz="UTC")]
    assert _file(hubspot, "hubspot_emails.csv")["rejected_by_reason"] == {"unparseable hs_timestamp": 1}


def test_salesforce_task_with_a_lead(salesforce):
    kai = _by_email(salesforce, "kai@kestrel.example")
    it = salesforce.interactions[salesforce.interactions["contact_id"] == kai]
    assert it["channel"].tolist() == ["call"] and it["duration_minutes"].tolist() == [15.0]
    assert salesforce.contacts.loc[salesforce.contacts["contact_id"] == kai, "company"].tolist() == ["Kestrel Labs"]
    assert _file(salesforce, "Lead.csv")["rejected_by_reason"] == {"deleted in Salesforce": 1}


def test_overlapping_crm_exports_add_no_duplicates(tmp_path):
    # The same deals exported again a month later, with one new deal: only that one is new.
    old = (FIX / "hubspot_deals.csv").read_text(encoding="utf-8")
    newer = old + '"5008","Gamma","Closed Won","700","2025-12-01 10:00","2025-10-01 10:00","Me Owner","true","Gamma","Gus Hale (gus@t.example)","","",""\n'
    p = write(tmp_path, "deals_later.csv", newer)
    ds = netanalysis.load([FIX / "hubspot_deals.csv", p])
    first, second = ds.load_report["files"]
    assert second["duplicates"] == first["loaded"] and second["loaded"] == 1
    assert ds.outcomes["outcome_id"].is_unique and len(ds.outcomes) == 7

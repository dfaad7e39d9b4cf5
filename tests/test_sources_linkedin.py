"""LinkedIn export: one test per quirk of the real layouts (fixtures in tests/fixtures/linkedin).

Expected numbers are counted by hand from the fixture files.
"""

import functools
from pathlib import Path

import pandas as pd
import pytest
from helpers import by_name, entry

import netanalysis
from netanalysis.errors import UserError

FIX = Path(__file__).parent / "fixtures" / "linkedin"


def load(*names, **kw):
    """The fixture files loaded; without options, loaded once for this module (the tests only read them)."""
    return _loaded(names) if not kw else netanalysis.load([FIX / n for n in names], **kw)


@functools.cache
def _loaded(names: tuple):
    return netanalysis.load([FIX / n for n in names])


# ------------------------------------------------------------------ Connections.csv

def test_connections_2025_preamble_url_and_accounting():
    ds = load("Connections.csv")
    e = entry(ds)
    assert e["format"] == "linkedin_connections"
    # 5 data rows after the 3-line preamble: 3 people, 1 deleted member, 1 impossible date (31 Feb).
    assert (e["rows_read"], e["loaded"], e["duplicates"], e["rejected"]) == (5, 3, 0, 2)
    assert e["rejected_by_reason"] == {"deleted member": 1, "unparseable Connected On date": 1}
    assert set(ds.interactions["channel"]) == {"connection"}
    ann = by_name(ds, "Ann Lee")
    assert ann["linkedin_url"] == "linkedin.com/in/ann-lee-12345"
    assert list(ann["emails"]) == ["ann@acme.com"]
    t = ds.interactions.loc[ds.interactions["contact_id"] == ann["contact_id"], "timestamp"].iloc[0]
    assert t == pd.Timestamp("2025-12-04", tz="UTC")  # "04 Dec 2025"


def test_connections_quoted_commas_percent_encoded_url_and_emoji():
    ds = load("Connections.csv")
    j = by_name(ds, "Jürgen Müller")
    assert j["company"] == "Müller, Schmidt & Partner"
    assert j["title"] == "Partner, Strategy"
    assert j["linkedin_url"] == "linkedin.com/in/jürgen-müller"  # %C3%BC decoded
    z = by_name(ds, "Zoë 🚀 Ng")
    assert z["title"] == "Founder 🚀"


def test_connections_most_emails_empty():
    ds = load("Connections.csv")
    assert sorted(len(e) for e in ds.contacts["emails"]) == [0, 0, 1]


def test_deleted_member_row_is_rejected_with_its_row_number():
    ds = load("Connections.csv")
    rej = ds.rejected[ds.rejected["reason"].str.startswith("deleted member")]
    assert rej["row"].tolist() == [4]


def test_connections_2021_without_url_column():
    ds = load("Connections_2022.csv")
    e = entry(ds)
    assert (e["format"], e["rows_read"], e["loaded"], e["rejected"]) == ("linkedin_connections", 2, 2, 0)
    assert ds.contacts["linkedin_url"].isna().all()
    assert by_name(ds, "Dan Ortiz")["company"] == "Beta Corp"


def test_connections_2018_without_preamble_and_us_dates():
    ds = load("Connections_2018.csv")
    eve = by_name(ds, "Eve Stone")
    t = ds.interactions.loc[ds.interactions["contact_id"] == eve["contact_id"], "timestamp"].iloc[0]
    assert t == pd.Timestamp("2018-01-08 18:14", tz="UTC")  # "1/8/18, 6:14 PM"


def test_connections_2018_dates_read_in_the_given_zone():
    ds = load("Connections_2018.csv", tz="America/New_York")
    eve = by_name(ds, "Eve Stone")
    t = ds.interactions.loc[ds.interactions["contact_id"] == eve["contact_id"], "timestamp"].iloc[0]
    assert t == pd.Timestamp("2018-01-08 23:14", tz="UTC")  # 18:14 EST = 23:14 UTC


def test_excel_resaved_connections_cp1252_crlf_and_short_dates():
    ds = load("Connections_excel.csv")
    e = entry(ds)
    assert (e["format"], e["loaded"], e["rejected"]) == ("linkedin_connections", 2, 0)
    rene = by_name(ds, "René Faure")  # cp1252 é decoded
    assert rene["company"] == "Société Générale"
    t = ds.interactions.loc[ds.interactions["contact_id"] == rene["contact_id"], "timestamp"].iloc[0]
    assert t == pd.Timestamp("2021-10-17", tz="UTC")  # "17-Oct-21"


def test_reloading_and_overlapping_connections_add_no_duplicates():
    # The Excel re-save holds Ann Lee again (same URL): her row is a duplicate.
    ds = load("Connections.csv", "Connections_excel.csv", "Connections.csv")
    first, excel, again = ds.load_report["files"]
    assert (excel["loaded"], excel["duplicates"]) == (1, 1)
    assert (again["loaded"], again["duplicates"], again["rejected"]) == (0, 3, 2)
    assert len(ds.interactions) == 4  # Ann, Jürgen, Zoë, René: one connection each
    for f in ds.load_report["files"]:
        assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"]


# ------------------------------------------------------------------ messages.csv

def test_messages_owner_detected_and_never_a_contact():
    ds = load("messages.csv")
    assert "Pat Owner" not in set(ds.contacts["name"].dropna())
    assert not ds.contacts["linkedin_url"].fillna("").str.contains("pat-owner").any()
    assert len(ds.load_report["owner"]) == 1  # the detected owner's id is reported


def test_messages_direction_from_the_owner():
    ds = load("messages.csv")
    ann = by_name(ds, "Ann Lee")
    mine = ds.interactions[ds.interactions["contact_id"] == ann["contact_id"]].sort_values("timestamp")
    assert mine["direction"].tolist() == ["outbound", "inbound"]
    assert mine["timestamp"].tolist() == [pd.Timestamp("2025-12-05 01:20:51", tz="UTC"),
                                          pd.Timestamp("2025-12-05 09:02:10", tz="UTC")]


def test_messages_several_recipients_one_interaction_each():
    ds = load("messages.csv")
    row3 = ds.interactions[ds.interactions["source_row"] == 3]
    names = set(ds.contacts.set_index("contact_id").loc[row3["contact_id"], "name"])
    assert names == {"Jürgen Müller", "Zoë 🚀 Ng"}
    assert set(row3["direction"]) == {"outbound"}
    assert row3["group_key"].nunique() == 1  # one message, two recipients


def test_messages_multiline_content_is_one_row():
    ds = load("messages.csv")
    # 8 records although the file has 11 physical lines after the header.
    assert entry(ds)["rows_read"] == 8


def test_messages_rejections_sponsored_system_and_bad_date():
    ds = load("messages.csv")
    e = entry(ds)
    assert e["rejected_by_reason"] == {
        "sponsored conversation (advertising), excluded": 1,
        "system row without sender or recipient": 1,
        "unparseable DATE": 1,
    }
    assert (e["rows_read"], e["loaded"], e["duplicates"], e["rejected"]) == (8, 5, 0, 3)
    assert sorted(ds.rejected["row"]) == [5, 6, 7]


def test_linkedin_member_without_url_is_one_unknown_person_per_conversation():
    ds = load("messages.csv")
    unnamed = ds.contacts[ds.contacts["name"].isna()]
    assert len(unnamed) == 2  # conversations 2-c3 and 2-c7
    got = ds.interactions[ds.interactions["contact_id"].isin(unnamed["contact_id"])]
    assert sorted(got["source_row"]) == [4, 8]
    assert set(got["direction"]) == {"inbound"}


def test_messages_2021_without_recipient_urls_links_names_to_urls():
    ds = load("messages_2021.csv")
    dan = by_name(ds, "Dan Ortiz")  # recipient by name only in row 1, sender with URL in row 2
    assert dan["linkedin_url"] == "linkedin.com/in/dan-ortiz"
    got = ds.interactions[ds.interactions["contact_id"] == dan["contact_id"]].sort_values("timestamp")
    assert got["direction"].tolist() == ["outbound", "inbound"]
    assert "Pat Owner" not in set(ds.contacts["name"].dropna())


def test_messages_2018_layout_with_direction_column():
    ds = load("Messages_2018.csv")
    e = entry(ds)
    assert e["format"] == "linkedin_messages_2018"
    assert (e["rows_read"], e["loaded"], e["rejected"]) == (3, 2, 1)
    eve = by_name(ds, "Eve Stone")
    got = ds.interactions[ds.interactions["contact_id"] == eve["contact_id"]].sort_values("timestamp")
    assert got["direction"].tolist() == ["outbound", "inbound"]
    assert got["timestamp"].iloc[1] == pd.Timestamp("2018-01-10 20:30", tz="UTC")
    assert "Pat Owner" not in set(ds.contacts["name"].dropna())


def test_me_states_the_owner_when_detection_cannot(tmp_path):
    # One conversation between two people: both are in every conversation, no one is "the owner".
    p = tmp_path / "messages.csv"
    p.write_text("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,"
                 "CONTENT,FOLDER\n"
                 "c1,,Ann Lee,https://www.linkedin.com/in/ann,Pat Owner,https://www.linkedin.com/in/pat,"
                 "2025-01-01 10:00:00 UTC,,hi,INBOX\n", encoding="utf-8")
    unknown = netanalysis.load([p])
    assert len(unknown.contacts) == 2 and set(unknown.interactions["direction"]) == {"unknown"}
    ds = netanalysis.load([p], me=["https://linkedin.com/in/pat/"])
    assert ds.contacts["name"].tolist() == ["Ann Lee"]
    assert ds.interactions["direction"].tolist() == ["inbound"]


def test_messages_from_owner_to_self_are_rejected(tmp_path):
    p = tmp_path / "messages.csv"
    p.write_text("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,"
                 "CONTENT,FOLDER\n"
                 "c1,,Pat,https://www.linkedin.com/in/pat,Ann,https://www.linkedin.com/in/ann,"
                 "2025-01-01 10:00:00 UTC,,hi,INBOX\n"
                 "c2,,Pat,https://www.linkedin.com/in/pat,Pat,https://www.linkedin.com/in/pat,"
                 "2025-01-02 10:00:00 UTC,,note to self,INBOX\n", encoding="utf-8")
    ds = netanalysis.load([p], me=["Pat"])
    e = entry(ds)
    assert (e["loaded"], e["rejected"]) == (1, 1)
    assert e["rejected_by_reason"] == {"only the owner of the exports takes part": 1}


def test_reloading_messages_counts_duplicates():
    ds = load("messages.csv", "messages.csv")
    second = entry(ds, 1)
    assert (second["loaded"], second["duplicates"], second["rejected"]) == (0, 5, 3)
    assert len(ds.interactions) == 6  # rows 1, 2, 3 (two recipients), 4, 8


# ------------------------------------------------------------------ invitations, endorsements, recommendations

def test_invitations_direction_owner_and_counterpart():
    ds = load("Invitations.csv")
    assert sorted(ds.contacts["name"]) == ["Gia Rossi", "Hal Berg"]
    got = ds.interactions.merge(ds.contacts[["contact_id", "name"]]).set_index("name")
    assert got.loc["Gia Rossi", "direction"] == "outbound"
    assert got.loc["Hal Berg", "direction"] == "inbound"
    assert got.loc["Gia Rossi", "timestamp"] == pd.Timestamp("2025-12-04 15:27", tz="UTC")
    assert set(got["channel"]) == {"invitation"}


def test_invitations_detect_the_owner():
    from netanalysis.io.loader import LoadContext
    from netanalysis.io.sources import linkedin
    from netanalysis.io.sources.base import sniff

    path = FIX / "Invitations.csv"
    parsed = linkedin.read_invitations(path, sniff(path), LoadContext())
    assert set(parsed.owner) == {"https://www.linkedin.com/in/pat-owner", "Pat Owner"}


def test_endorsements_received_and_given():
    ds = load("Endorsement_Received_Info.csv", "Endorsement_Given_Info.csv")
    got = ds.interactions.merge(ds.contacts[["contact_id", "name"]])
    assert got.groupby("name")["direction"].agg(sorted).to_dict() == {
        "Ann Lee": ["inbound", "inbound"], "Zoë 🚀 Ng": ["outbound"]}
    assert set(got["channel"]) == {"endorsement"}
    # "www.linkedin.com/in/..." without a scheme still normalises to the same profile.
    assert by_name(ds, "Ann Lee")["linkedin_url"] == "linkedin.com/in/ann-lee-12345"


def test_recommendation_received_direction_from_file_name_and_multiline_text():
    ds = load("Recommendations_Received.csv")
    e = entry(ds)
    assert (e["format"], e["rows_read"], e["loaded"]) == ("linkedin_recommendations", 1, 1)
    eve = by_name(ds, "Eve Stone")
    assert (eve["company"], eve["title"]) == ("Stone IO", "CTO")
    assert ds.interactions[["channel", "direction"]].values.tolist() == [["recommendation", "inbound"]]


def test_whole_export_folder_merges_one_person_across_linkedin_files():
    ds = netanalysis.load([FIX])
    ann = by_name(ds, "Ann Lee")  # Connections (x3 layouts), messages, endorsements: one contact
    got = ds.interactions[ds.interactions["contact_id"] == ann["contact_id"]]
    assert sorted(got["channel"].value_counts().items()) == [("connection", 2), ("endorsement", 2), ("message", 2)]
    for f in ds.load_report["files"]:
        assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"], f


def test_missing_required_column_is_not_linkedin(tmp_path):
    p = tmp_path / "Connections.csv"
    p.write_text("First Name,Last Name,Company\nAnn,Lee,Acme\n", encoding="utf-8")
    with pytest.raises(UserError, match="Connections.csv"):
        netanalysis.load([p])


def test_recommendation_given_is_outbound():
    ds = load("Recommendations_Given.csv")
    assert ds.interactions[["channel", "direction"]].values.tolist() == [["recommendation", "outbound"]]
    gia = by_name(ds, "Gia Rossi")
    assert (gia["company"], gia["title"]) == ("Rossi Design", "Founder")


def test_older_invitations_without_profile_urls():
    ds = load("Invitations_2019.csv")
    assert ds.contacts["name"].tolist() == ["Ivo Novak"]  # both rows are the same person, Pat is the owner
    assert sorted(ds.interactions["direction"]) == ["inbound", "outbound"]


def test_draft_messages_are_rejected(tmp_path):
    p = tmp_path / "messages.csv"
    p.write_text("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,"
                 "CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT\n"
                 "c1,,Pat,https://www.linkedin.com/in/pat,Ann,https://www.linkedin.com/in/ann,"
                 "2025-01-01 10:00:00 UTC,,hi,INBOX,,No\n"
                 "c1,,Pat,https://www.linkedin.com/in/pat,Ann,https://www.linkedin.com/in/ann,"
                 "2025-01-02 10:00:00 UTC,,unsent,DRAFT,,Yes\n", encoding="utf-8")
    ds = netanalysis.load([p], me=["https://www.linkedin.com/in/pat"])
    assert entry(ds)["rejected_by_reason"] == {"draft message, never sent": 1}
    assert ds.interactions["direction"].tolist() == ["outbound"]


def test_detection_does_not_depend_on_the_file_name(tmp_path):
    for i, name in enumerate(("Connections.csv", "messages.csv", "Recommendations_Received.csv")):
        (tmp_path / f"export_{i}.txt").write_bytes((FIX / name).read_bytes())
    ds = netanalysis.load([tmp_path])
    assert sorted(f["format"] for f in ds.load_report["files"]) == [
        "linkedin_connections", "linkedin_messages", "linkedin_recommendations"]
    # Only the direction of a recommendation needs the name ("given"/"received"); without it, unknown.
    rec = ds.interactions[ds.interactions["channel"] == "recommendation"]
    assert rec["direction"].tolist() == ["unknown"]


def test_truncated_quote_rejects_the_damaged_row_and_keeps_the_rest(tmp_path):
    good = (FIX / "Connections_2018.csv").read_text(encoding="utf-8")
    p = tmp_path / "Connections.csv"
    p.write_text(good + 'Gus,Lamb,,"Lamb & Sons,Owner,"3/3/18, 1:00 PM"\n', encoding="utf-8")
    e = entry(netanalysis.load([p]))
    assert (e["rows_read"], e["loaded"], e["rejected"]) == (3, 2, 1)
    assert list(e["rejected_by_reason"]) == ["damaged row"]


def test_2021_export_links_name_keyed_connections_to_messages_with_urls():
    # Connections of 2021-2023 have no URL; messages name the same person with a URL.
    ds = load("Connections_2022.csv", "messages_2021.csv")
    dan = by_name(ds, "Dan Ortiz")
    assert dan["linkedin_url"] == "linkedin.com/in/dan-ortiz" and dan["company"] == "Beta Corp"
    got = ds.interactions[ds.interactions["contact_id"] == dan["contact_id"]]
    assert sorted(got["channel"]) == ["connection", "message", "message"]

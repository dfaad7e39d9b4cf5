"""Mail (mbox): Gmail Takeout and a plain Thunderbird folder, one test per quirk."""

import functools
from pathlib import Path

import pandas as pd
import pytest
from helpers import interactions_with, write

import netanalysis
from netanalysis.errors import UserError

FIX = Path(__file__).parent / "fixtures" / "mail"


@functools.cache
def loaded(name: str):
    """A fixture file loaded with the defaults, once per module (the tests only read the Dataset)."""
    return netanalysis.load([FIX / name])


@pytest.fixture(scope="module")
def takeout():
    return loaded("takeout.mbox")


@pytest.mark.parametrize("name", sorted(p.name for p in FIX.glob("*.mbox")))
def test_every_message_is_accounted_for(name):
    ds = loaded(name)
    f = ds.load_report["files"][0]
    separators = sum(1 for ln in (FIX / name).read_text().splitlines() if ln.startswith("From "))
    assert f["format"] == "mbox" and f["rows_read"] == separators
    assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"]
    assert "unaccounted" not in f


def test_sent_message_one_interaction_per_recipient(takeout):
    first = takeout.interactions[takeout.interactions["source_row"] == 1]
    assert len(first) == 2  # Ann (To) and Bob (Cc); the owner in Cc is not a counterpart
    assert set(first["direction"]) == {"outbound"}
    assert set(first["channel"]) == {"email"} and first["duration_minutes"].isna().all()


def test_received_message_counts_the_sender_only(takeout):
    ann = interactions_with(takeout, "ann@x.example")
    assert ann["direction"].tolist() == ["outbound", "inbound"]
    # Date: 09:30 +0100 is 08:30 UTC.
    assert ann["timestamp"].iloc[1] == pd.Timestamp("2025-01-16 08:30", tz="UTC")
    assert not any("carl@z.example" in e for e in takeout.contacts["emails"])


def test_owner_is_the_sender_of_sent_mail(takeout):
    assert not any("me@owner.example" in e for e in takeout.contacts["emails"])


def test_same_message_id_twice_is_a_duplicate(takeout):
    f = takeout.load_report["files"][0]
    assert f["duplicates"] == 1
    assert len(takeout.interactions[takeout.interactions["source_row"] == 9]) == 0


@pytest.mark.parametrize("row,reason", [
    (3, "bulk mail (mailing list)"), (4, "automatic no-reply sender"), (5, "bulk mail (Precedence)"),
    (8, "unparseable Date header"), (10, "spam or trash"), (11, "only the owner of the mailbox takes part"),
])
def test_rejected_with_reason(takeout, row, reason):
    rj = takeout.rejected
    assert rj.loc[rj["row"] == row, "reason"].tolist() == [reason]


def test_encoded_header_names_are_decoded(takeout):
    name = takeout.contacts.loc[takeout.contacts["emails"].map(lambda e: "jurgen@d.example" in e), "name"]
    assert name.tolist() == ["Jürgen Ölz"]


def test_gmail_chat_is_a_message(takeout):
    assert interactions_with(takeout, "dora@e.example")["channel"].tolist() == ["message"]


def test_message_without_message_id_still_loads(takeout):
    assert len(interactions_with(takeout, "eve@v.example")) == 1


def test_owner_detected_by_frequency_without_labels():
    ds = loaded("thunderbird.mbox")
    emails = {e for lst in ds.contacts["emails"] for e in lst}
    assert emails == {"kai@p.example", "lia@o.example"}
    assert ds.interactions.sort_values("timestamp")["direction"].tolist() == ["outbound", "inbound"] * 2


def test_me_overrides_detection():
    ds = netanalysis.load([FIX / "thunderbird.mbox"], me=["kai@p.example"])
    emails = {e for lst in ds.contacts["emails"] for e in lst}
    assert "kai@p.example" not in emails and "me@owner.example" in emails


def test_mbox_and_calendar_merge_on_email():
    ds = netanalysis.load([FIX / "takeout.mbox", FIX.parent / "calendar" / "google.ics"])
    ann = interactions_with(ds, "ann@x.example")
    assert ann["channel"].tolist() == ["meeting", "email", "email", "meeting"]  # Jan 15 meeting 09:00, mail 10:00 UTC
    assert ds.contacts.loc[ds.contacts["emails"].map(lambda e: "ann@x.example" in e), "sources"].iloc[0] == ["calendar", "mail"]


def test_not_an_mbox_is_a_user_error(tmp_path):
    p = write(tmp_path, "notes.txt", "From here on, this is just prose.\nNothing else.\n")
    with pytest.raises(UserError, match="notes.txt"):
        netanalysis.load([p])


def test_owner_from_delivered_to_when_nothing_was_sent():
    # Two received messages only: too few for the frequency rule; Delivered-To names the mailbox.
    ds = loaded("delivered_to.mbox")
    emails = {e for lst in ds.contacts["emails"] for e in lst}
    assert emails == {"ola@n.example", "pia@m.example"}
    assert set(ds.interactions["direction"]) == {"inbound"}
    assert len(ds.load_report["owner"]) == 1  # detected, so a later file naming it will not make it a contact

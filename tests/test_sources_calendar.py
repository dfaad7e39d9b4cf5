"""Calendars (ICS): Google and Outlook layouts, one test per quirk.

Expected values are read off the hand-written fixtures in tests/fixtures/calendar.
"""

import functools
from pathlib import Path

import pandas as pd
import pytest
from helpers import interactions_with, write

import netanalysis
from netanalysis.errors import UserError

FIX = Path(__file__).parent / "fixtures" / "calendar"


@functools.cache
def loaded(name: str):
    """A fixture file loaded with the defaults, once per module (the tests only read the Dataset)."""
    return netanalysis.load([FIX / name])


@pytest.fixture(scope="module")
def google():
    return loaded("google.ics")


@pytest.fixture(scope="module")
def outlook():
    return loaded("outlook.ics")


@pytest.mark.parametrize("name", sorted(p.name for p in FIX.glob("*.ics")))
def test_every_vevent_is_accounted_for(name):
    ds = loaded(name)
    f = ds.load_report["files"][0]
    text = (FIX / name).read_text()
    assert f["format"] == "ics_calendar"
    assert f["rows_read"] == text.count("BEGIN:VEVENT")
    assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"]
    assert "unaccounted" not in f


def test_owner_from_calname_is_not_a_contact(google):
    emails = {e for lst in google.contacts["emails"] for e in lst}
    assert "me@owner.example" not in emails
    assert len(google.load_report["owner"]) == 1


def test_tzid_converted_to_utc_and_duration_from_dtend(google):
    ann = interactions_with(google, "ann@x.example")  # 10:00-11:00 Europe/Berlin in January = 09:00 UTC
    assert ann["timestamp"].iloc[0] == pd.Timestamp("2025-01-15 09:00", tz="UTC")
    assert ann["duration_minutes"].iloc[0] == 60.0
    assert ann["direction"].iloc[0] == "outbound"  # the owner organised it


def test_google_shared_and_room_calendars_are_not_people(google):
    ann = interactions_with(google, "ann@x.example")
    assert ann["duration_minutes"].tolist() == [60.0, 30.0]
    assert ann["direction"].tolist() == ["outbound", "mutual"]
    assert not any("calendar.google.com" in e for lst in google.contacts["emails"] for e in lst)


def test_declined_attendee_not_counted(google):
    assert not any("bob@y.example" in e for e in google.contacts["emails"])


def test_rrule_exdate_and_recurrence_id(google):
    carl = interactions_with(google, "carl@z.example")
    # COUNT=4 from Jan 6; Jan 13 excluded; Jan 20 moved to 16:00 for 45 minutes; Jan 27 as planned.
    assert carl["timestamp"].dt.strftime("%m-%d %H:%M").tolist() == ["01-06 15:00", "01-20 16:00", "01-27 15:00"]
    assert carl["duration_minutes"].tolist() == [30.0, 45.0, 30.0]
    assert set(carl["direction"]) == {"inbound"}
    assert set(carl["source_row"]) == {2, 3}  # the master and its override are separate rows


def test_endless_rrule_stops_at_export_horizon(google):
    ivo = interactions_with(google, "ivo@r.example")  # weekly from Feb 10; DTSTAMP (export) Mar 1
    # Feb 17 is cancelled by its own RECURRENCE-ID override; Mar 3 is after the export.
    assert ivo["timestamp"].dt.strftime("%m-%d").tolist() == ["02-10", "02-24"]


def test_cancelled_single_occurrence_is_its_own_rejected_row(google):
    rj = google.rejected
    assert rj.loc[rj["row"] == 11, "reason"].tolist() == ["cancelled event"]


def test_all_day_event_is_an_event_without_duration(google):
    eve = interactions_with(google, "eve@v.example")
    assert eve["channel"].tolist() == ["event"]
    assert eve["duration_minutes"].isna().all()


def test_call_in_title_is_a_call(google):
    assert interactions_with(google, "fay@u.example")["channel"].tolist() == ["call"]


@pytest.mark.parametrize("reason,row", [
    ("cancelled event", 4), ("no attendees (a personal calendar entry)", 6), ("the owner declined", 8),
    ("negative duration (DTEND before DTSTART)", 9),
])
def test_rejected_with_reason(google, reason, row):
    rj = google.rejected
    assert rj.loc[rj["row"] == row, "reason"].tolist() == [reason]


def test_outlook_windows_zone_names(outlook):
    jo = interactions_with(outlook, "jo@q.example")
    # W. Europe Standard Time: +01:00 in January, +02:00 in July.
    assert jo["timestamp"].dt.strftime("%m-%d %H:%M").tolist() == ["01-20 09:00", "07-10 08:00"]
    assert jo["duration_minutes"].tolist() == [90.0, 45.0]


def test_outlook_owner_detected_from_frequency_and_rooms_ignored(outlook):
    emails = {e for lst in outlook.contacts["emails"] for e in lst}
    assert emails == {"jo@q.example", "kai@p.example"}
    assert outlook.rejected["reason"].tolist() == ["only the owner of the calendar takes part"]


def test_floating_time_read_in_tz():
    ds = netanalysis.load([FIX / "outlook.ics"], tz="Europe/Berlin")
    kai = interactions_with(ds, "kai@p.example")
    assert kai["timestamp"].tolist() == [pd.Timestamp("2025-01-21 13:00", tz="UTC")]
    assert kai["direction"].tolist() == ["inbound"]


def test_loading_twice_adds_nothing(tmp_path):
    ds = netanalysis.load([FIX / "google.ics", FIX / "google.ics"])
    second = ds.load_report["files"][1]
    assert second["loaded"] == 0 and second["duplicates"] == 7 and second["rejected"] == 5
    assert len(ds.interactions) == 9


def test_broken_calendar_is_a_user_error(tmp_path):
    p = write(tmp_path, "broken.ics", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2025XX\nEND:VCALENDAR\n")
    with pytest.raises(UserError, match="broken.ics"):
        netanalysis.load([p])


def test_damaged_events_are_rejected_one_by_one():
    ds = loaded("damaged.ics")
    reasons = dict(zip(ds.rejected["row"], ds.rejected["reason"]))
    assert reasons[2].startswith("damaged recurrence rule")  # RRULE:FREQ=SOMETIMES
    assert reasons[3].startswith("damaged event")  # DTSTART:2025011
    assert reasons[4].startswith("damaged event")  # DURATION:PXYZ on an event that does not recur
    assert ds.load_report["files"][0]["loaded"] == 1 and len(ds.interactions) == 1

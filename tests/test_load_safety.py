"""Input safety rules worked out by hand: money, the date range, recurrence caps,
--me, --anonymize messages and unreadable inputs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netanalysis
from netanalysis.cli import main
from netanalysis.dates import to_utc
from netanalysis.errors import UserError
from netanalysis.io import loader
from netanalysis.io.money import parse_money
from netanalysis.io.plausible import duration_reason, time_reason

# --- money -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("1234.5", 1234.5), ("1.234,56", 1234.56), ("1 234,56", 1234.56), ("1\u00a0234,56", 1234.56),
    ("1,234.56", 1234.56), ("€1.234,56", 1234.56), ("1.234,56 €", 1234.56), ("USD 1,234.56", 1234.56),
    ("EUR 2.500.000", 2_500_000.0), ("1,234,567", 1_234_567.0), ("$12,000", 12_000.0), ("1'234.50", 1234.5),
    ("1,5", 1.5), ("0.125", 0.125), ("12345.000", 12345.0), ("CHF 99", 99.0),
])
def test_money_reads_the_separators_each_value_shows(text, value):
    amount, reason = parse_money(pd.Series([text]))
    assert reason.isna().all(), reason.tolist()
    assert amount.iloc[0] == pytest.approx(value)


@pytest.mark.parametrize("text", ["1,234", "1.500", "€ 2.000"])
def test_money_rejects_an_ambiguous_separator_without_a_clue(text):
    amount, reason = parse_money(pd.Series([text]), "Amount")
    assert np.isnan(amount.iloc[0]) and reason.iloc[0].startswith("ambiguous Amount")


def test_money_takes_the_columns_convention_for_ambiguous_values():
    # "1.234,56" shows a decimal comma, so "2.500" in the same column is 2500 (and "1,5" 1.5).
    amount, reason = parse_money(pd.Series(["1.234,56", "2.500", "1,5"]))
    assert amount.tolist() == [1234.56, 2500.0, 1.5] and reason.isna().all()


@pytest.mark.parametrize("text", ["abc", "1.2.3,4,5", "12 apples", "1,23,4"])
def test_money_rejects_what_is_not_a_number(text):
    amount, reason = parse_money(pd.Series([text]), "value")
    assert np.isnan(amount.iloc[0]) and reason.iloc[0] == "value is not a number"


def test_empty_money_is_no_amount_not_a_reject():
    amount, reason = parse_money(pd.Series(["", None]))
    assert amount.isna().all() and reason.isna().all()


# --- date range --------------------------------------------------------------------------

def test_times_outside_1900_2100_are_not_read():
    raw = pd.Series(["1899-12-31", "1900-01-01", "2100-12-31T23:59:59Z", "2101-01-01", "9999-12-31",
                     "0001-01-01", "-1", "1677-09-21", "2262-04-12"])
    got = to_utc(raw)
    assert got.notna().tolist() == [False, True, True, False, False, False, False, False, False]


def test_time_reason_flags_the_range_edges():
    ts = pd.Series(pd.to_datetime(["1899-12-31 23:59", "1900-01-01 00:00", "2100-12-31 23:59", "2101-01-01 00:00"],
                                  utc=True))
    assert time_reason(ts).notna().tolist() == [True, False, False, True]


def test_duration_reason():
    got = duration_reason(pd.Series([30.0, 1440.0, 1441.0, -1.0, np.inf, np.nan]))
    assert got.tolist()[2:5] == ["duration longer than 24 hours", "negative duration", "duration is not finite"]
    assert got.isna().tolist() == [True, True, False, False, False, True]


def test_a_1850_interaction_is_rejected_with_the_range_reason(tmp_path):
    p = tmp_path / "interactions.csv"
    p.write_text("contact_id,timestamp,channel\na,1850-01-01T10:00:00Z,call\nb,2024-01-01T10:00:00Z,call\n")
    e = netanalysis.load([p]).load_report["files"][0]
    assert (e["rows_read"], e["loaded"], e["rejected"]) == (2, 1, 1)
    assert e["rejected_by_reason"] == {"timestamp outside 1900-2100": 1}


# --- recurrence cap ----------------------------------------------------------------------

def _calendar(tmp_path, rule: str, start: str) -> Path:
    p = tmp_path / "cal.ics"
    p.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:s\r\nDTSTAMP:20240102T000000Z\r\nDTSTART:{start}\r\nDTEND:{start[:-3]}30Z\r\n"
        f"{rule}ATTENDEE:mailto:ann@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    return p


def test_weekly_series_from_1990_starts_ten_years_before_the_export(tmp_path):
    # Mondays from 1990-01-01; the export horizon is DTSTAMP 2024-01-02, so the window is
    # 2014-01-02 .. 2024-01-03: Mondays 2014-01-06 .. 2024-01-01 = 3649 days / 7 + 1 = 522.
    ds = netanalysis.load([_calendar(tmp_path, "RRULE:FREQ=WEEKLY\r\n", "19900101T100000Z")])
    ts = ds.interactions["timestamp"]
    assert len(ts) == 522
    assert ts.min() == pd.Timestamp("2014-01-06 10:00", tz="UTC") and ts.max() == pd.Timestamp("2024-01-01 10:00", tz="UTC")
    assert "recurrences_capped" not in ds.load_report["files"][0]


def test_daily_series_keeps_its_latest_2000_occurrences(tmp_path):
    ds = netanalysis.load([_calendar(tmp_path, "RRULE:FREQ=DAILY\r\n", "19900101T100000Z")])
    ts = ds.interactions["timestamp"]
    # The last is 2024-01-02 10:00 (the horizon day); 2000 days back from it, counting it.
    assert len(ts) == 2000 and ts.max() == pd.Timestamp("2024-01-02 10:00", tz="UTC")
    assert ts.min() == pd.Timestamp("2024-01-02 10:00", tz="UTC") - pd.Timedelta(days=1999)
    assert ds.load_report["files"][0]["recurrences_capped"] == 1


def test_minutely_series_from_1900_is_rejected_not_expanded(tmp_path):
    ds = netanalysis.load([_calendar(tmp_path, "RRULE:FREQ=MINUTELY\r\n", "19000101T100000Z")])
    e = ds.load_report["files"][0]
    assert (e["rows_read"], e["loaded"], e["rejected"], len(ds.interactions)) == (1, 0, 1, 0)
    assert list(e["rejected_by_reason"])[0].startswith("recurs minutely from 1900-01-01")


def test_canonical_values_are_plain_decimals_and_read_by_the_same_parser(tmp_path):
    p = tmp_path / "outcomes.csv"
    p.write_text('contact_id,timestamp,kind,value\na,2024-01-01,deal,1.500\nb,2024-01-02,deal,"1.234,56"\n')
    ds = netanalysis.load([p])
    assert sorted(ds.outcomes["value"]) == [1.5, 1234.56]


# --- --me is the whole truth --------------------------------------------------------------

def _ann_everywhere(tmp_path) -> Path:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTAMP:20240301T000000Z\r\nDTSTART:2024020{i}T100000Z\r\n"
        f"DTEND:2024020{i}T110000Z\r\nATTENDEE:mailto:ann@example.org\r\nATTENDEE:mailto:{who}@example.org\r\n"
        "END:VEVENT\r\n" for i, who in enumerate(["bob", "cy", "dee", "eve"], start=1))
    p = tmp_path / "cal.ics"
    p.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + events + "END:VCALENDAR\r\n")
    return p


def test_without_me_the_near_universal_attendee_is_taken_for_the_owner(tmp_path):
    ds = netanalysis.load([_ann_everywhere(tmp_path)])
    assert ds.load_report["owner"] and len(ds.interactions) == 4  # bob, cy, dee, eve; ann is the owner


def test_me_stops_owner_detection(tmp_path):
    ds = netanalysis.load([_ann_everywhere(tmp_path)], me=["me@example.org"])
    emails = {e for lst in ds.contacts["emails"] for e in lst}
    assert "ann@example.org" in emails and len(ds.interactions) == 8  # 4 events x (ann + one other)
    assert ds.load_report["files"][0]["rejected"] == 0


# --- --anonymize: no names, no content in messages ----------------------------------------

SECRET = "Zebulon Quixotic,zq@example.org\n"


def test_anonymized_error_names_the_file_by_number_and_quotes_nothing(tmp_path):
    p = tmp_path / "Zebulon_Quixotic.csv"
    p.write_text(SECRET)
    with pytest.raises(UserError) as err:
        netanalysis.load([p], anonymize=True)
    msg = str(err.value)
    assert msg.startswith("file 1: unknown format") and "Zebulon" not in msg and "zq@" not in msg
    with pytest.raises(UserError) as plain:
        netanalysis.load([p])
    assert "Zebulon" in str(plain.value)  # without --anonymize the path and first line help the user


def test_report_anonymize_error_quotes_nothing(tmp_path, capsys):
    good = tmp_path / "interactions.csv"
    good.write_text("contact_id,timestamp,channel\na,2024-01-01T10:00:00Z,call\n")
    bad = tmp_path / "Zebulon_Quixotic.csv"
    bad.write_text(SECRET)
    code = main(["report", str(good), str(bad), "--anonymize", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and "file 2" in err and "Zebulon" not in err and "zq@" not in err
    assert len(err.strip().splitlines()) == 1


def test_anonymized_skipped_reason_quotes_nothing(tmp_path):
    (tmp_path / "interactions.csv").write_text("contact_id,timestamp,channel\na,2024-01-01T10:00:00Z,call\n")
    (tmp_path / "notes.csv").write_text(SECRET)
    ds = netanalysis.load([tmp_path], anonymize=True)
    assert [s["reason"].startswith("unknown format") for s in ds.load_report["skipped"]] == [True]
    assert "Zebulon" not in str(ds.load_report["skipped"])


# --- unreadable inputs (simulated: tests run as root, who can read any file) ---------------

def test_unreadable_file_is_one_line_with_path_and_reason(tmp_path, monkeypatch, capsys):
    p = tmp_path / "interactions.csv"
    p.write_text("contact_id,timestamp,channel\na,2024-01-01T10:00:00Z,call\n")

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(loader, "sniff", refuse)
    code = main(["load", str(p), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and str(p) in err and "Permission denied" in err and len(err.strip().splitlines()) == 1


def test_unreadable_subfolder_is_reported_as_skipped(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "interactions.csv").write_text("contact_id,timestamp,channel\na,2024-01-01T10:00:00Z,call\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.csv").write_text("contact_id,timestamp,channel\nb,2024-01-01T10:00:00Z,call\n")
    real_walk = os.walk

    def walk(top, onerror=None, **kw):  # what os.walk does for a folder it may not list
        for root, dirs, files in real_walk(top, onerror=onerror, **kw):
            if Path(root) == locked:
                onerror(PermissionError(13, "Permission denied", str(locked)))
                dirs[:] = []
                continue
            yield root, dirs, files

    monkeypatch.setattr(loader.os, "walk", walk)
    ds = netanalysis.load([tmp_path])
    assert ds.load_report["skipped"] == [{"path": str(locked), "reason": "folder cannot be read (Permission denied)"}]
    assert ds.load_report["totals"]["rows_read"] == 1

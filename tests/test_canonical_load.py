"""Loading canonical CSVs: accounting, duplicates, rejects, identity and errors."""

import json

import numpy as np
import pandas as pd
import pytest
from helpers import write

import netanalysis
from netanalysis.errors import UserError


def _entry(ds, name):
    return next(f for f in ds.load_report["files"] if f["path"].endswith(name))


def test_every_row_is_accounted_for(tmp_path):
    write(tmp_path, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
a,2025-01-01T10:00:00Z,meeting,outbound,30
a,2025-01-01T10:00:00Z,meeting,outbound,30
b,not a date,call,,
c,2025-01-03,telepathy,,
d,2025-01-04,call,,-5
e,2025-01-05,call,sideways,
,2025-01-06,call,,
f,2025-01-07,email,inbound,
""")
    ds = netanalysis.load([tmp_path / "interactions.csv"])
    e = _entry(ds, "interactions.csv")
    assert (e["rows_read"], e["loaded"], e["duplicates"], e["rejected"]) == (8, 2, 1, 5)
    assert e["rejected_by_reason"] == {"unparseable timestamp": 1, "unknown channel": 1, "negative duration_minutes": 1,
                                       "unknown direction": 1, "missing contact_id": 1}
    assert sorted(ds.rejected["row"].astype(int)) == [3, 4, 5, 6, 7]


def test_loading_the_same_file_twice_adds_nothing(tiny):
    once = netanalysis.load([tiny])
    copy = tiny / "again"
    copy.mkdir()
    (copy / "interactions_copy.csv").write_text((tiny / "interactions.csv").read_text())
    twice = netanalysis.load([tiny])
    assert len(twice.interactions) == len(once.interactions) == 3
    # Whichever of the two files is read first loads; the other is all duplicates.
    a, b = _entry(twice, "interactions_copy.csv"), _entry(twice, "/interactions.csv")
    assert sorted([(a["loaded"], a["duplicates"]), (b["loaded"], b["duplicates"])]) == [(0, 3), (3, 0)]
    assert set(twice.interactions["interaction_id"]) == set(once.interactions["interaction_id"])


def test_ids_are_stable_across_runs(tiny):
    a, b = netanalysis.load([tiny]), netanalysis.load([tiny])
    assert a.interactions["interaction_id"].tolist() == b.interactions["interaction_id"].tolist()
    assert a.contacts["contact_id"].tolist() == b.contacts["contact_id"].tolist()


def test_email_as_contact_id_joins_the_contact(tmp_path):
    write(tmp_path, "contacts.csv", "contact_id,name,email\nc1,Ann,Ann@X.com\n")
    write(tmp_path, "interactions.csv", "contact_id,timestamp,channel\nann@x.com,2025-01-01,email\nc1,2025-02-01,call\n")
    ds = netanalysis.load([tmp_path])
    assert ds.contacts["contact_id"].tolist() == ["c1"]
    assert ds.interactions["contact_id"].tolist() == ["c1", "c1"]
    assert ds.contacts["emails"].iloc[0] == ["ann@x.com"]


def test_naive_times_are_read_in_the_given_zone(tmp_path):
    write(tmp_path, "interactions.csv", "contact_id,timestamp,channel\na,2025-07-01 09:00,call\nb,2025-07-01T09:00:00+02:00,call\n")
    ds = netanalysis.load([tmp_path], tz="Europe/Berlin")
    hours = ds.interactions.sort_values("contact_id")["timestamp"].dt.hour.tolist()
    assert hours == [7, 7]  # 09:00 Berlin summer time = 07:00 UTC; the offset is kept for b


def test_parquet_round_trip(tiny_ds, tmp_path):
    tiny_ds.to_parquet(tmp_path / "out")
    back = netanalysis.Dataset.read_parquet(tmp_path / "out")
    pd.testing.assert_frame_equal(back.interactions, tiny_ds.interactions)
    assert back.contacts["emails"].tolist() == tiny_ds.contacts["emails"].tolist()
    report = json.loads((tmp_path / "out" / "load_report.json").read_text())
    for f in report["files"]:
        assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"]


@pytest.mark.parametrize("name,text,words", [
    ("empty.csv", "", ["empty.csv", "empty"]),
    ("weird.csv", "foo,bar,baz\n1,2,3\n", ["weird.csv", "unknown format", "Closest known format"]),
    ("missing.csv", "contact_id,timestamp,direction\na,2025-01-01,inbound\n", ["missing.csv", "channel"]),
    ("binary.csv", "\x00\x01\x02\x03binary\x00", ["binary.csv", "binary"]),
])
def test_bad_files_get_one_clear_message(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(UserError) as err:
        netanalysis.load([path])
    for w in words:
        assert w in str(err.value)


def test_cli_load_writes_the_contract_files_and_exits_2_on_bad_input(tiny, tmp_path, capsys):
    # in this process: test_report_runs checks the console entry point once in a fresh one
    from netanalysis.cli import main

    out = tmp_path / "loaded"  # next to the input files (never inside an input folder: that is refused)
    files = [str(tiny / f) for f in ("contacts.csv", "interactions.csv", "outcomes.csv")]
    assert main(["load", *files, "--out", str(out)]) == 0, capsys.readouterr().err
    for f in ("contacts.parquet", "interactions.parquet", "outcomes.parquet", "load_report.json", "rejected.csv"):
        assert (out / f).exists()
    capsys.readouterr()
    assert main(["load", str(tmp_path / "nope.csv"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nope.csv" in err and "Traceback" not in err


def test_to_utc_tolerates_missing_values():
    from netanalysis.dates import to_utc

    out = to_utc(pd.Series(["2025-01-01", pd.NA, "", "2025-02-01T02:00:00+02:00"], dtype="string"))
    assert out.isna().tolist() == [False, True, True, False]
    assert out.iloc[3] == pd.Timestamp("2025-02-01T00:00:00Z")


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin"])
@pytest.mark.parametrize("values", [
    ["2025-11-07T17:50:41Z", "2025-11-07T17:50:41+02:00", " 2025-11-07 17:50:41Z", "", "2025-03-30T01:30:00.5-0130"],
    ["2025-11-07T17:50:41", "2025-11-07", None, "2025-03-30T02:30:00"],  # naive: read in the load's zone
    ["2025-11-07T17:50:41Z", "2025-11-07T17:50:41"],  # mixed
    ["2025-13-07T17:50:41Z", "7 Nov 2025", "2025-11-07T17:50:41Z"],  # not all ISO
])
def test_fast_time_parsing_equals_the_general_parser(values, tz):
    """The vectorised ISO path of canonical files gives what `to_utc` (the parser of every format) gives."""
    from netanalysis.dates import to_utc
    from netanalysis.io.sources.canonical import _times

    raw = pd.Series(values, dtype="string", index=range(1_000_000, 1_000_000 + len(values)))  # a later block of rows
    fast, general = _times(raw, tz), to_utc(raw, tz)
    assert fast.index.equals(raw.index)
    assert str(fast.dtype) == "datetime64[ns, UTC]"
    assert fast.tolist() == general.astype("datetime64[ns, UTC]").tolist()


def test_fast_number_parsing_equals_to_numeric():
    from netanalysis.io.sources.canonical import _numbers

    for values in (["35", "1.5", None, ".5", "1e3", "-2", "+4."], ["35", "x", "1,5", "inf"]):
        raw = pd.Series(values, dtype="string")
        expected = pd.to_numeric(raw, errors="coerce").astype(float)
        np.testing.assert_array_equal(_numbers(raw).to_numpy(), expected.to_numpy())


def test_a_file_parsed_in_several_blocks_loads_every_row(tmp_path, monkeypatch):
    """Large files are parsed block by block; rows of later blocks are read like the first ones."""
    import netanalysis.io.sources.canonical as canonical
    import netanalysis.io.sources.fastcsv as fastcsv

    monkeypatch.setattr(canonical, "PARSE_CHUNK", 1000)
    monkeypatch.setattr(fastcsv, "FAST_MIN_BYTES", 0)
    lines = ["contact_id,timestamp,channel,direction,duration_minutes"]
    lines += [f"k{i % 50},2025-0{1 + i % 9}-1{i % 10}T08:{i % 60:02d}:00Z,email,outbound,{i % 7}" for i in range(2500)]
    (tmp_path / "interactions.csv").write_text("\n".join(lines) + "\n")
    ds = netanalysis.load([tmp_path])
    report = ds.load_report["totals"]
    distinct = len(set(lines[1:]))
    assert report["rows_read"] == 2500 and report["rejected"] == 0
    assert report["loaded"] == len(ds.interactions) == distinct
    assert report["duplicates"] == 2500 - distinct


def test_short_offsets_among_naive_times_are_read_not_refused():
    """`+02` and a lower-case `z` after a time are offsets, also in a column with naive times."""
    from netanalysis.dates import to_utc

    raw = pd.Series(["2025-11-07T17:50:41+02", "2025-01-01T00:00:00", "2025-11-07T17:50:41z", "2025-11-07"])
    got = to_utc(raw, "America/New_York").tolist()
    assert got == [pd.Timestamp("2025-11-07 15:50:41", tz="UTC"), pd.Timestamp("2025-01-01 05:00", tz="UTC"),
                   pd.Timestamp("2025-11-07 17:50:41", tz="UTC"), pd.Timestamp("2025-11-07 05:00", tz="UTC")]


@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_every_iso_form_reads_alike_on_both_paths(tz):
    """Dates, times with and without seconds or fractions, and every offset form, alone or mixed
    with a naive or an offset time: the canonical fast path and `to_utc` agree, and neither fails."""
    import itertools

    from netanalysis.dates import to_utc
    from netanalysis.io.sources.canonical import _times

    dates = ["2025-11-07", "2024-02-29"]
    times = ["", "T17:50", "T17:50:41", " 17:50:41", "T17:50:41.5", "T17:50:41.123456789", "T7:50:41", "T17"]
    offsets = ["", "Z", "+02:00", "-0530", "+02", " UTC", "z"]
    for d, t, o in itertools.product(dates, times, offsets):
        for values in ([d + t + o], [d + t + o, "2025-01-01T00:00:00Z"], [d + t + o, "2025-01-01T00:00:00"]):
            raw = pd.Series(values, dtype="string")
            fast, general = _times(raw, tz), to_utc(raw, tz)
            assert [None if pd.isna(x) else x for x in fast] == [None if pd.isna(x) else x for x in general], values

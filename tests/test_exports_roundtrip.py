"""`simulate --format exports`: the real-format exports, loaded by the real parsers, reproduce the world.

The world is the reference: minutes per contact and won outcomes are computed
from `World` tables directly (not from the loader), then compared with what
the loaders make of the exports. Documented differences (netanalysis/exports.py):
an extra LinkedIn "connection" per contact, every outcome kind becomes "deal".
"""

import json

import numpy as np
import pandas as pd
import pytest

import netanalysis
from netanalysis.io.schema import DEFAULT_MINUTES
from netanalysis.simulate.exports import OWNER_EMAIL, write_exports
from netanalysis.simulate.world import simulate_world


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory):
    world = simulate_world(contacts=120, months=24, seed=3)
    out = write_exports(world, tmp_path_factory.mktemp("exports"))
    return world, out, netanalysis.load([out])


def _world_email(ds, world):
    """Loaded contact_id -> world contact_id, through the e-mail both carry."""
    by_email = world.contacts.set_index(world.contacts["email"].str.lower())["contact_id"]
    pairs = {cid: by_email[e] for cid, emails in zip(ds.contacts["contact_id"], ds.contacts["emails"])
             for e in emails if e in by_email.index}
    return pd.Series(pairs)


def test_files_written_in_real_layouts(roundtrip):
    _, out, _ = roundtrip
    conn = (out / "linkedin" / "Connections.csv").read_text(encoding="utf-8").splitlines()
    assert conn[0] == "Notes:" and conn[2] == ""
    assert conn[3] == "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
    msgs = (out / "linkedin" / "messages.csv").read_text(encoding="utf-8").splitlines()
    assert msgs[0].startswith("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE")
    assert (out / "calendar" / f"{OWNER_EMAIL}.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    deals = (out / "hubspot" / "deals.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "Associated Contact IDs" in deals and "Is Closed Won" in deals
    truth = json.loads((out / "ground_truth.json").read_text())
    assert truth["half_life_months"] == 3.0


def test_every_row_loads_and_formats_are_detected(roundtrip):
    _, _, ds = roundtrip
    formats = {f["format"] for f in ds.load_report["files"]}
    assert formats == {"linkedin_connections", "linkedin_messages", "ics_calendar", "mbox", "hubspot_contacts",
                       "hubspot_deals"}
    for f in ds.load_report["files"]:
        assert f["rejected"] == 0 and f["duplicates"] == 0 and f["loaded"] == f["rows_read"], f


def test_one_contact_per_world_contact_and_owner_excluded(roundtrip):
    world, _, ds = roundtrip
    assert len(ds.contacts) == len(world.contacts)
    mapping = _world_email(ds, world)
    assert mapping.is_unique and len(mapping) == len(world.contacts)
    assert not any(OWNER_EMAIL in e for e in ds.contacts["emails"])


def test_minutes_per_contact_match_the_world(roundtrip):
    world, _, ds = roundtrip
    wi = world.interactions
    want = wi["duration_minutes"].astype(float).fillna(wi["channel"].map(DEFAULT_MINUTES)).groupby(wi["contact_id"]).sum()
    li = ds.interactions[ds.interactions["channel"] != "connection"]
    got_raw = li["duration_minutes"].astype(float).fillna(li["channel"].map(DEFAULT_MINUTES)).groupby(li["contact_id"]).sum()
    got = got_raw.rename(index=_world_email(ds, world))
    got.index, want.index = got.index.astype(str), want.index.astype(str)
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False, check_index_type=False)
    mapping = _world_email(ds, world)
    got_n = {(mapping[c], ch): n for (c, ch), n in li.groupby(["contact_id", "channel"]).size().items()}
    want_n = {(c, ch): n for (c, ch), n in wi.groupby(["contact_id", "channel"]).size().items()}
    assert got_n == want_n
    # One LinkedIn connection per contact, on the day of its first interaction.
    conn = ds.interactions[ds.interactions["channel"] == "connection"]
    assert conn["contact_id"].is_unique and len(conn) == len(world.contacts)


def test_won_outcomes_match_the_world(roundtrip):
    world, _, ds = roundtrip
    wo = world.outcomes
    won_w = wo[wo["status"] == "won"].groupby("contact_id")["value"].agg(["size", "sum"])
    lo = ds.outcomes[ds.outcomes["status"] == "won"]
    won_l = lo.groupby("contact_id")["value"].agg(["size", "sum"]).rename(index=_world_email(ds, world))
    won_l.index, won_w.index = won_l.index.astype(str), won_w.index.astype(str)
    pd.testing.assert_frame_equal(won_l.sort_index(), won_w.sort_index(), check_names=False)
    assert (ds.outcomes["status"] == "lost").sum() == (wo["status"] == "lost").sum()
    ts_w = np.sort(wo["timestamp"].dt.floor("min").to_numpy())
    assert (np.sort(ds.outcomes["timestamp"].to_numpy()) == ts_w).all()


def test_cli_simulate_exports(tmp_path, capsys):
    from netanalysis.cli import main  # in this process: test_report_runs checks the entry point in a fresh one

    code = main(["simulate", "--out", str(tmp_path / "s"), "--contacts", "20", "--months", "6", "--seed", "1",
                 "--format", "exports"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "s" / "linkedin" / "Connections.csv").exists()
    assert (tmp_path / "s" / "ground_truth.json").exists()


def test_interaction_times_match_the_world_to_the_second(roundtrip):
    world, _, ds = roundtrip
    li = ds.interactions[ds.interactions["channel"] != "connection"]
    mapping = _world_email(ds, world)
    got = sorted(zip(li["contact_id"].map(mapping), li["channel"], li["timestamp"]))
    wi = world.interactions
    want = sorted(zip(wi["contact_id"], wi["channel"], pd.to_datetime(wi["timestamp"], utc=True)))
    assert got == want

"""The exact fast paths for large data (notebooks 04 and 05) against plain references, row by row."""

import numpy as np
import pandas as pd

from netanalysis.analysis.network.diversity import _groups
from netanalysis.analysis.network.ties import reactivations
from netanalysis.analysis.predict.features import CHANNEL_GROUPS, MIX, _channel_rows
from netanalysis.dates import DAYS_PER_MONTH, parse_as_of
from netanalysis.io.vocabulary import DEFAULT_MINUTES, OTHER_MINUTES, invested_minutes
from netanalysis.panel.build import build_panel


def _messy(simulated_dataset):
    """A simulated world with the awkward cases: a missing channel, an unknown one, a contact id that sorts
    first, a contact with no company, a blank company."""
    ds = simulated_dataset(contacts=150, months=24, seed=2)
    inter = ds.interactions.copy()
    inter.loc[inter.index[:5], "channel"] = pd.NA
    inter.loc[inter.index[5:9], "channel"] = "fax"
    contacts = ds.contacts.copy()
    contacts.loc[contacts.index[0], "company"] = pd.NA
    contacts.loc[contacts.index[1], "company"] = "  "
    return type(ds).from_frames(contacts, inter, ds.outcomes, check=False)


def test_invested_minutes_per_row(simulated_dataset):
    inter = _messy(simulated_dataset).interactions
    expected = [d if pd.notna(d) else DEFAULT_MINUTES.get(c, OTHER_MINUTES) if pd.notna(c) else OTHER_MINUTES
                for d, c in zip(inter["duration_minutes"], inter["channel"])]
    got = invested_minutes(inter)
    assert got.index.equals(inter.index) and got.tolist() == expected


def test_company_groups_per_row(simulated_dataset):
    ds = _messy(simulated_dataset)
    company = dict(zip(ds.contacts["contact_id"], ds.contacts["company"]))
    expected = []
    for c in ds.interactions["contact_id"]:
        name = company.get(c)
        name = None if name is None or pd.isna(name) else name.strip()
        expected.append(name or None)
    got = _groups(ds, ds.interactions, "company")
    assert [None if pd.isna(v) else v for v in got] == expected


def test_reactivations_by_a_loop_over_contacts(simulated_dataset):
    ds = _messy(simulated_dataset)
    cut = ds.last_timestamp
    rows = []
    inter = ds.interactions[ds.interactions["timestamp"] <= cut]
    for contact in sorted(inter["contact_id"].dropna().unique()):
        stamps = sorted(inter.loc[inter["contact_id"] == contact, "timestamp"])
        for before, after in zip(stamps, stamps[1:]):
            gap = (after - before).total_seconds() / 86400.0 / DAYS_PER_MONTH
            if gap >= 6:
                rows.append((contact, after, before, gap))
    got = reactivations(ds, cut, silent_months=6)
    assert len(rows) > 10
    assert list(got.itertuples(index=False, name=None)) == rows


def test_channel_rows_count_each_units_touches_by_month(simulated_dataset):
    ds = _messy(simulated_dataset)
    cut = parse_as_of("2025-10-31")
    panel = build_panel(ds, freq="M", unit="account", as_of=cut)
    units = panel["account"]
    starts = np.flatnonzero(np.r_[True, units.to_numpy()[1:] != units.to_numpy()[:-1]])
    p = (panel["period"].dt.year * 12 + panel["period"].dt.month - 1).to_numpy()
    rows = _channel_rows(ds, "account", cut, units, p, starts)
    company = dict(zip(ds.contacts["contact_id"], ds.contacts["company"].astype("string").str.strip()))
    inter = ds.interactions[ds.interactions["timestamp"] <= cut]
    where = {(u, m): i for i, (u, m) in enumerate(zip(units, p))}
    expected = {g: np.zeros(len(panel), dtype=int) for g in MIX}
    for c, ts, ch in zip(inter["contact_id"], inter["timestamp"], inter["channel"]):
        unit = company.get(c)
        if unit is None or pd.isna(unit) or unit == "":
            continue
        group = CHANNEL_GROUPS.get(ch, "other") if pd.notna(ch) else "other"
        expected[group][where[(unit, ts.year * 12 + ts.month - 1)]] += 1
    for g in MIX:
        assert np.array_equal(np.bincount(rows[g], minlength=len(panel)), expected[g]), g
    assert sum(len(r) for r in rows.values()) > 100

"""The panel against values worked out by hand."""

import numpy as np
import pandas as pd
import pytest
from helpers import write

import netanalysis
from netanalysis.dates import parse_as_of
from netanalysis.errors import UserError


def test_stock_and_gaps_by_hand(tmp_path):
    # Half-life 1 month: the stock halves each month. Jan 60 min, nothing in Feb, 5 min in Mar.
    write(tmp_path, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
a,2025-01-10T00:00:00Z,meeting,outbound,60
a,2025-03-10T00:00:00Z,email,inbound,
""")
    ds = netanalysis.load([tmp_path])
    p = ds.panel(half_life_months=1.0, as_of="2025-04-30")
    assert p["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert p["minutes"].tolist() == [60.0, 0.0, 5.0, 0.0]
    assert p["stock"].tolist() == pytest.approx([60.0, 30.0, 20.0, 10.0])
    assert p["cum_minutes"].tolist() == [60.0, 60.0, 65.0, 65.0]
    assert p["months_since_first"].tolist() == [0, 1, 2, 3]
    assert p["months_since_last"].tolist() == [0, 1, 0, 1]
    assert p["inbound"].tolist() == [0, 0, 1, 0]
    assert p["outbound"].tolist() == [1, 0, 0, 0]


def test_two_units_restart_stock_and_outcomes(tiny_ds):
    # Half-life 3: d = 0.5 ** (1/3). Ann: 60 (Jan), 60d, 60d^2 + 5 (Mar), then decays.
    d = 0.5 ** (1 / 3)
    p = tiny_ds.panel(half_life_months=3.0, as_of="2025-05-31")
    ann = p[p["contact_id"] == "c1"]
    bob = p[p["contact_id"] == "c2"]
    assert ann["stock"].tolist() == pytest.approx([60, 60 * d, 60 * d**2 + 5, (60 * d**2 + 5) * d, (60 * d**2 + 5) * d**2])
    # Bob's call has no duration: the channel default, 20 minutes; his panel starts in February.
    assert bob["stock"].tolist() == pytest.approx([20, 20 * d, 20 * d**2, 20 * d**3])
    assert ann["outcomes_won"].tolist() == [0, 0, 0, 1, 0]
    assert ann["value_won"].sum() == 1000.0
    assert bob["outcomes_won"].sum() == 0  # a lost deal is not a won outcome


def test_single_touch_unit_is_dense_to_as_of(tmp_path):
    write(tmp_path, "interactions.csv", "contact_id,timestamp,channel\nz,2024-11-30T23:00:00Z,message\n")
    p = netanalysis.load([tmp_path]).panel(as_of="2025-02-15")
    assert len(p) == 4  # Nov, Dec, Jan, Feb
    assert p["touches"].tolist() == [1, 0, 0, 0]
    assert p["months_since_last"].tolist() == [0, 1, 2, 3]


def test_as_of_cuts_later_data(tiny_ds):
    p = tiny_ds.panel(as_of="2025-02-28")
    assert p["period"].max() == pd.Timestamp("2025-02-01", tz="UTC")
    assert p["minutes"].sum() == 60 + 20  # the March e-mail is after as_of
    assert p["outcomes_won"].sum() == 0


def test_quarterly_decay_uses_three_months(tiny_ds):
    p = tiny_ds.panel(freq="Q", half_life_months=3.0, as_of="2025-06-30")
    ann = p[p["contact_id"] == "c1"]
    assert ann["stock"].tolist() == pytest.approx([65.0, 32.5])
    assert ann["months_since_first"].tolist() == [0, 3]


def test_account_unit_groups_by_company(tiny_ds):
    p = tiny_ds.panel(unit="account", as_of="2025-04-30")
    assert set(p["account"]) == {"Acme", "Beta"}
    assert p.loc[p["account"] == "Acme", "outcomes_won"].sum() == 1


def test_stock_restart_matches_a_plain_loop():
    # The vectorised recursion against a straightforward per-unit loop on random data.
    from netanalysis.panel.build import _stock

    rng = np.random.default_rng(3)
    lengths = rng.integers(1, 40, size=50)
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    minutes = rng.exponential(30, size=lengths.sum()) * (rng.random(lengths.sum()) < 0.4)
    d = 0.5 ** (1 / 2.5)
    expected = np.empty_like(minutes)
    for s, n in zip(starts, lengths):
        acc = 0.0
        for k in range(n):
            acc = acc * d + minutes[s + k]
            expected[s + k] = acc
    assert np.allclose(_stock(minutes, starts, d), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("kwargs,word", [({"freq": "W"}, "freq"), ({"unit": "team"}, "unit"),
                                         ({"half_life_months": 0}, "half_life_months")])
def test_bad_parameters_name_themselves(tiny_ds, kwargs, word):
    with pytest.raises(UserError, match=word):
        tiny_ds.panel(**kwargs)


# -- the vectorised panel against plain per-row and per-unit loops ----------------------------------

DEFAULT_MINUTES = {"meeting": 60.0, "event": 90.0, "call": 20.0, "recommendation": 15.0, "email": 5.0, "message": 2.0}
COLUMNS = ["period", "touches", "minutes", "inbound", "outbound", "cum_minutes", "stock", "months_since_first",
           "months_since_last", "outcomes_won", "value_won"]


def loop_stock(minutes, starts, decay):
    """stock_t = stock_{t-1} * decay + minutes_t, one unit at a time, one row at a time."""
    bounds = list(starts) + [len(minutes)]
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        acc = 0.0
        for m in minutes[a:b]:
            acc = acc * decay + float(m)
            out.append(acc)
    return np.array(out)


def random_world(seed: int, n_inter: int = 600, n_contacts: int = 40, minute_values=(0.0, 0.5, 3.0, 30.0, 45.5)):
    """Interactions, contacts and outcomes as plain frames, with every awkward case the panel meets.

    Contacts without a company, a company with spaces around it, an empty company;
    a missing contact id; unknown and missing channels and directions; recorded and
    missing durations; histories from 1995 (300+ months); outcomes before a unit's
    first touch, of units never touched, lost, or after the cut-off.
    """
    rng = np.random.default_rng(seed)
    ids = [f"c{i:02d}" for i in range(n_contacts)] + ["Zoë", "zz top"]
    companies = ["Acme", " Acme ", "Beta", None, "", "Gamma Ltd", "Ünïcode"]
    contacts = pd.DataFrame({"contact_id": pd.array(ids, dtype="string"),
                             "company": pd.array([companies[i % len(companies)] for i in range(len(ids))], dtype="string")})
    long_ago = pd.Timestamp("1995-03-20", tz="UTC")
    stamps = pd.Timestamp("2019-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 6 * 365 * 86400, n_inter), unit="s")
    stamps = stamps.where(rng.random(n_inter) > 0.03, long_ago)
    channels = np.array(["meeting", "call", "email", "message", "event", "note", "telepathy", None], dtype=object)
    directions = np.array(["inbound", "outbound", "mutual", "unknown", None], dtype=object)
    who = rng.choice(np.array(ids + [None], dtype=object), size=n_inter, p=[0.97 / len(ids)] * len(ids) + [0.03])
    duration = rng.choice(np.array(minute_values), size=n_inter)
    duration[rng.random(n_inter) < 0.5] = np.nan
    inter = pd.DataFrame({
        "contact_id": pd.array(who, dtype="string"), "timestamp": stamps,
        "channel": pd.array(rng.choice(channels, size=n_inter), dtype="string"),
        "direction": pd.array(rng.choice(directions, size=n_inter), dtype="string"),
        "duration_minutes": duration,
    }).sort_values("timestamp", kind="stable").reset_index(drop=True)
    n_out = 80
    outcomes = pd.DataFrame({
        "contact_id": pd.array(rng.choice(np.array(ids + ["nobody"], dtype=object), size=n_out), dtype="string"),
        "account": pd.array(rng.choice(np.array([None, None, None, "Beta", " Acme", "Delta"], dtype=object), size=n_out),
                            dtype="string"),
        "timestamp": pd.Timestamp("2018-06-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 8 * 365, n_out), unit="D"),
        "status": pd.array(rng.choice(np.array(["won", "won", "lost", "open"], dtype=object), size=n_out), dtype="string"),
        "value": np.where(rng.random(n_out) < 0.2, np.nan, rng.integers(1, 50, n_out) * 100.0),
    })
    return inter, contacts, outcomes


def loop_panel(inter, contacts, outcomes, as_of, half_life=3.0, freq="M", unit="contact", minutes_by_channel=None):
    """The panel, row by row in plain Python (what DESIGN.md says the columns are)."""
    step = 3 if freq == "Q" else 1
    defaults = {**DEFAULT_MINUTES, **(minutes_by_channel or {})}
    cut = pd.Timestamp(as_of)
    company = {c: (None if pd.isna(k) else k) for c, k in zip(contacts["contact_id"], contacts["company"])}

    def unit_of(contact_id, account=None):
        if contact_id is None or contact_id is pd.NA:
            return None
        if unit == "contact":
            return contact_id
        name = account if account is not None and account is not pd.NA else company.get(contact_id)
        return None if name is None else name.strip()

    def period(ts):
        return (ts.year * 12 + ts.month - 1) // step

    cells = {}  # (unit, period) -> [touches, minutes, inbound, outbound]
    for row in inter.itertuples(index=False):
        u = unit_of(row.contact_id)
        if row.timestamp > cut or not u:
            continue
        c = cells.setdefault((u, period(row.timestamp)), [0, 0.0, 0, 0])
        default = defaults.get(row.channel, 1.0) if isinstance(row.channel, str) else 1.0
        c[0] += 1
        c[1] += default if np.isnan(row.duration_minutes) else row.duration_minutes
        c[2] += isinstance(row.direction, str) and row.direction == "inbound"
        c[3] += isinstance(row.direction, str) and row.direction == "outbound"
    first = {}
    for u, p in cells:
        first[u] = min(first.get(u, p), p)
    won = {}
    for row in outcomes.itertuples(index=False):
        u = unit_of(row.contact_id, row.account)
        if row.status == "won" and row.timestamp <= cut and u in first and period(row.timestamp) >= first[u]:
            w = won.setdefault((u, period(row.timestamp)), [0, 0.0])
            w[0] += 1
            w[1] += 0.0 if np.isnan(row.value) else row.value
    decay = 0.5 ** (step / half_life)
    rows = []
    for u in sorted(first):
        stock, cum, last = 0.0, 0.0, None
        for p in range(first[u], period(cut) + 1):
            t, m, i, o = cells.get((u, p), [0, 0.0, 0, 0])
            stock = stock * decay + m
            cum += m
            last = p if t else last
            n, v = won.get((u, p), [0, 0.0])
            month = p * step
            rows.append((u, pd.Timestamp(year=month // 12, month=month % 12 + 1, day=1, tz="UTC"), t, m, i, o, cum, stock,
                         (p - first[u]) * step, (p - last) * step, n, v))
    return pd.DataFrame(rows, columns=["unit"] + COLUMNS)


def assert_panel_is(got: pd.DataFrame, expected: pd.DataFrame, unit_col: str):
    assert got.columns.tolist() == [unit_col] + COLUMNS
    assert got[unit_col].tolist() == expected["unit"].tolist()
    assert got["period"].tolist() == expected["period"].tolist()
    for c in ("touches", "inbound", "outbound", "months_since_first", "months_since_last", "outcomes_won"):
        assert got[c].tolist() == expected[c].tolist(), c
    for c in ("minutes", "cum_minutes", "value_won"):  # sums of halves and whole hundreds: exact in any order
        assert got[c].tolist() == expected[c].tolist(), c
    np.testing.assert_allclose(got["stock"], expected["stock"], rtol=1e-12, atol=0)


@pytest.mark.parametrize("seed, unit, freq, half_life, as_of", [
    (0, "contact", "M", 3.0, "2024-06-30"),
    (1, "account", "M", 0.5, "2025-12-31"),
    (2, "contact", "Q", 2.0, "2023-02-14"),
    (3, "account", "Q", 36.0, "2024-12-31"),
])
@pytest.mark.parametrize("batch_rows", [None, 37])  # one batch, or many whose columns are joined
def test_build_panel_equals_a_plain_loop(seed, unit, freq, half_life, as_of, batch_rows, monkeypatch):
    from netanalysis.dataset import Dataset
    from netanalysis.panel import build
    from netanalysis.panel.build import build_panel

    if batch_rows:
        monkeypatch.setattr(build, "FRAME_BATCH_ROWS", batch_rows)

    inter, contacts, outcomes = random_world(seed)
    cut = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    expected = loop_panel(inter, contacts, outcomes, cut, half_life=half_life, freq=freq, unit=unit)
    got = build_panel(Dataset(contacts, inter, outcomes), freq=freq, half_life_months=half_life, unit=unit,
                      as_of=parse_as_of(as_of))
    assert expected["months_since_first"].max() >= 300 // (3 if freq == "Q" else 1) - 12  # long histories are in
    assert_panel_is(got, expected, "contact_id" if unit == "contact" else "account")
    assert got.attrs["outcomes_outside_panel"] == (
        ((outcomes["status"] == "won") & (outcomes["timestamp"] <= cut)).sum() - expected["outcomes_won"].sum())


def test_minutes_by_channel_replace_the_defaults():
    from netanalysis.dataset import Dataset

    inter, contacts, outcomes = random_world(4)
    by_channel = {"email": 7.5, "note": 3.0, "telepathy": 0.5}
    got = Dataset(contacts, inter, outcomes).panel(as_of="2025-12-31", minutes_by_channel=by_channel)
    cut = pd.Timestamp("2025-12-31 23:59:59.999999", tz="UTC")
    expected = loop_panel(inter, contacts, outcomes, cut, minutes_by_channel=by_channel)
    assert_panel_is(got, expected, "contact_id")
    assert got["minutes"].sum() != loop_panel(inter, contacts, outcomes, cut)["minutes"].sum()  # they do change it


@pytest.mark.parametrize("by_unit", [False, True])
def test_minutes_that_are_not_exact_in_binary_are_summed_as_pandas_sums_them(by_unit):
    # 0.1 + 0.2 + ... are not exact, so the order of the additions shows. The panel keeps the sums pandas'
    # groupby gives (compensated row by row; pairwise by np.add.reduceat when the rows come sorted by unit
    # and month), and those are within an ulp or so of the exact sums.
    import math

    from netanalysis.dataset import Dataset
    from netanalysis.panel.build import build_panel

    inter, contacts, outcomes = random_world(5, n_inter=2000, n_contacts=5, minute_values=(0.1, 0.2, 0.7, 1.3))
    if by_unit:
        inter = inter[inter["contact_id"].notna()].sort_values(["contact_id", "timestamp"], kind="stable")
        inter = inter.reset_index(drop=True)
    got = build_panel(Dataset(contacts, inter, outcomes), as_of=parse_as_of("2025-12-31"))
    expected = loop_panel(inter, contacts, outcomes, pd.Timestamp("2025-12-31 23:59:59.999999", tz="UTC"))
    minutes = inter["duration_minutes"].fillna(inter["channel"].map(DEFAULT_MINUTES).astype(float).fillna(1.0))
    month = inter["timestamp"].dt.year * 12 + inter["timestamp"].dt.month - 1
    valid = inter["contact_id"].notna()
    groups = minutes[valid].groupby([inter["contact_id"][valid], month[valid]])
    exact = {k: math.fsum(v) for k, v in groups}
    pandas_sums = groups.sum()
    got_month = got["period"].dt.year * 12 + got["period"].dt.month - 1
    touched = got["touches"] > 0
    differs = 0
    for u, m, v in zip(got.loc[touched, "contact_id"], got_month[touched], got.loc[touched, "minutes"]):
        assert v == pandas_sums[(u, m)]
        assert v == pytest.approx(exact[(u, m)], rel=1e-15)
        differs += v != exact[(u, m)]
    assert differs > 0  # the case really arises
    np.testing.assert_allclose(got["stock"], expected["stock"], rtol=1e-12)


@pytest.mark.parametrize("decay", [0.0, 0.5 ** (1 / 0.25), 0.5 ** (1 / 3), 0.5 ** (3 / 3), 0.5 ** (1 / 36), 1.0])
def test_stock_recursion_is_the_plain_loop(decay):
    # Units of 1 month, of 300+ months, all-zero units and zero months; same arithmetic as the loop: equal bits.
    from netanalysis.panel.build import _stock

    rng = np.random.default_rng(11)
    lengths = np.array([1, 340, 1, 2, 17, 301, 1, 60, 5, 1, 3, 129])
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    minutes = rng.exponential(30, size=lengths.sum()) * (rng.random(lengths.sum()) < 0.3)
    minutes[starts[4]:starts[5]] = 0.0  # a unit with no minutes at all
    minutes[starts[1]:starts[1] + 200] = 0.0  # a long quiet start
    minutes[starts[5]] = 1e6  # a large first month, then 300 months of decay only (or of adding)
    minutes[starts[5] + 1:starts[6]] = 0.0
    got = _stock(minutes, starts, decay)
    expected = loop_stock(minutes, starts, decay)
    assert np.array_equal(got, expected)
    if decay == 0.5 ** (1 / 3):  # a worked value: 1e6 minutes, 300 months later at a 3-month half-life
        assert got[starts[6] - 1] == pytest.approx(1e6 * 0.5 ** 100, rel=1e-12)


def test_stock_of_nothing_and_of_one_unit():
    from netanalysis.panel.build import _stock

    assert len(_stock(np.array([]), np.array([], dtype=int), 0.5)) == 0
    assert _stock(np.array([4.0, 0.0, 2.0]), np.array([0]), 0.5).tolist() == [4.0, 2.0, 3.0]
    assert _stock(np.array([4.0, 0.0, 2.0]), np.array([0, 1, 2]), 0.5).tolist() == [4.0, 0.0, 2.0]


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_month_of_each_timestamp_by_the_calendar(unit):
    from netanalysis.panel.build import _month_ordinals

    rng = np.random.default_rng(2)
    seconds = np.r_[rng.integers(-2_000_000_000, 4_000_000_000, 3000), [-1, 0, 1, 951_868_799, 951_868_800]]
    ts = pd.Series(pd.to_datetime(seconds, unit="s", utc=True)).dt.as_unit(unit)
    expected = [t.year * 12 + t.month - 1 for t in ts]  # 1906 to 2096, leap days and 1970 included
    assert _month_ordinals(ts).tolist() == expected
    assert _month_ordinals(ts.dt.tz_convert("America/New_York")).tolist() == [
        t.year * 12 + t.month - 1 for t in ts.dt.tz_convert("America/New_York")]

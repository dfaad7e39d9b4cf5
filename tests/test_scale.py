"""Scale: `netanalysis panel`, the dask engine, and the fast canonical reader.

The dask engine must give the pandas engine's panel row for row (on a two-worker
LocalCluster); the fast pyarrow reader must give exactly what the standard
library reader gives, rejects and row numbers included.
"""

import numpy as np
import pandas as pd
import pytest
from helpers import write

import netanalysis
from netanalysis import cli
from netanalysis.dates import parse_as_of
from netanalysis.io.arrow_text import hex_ids
from netanalysis.io.sources import fastcsv
from netanalysis.io.sources.base import read_csv_table
from netanalysis.panel.command import dask_panel, panel_command, sorted_panel
from netanalysis.simulate.world import simulate_world, write_canonical


@pytest.fixture(scope="module")
def loaded_world(tmp_path_factory):
    """A small simulated world, loaded the way `netanalysis load` writes it."""
    root = tmp_path_factory.mktemp("world")
    write_canonical(simulate_world(contacts=60, months=18, seed=3), root / "csv")
    ds = netanalysis.load([root / "csv"])
    ds.to_parquet(root / "loaded")
    return root / "loaded", ds


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    import dask

    # Worker processes forked from a server that has imported dask and pandas once, rather than two fresh
    # interpreters importing them each: the same two processes, tasks still pickled between them.
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                     silence_logs=40) as c:
        yield c


@pytest.mark.parametrize("unit", ["contact", "account"])
def test_dask_engine_equals_pandas_engine_on_a_local_cluster(loaded_world, cluster, unit):
    folder, ds = loaded_world
    as_of = "2024-03-31"  # inside the data: later rows must be cut the same way on both engines
    expected = ds.panel(half_life_months=2.0, unit=unit, as_of=as_of)
    got = dask_panel(folder, half_life=2.0, unit=unit, as_of=parse_as_of(as_of), scheduler=cluster.scheduler_address,
                     npartitions=3)
    key = ["contact_id" if unit == "contact" else "account", "period"]
    assert len(expected) > 100 and expected["outcomes_won"].sum() > 0
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  expected.sort_values(key).reset_index(drop=True))
    assert got.attrs == expected.attrs


def test_dask_engine_without_a_scheduler_runs_locally(loaded_world):
    folder, ds = loaded_world
    got = dask_panel(folder, freq="Q", npartitions=2)
    pd.testing.assert_frame_equal(got, ds.panel(freq="Q"))


def test_sorted_panel_equals_concatenating_then_sorting(loaded_world):
    """The dask engine's column-by-column gather gives the plain concat + astype + sort, on partitions holding
    whole units in no particular order (one of them empty, with another resolution for `period`)."""
    _, ds = loaded_world
    whole = ds.panel(half_life_months=2.0)
    codes = pd.factorize(whole["contact_id"])[0]
    parts = [whole[codes % 3 == k].iloc[::-1].sort_values(["contact_id", "period"], ascending=[k != 1, True])
             for k in range(3)]  # units within a partition in either order; periods ascending
    parts = [p.reset_index(drop=True) for p in parts]
    empty = whole.iloc[:0].astype({"period": "datetime64[s, UTC]"})
    parts.insert(1, empty)
    expected = (pd.concat(parts).astype(whole.dtypes.to_dict()).sort_values(["contact_id", "period"], kind="stable")
                .reset_index(drop=True))
    assert len(parts[2]) > 50 and (parts[2]["contact_id"].iloc[0] > parts[2]["contact_id"].iloc[-1])
    got = sorted_panel([p.copy() for p in parts], whole.dtypes)
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(got, whole.reset_index(drop=True))


def test_panel_command_writes_the_panel_worked_out_by_hand(tiny_ds, tmp_path):
    tiny_ds.to_parquet(tmp_path / "loaded")
    out = tmp_path / "sub" / "panel.parquet"
    assert cli.main(["panel", str(tmp_path / "loaded"), "--out", str(out), "--half-life", "3", "--as-of", "2025-05-31"]) == 0
    p = pd.read_parquet(out)
    d = 0.5 ** (1 / 3)
    ann = p[p["contact_id"] == "c1"]
    # Ann: 60 minutes in January, a 5-minute e-mail in March, a won deal in April.
    assert ann["stock"].tolist() == pytest.approx([60, 60 * d, 60 * d**2 + 5, (60 * d**2 + 5) * d, (60 * d**2 + 5) * d**2])
    assert ann["outcomes_won"].tolist() == [0, 0, 0, 1, 0]
    assert len(p) == 5 + 4  # Ann Jan-May, Bob Feb-May
    assert panel_command(tmp_path / "loaded", tmp_path / "acc.parquet", unit="account", engine="dask").exists()


@pytest.mark.parametrize("args, word", [
    (["--unit", "planet"], "--unit"),
    (["--freq", "W"], "--freq"),
    (["--half-life", "0"], "--half-life"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
])
def test_panel_command_bad_parameters_are_one_line_errors(tiny_ds, tmp_path, capsys, args, word):
    tiny_ds.to_parquet(tmp_path / "loaded")
    assert cli.main(["panel", str(tmp_path / "loaded"), "--out", str(tmp_path / "p.parquet"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert word in err and "\n" not in err and "Traceback" not in err


def test_panel_command_on_a_folder_that_was_not_loaded(tmp_path, capsys):
    assert cli.main(["panel", str(tmp_path), "--out", str(tmp_path / "p.parquet")]) == 2
    assert "netanalysis load" in capsys.readouterr().err


# -- the fast reader ------------------------------------------------------------

DAMAGED_VALUES = """contact_id,timestamp,channel,direction,duration_minutes
a,2025-01-01T10:00:00Z,meeting,outbound,30
a,2025-01-01T10:00:00Z,meeting,outbound,30
b,not a date,call,,
c,2025-01-03,telepathy,,
d,2025-01-04,call,,-5
,,,,
e,2025-01-05,call,sideways,
,2025-01-06,call,,
"f, the second",2025-01-07 09:30,email,inbound,
g,2025-02-30T00:00:00+02:00,call,,
h,2025-01-08T10:00:00+02:00,Meeting, Inbound ,45
"""


def _load_both_ways(folder, monkeypatch):
    """Load with the fast reader forced on, then with it off; also say whether it was used."""
    used = []
    original = fastcsv.read_csv_fast

    def spy(*a, **k):
        result = original(*a, **k)
        used.append(result is not None)
        return result

    monkeypatch.setattr(fastcsv, "read_csv_fast", spy)
    monkeypatch.setattr(fastcsv, "FAST_MIN_BYTES", 0)
    fast = netanalysis.load([folder])
    monkeypatch.setattr(fastcsv, "FAST_MIN_BYTES", 1 << 62)
    exact = netanalysis.load([folder])
    return fast, exact, used


def _assert_same_load(fast, exact):
    for name in ("contacts", "interactions", "outcomes"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(exact, name))
    pd.testing.assert_frame_equal(fast.rejected.astype(str), exact.rejected.astype(str))
    assert fast.load_report == exact.load_report


def test_fast_reader_gives_the_exact_readers_rows_and_rejects(tmp_path, monkeypatch):
    write(tmp_path, "interactions.csv", DAMAGED_VALUES)
    fast, exact, used = _load_both_ways(tmp_path, monkeypatch)
    assert used == [True]  # the fast path really ran (value-level damage is the parser's business)
    _assert_same_load(fast, exact)
    e = exact.load_report["files"][0]
    # 10 records (the all-blank row gets no number): a, f and h load, a's copy is a duplicate, six are rejected.
    assert (e["rows_read"], e["loaded"], e["duplicates"], e["rejected"]) == (10, 3, 1, 6)
    assert sorted(exact.rejected["row"].astype(int)) == [3, 4, 5, 6, 7, 9]


@pytest.mark.parametrize("damage", [
    "a,2025-01-02,call\n",                         # ragged: too few fields
    'b,"2025-01-02,call,,\n',                      # a quote that never closes
    'c,"2025-01-02"x,call,,\n',                     # text after a closing quote
    'd,2025-01-02,"call\nmore",,\n',                # a line break inside a cell
    "   \n",                                        # a line of spaces
])
def test_fast_reader_falls_back_on_damaged_structure(tmp_path, monkeypatch, damage):
    lines = DAMAGED_VALUES.splitlines(keepends=True)
    write(tmp_path, "interactions.csv", "".join(lines[:4] + [damage] + lines[4:]))
    fast, exact, used = _load_both_ways(tmp_path, monkeypatch)
    assert used == [False]
    _assert_same_load(fast, exact)


@pytest.mark.parametrize("text", [
    'a,b,c\n1,2,3\n4,5,6\n', 'a,b,c\r\n1,2,3\r\n', 'a,b,c\n1,2,3\n\n,,\n4,5,6\n', 'a,b,c\n1,"a ""q"" b",3\n',
    'a,b,c\n1,a"b,3\n', 'a;b;c\n1;2;3\n', 'a,b,c\n  ,  ,  \n1, 2 ,3\n', 'a,b,c\n1,2,3', '"a","b","c"\n1,2,3\n',
    '\ufeffa,b,c\n1,2,3\n', 'a,b,a\n1,2,3\n', 'a,b,c\n1,\x002,3\n', 'a,b,c\n1,2\n',
])
def test_fast_table_is_the_exact_table_or_nothing(tmp_path, text):
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    enc = "utf-8-sig" if text.startswith("\ufeff") else "utf-8"
    fast = fastcsv.read_csv_fast(path, enc)
    if fast is None:
        return
    exact = read_csv_table(path, enc)
    assert fast.columns == exact.columns and fast.bad == exact.bad
    assert fast.rows.astype(object).values.tolist() == exact.rows.astype(object).values.tolist()


def test_hex_ids_match_pythons_formatting():
    rng = np.random.default_rng(0)
    h = rng.integers(0, 2**63, 2000, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    assert hex_ids("i", h).tolist() == ["i" + format(int(x), "016x") for x in h]


def test_parsing_in_blocks_changes_nothing(tmp_path, monkeypatch):
    from netanalysis.io.sources import canonical

    write(tmp_path, "interactions.csv", DAMAGED_VALUES)
    whole = netanalysis.load([tmp_path])
    monkeypatch.setattr(canonical, "PARSE_CHUNK", 3)  # blocks of 3 rows: rejects fall in several blocks
    blocks = netanalysis.load([tmp_path])
    _assert_same_load(blocks, whole)


def _random_people(seed: int, n: int = 400) -> pd.DataFrame:
    """Person records that collide on e-mails, URLs, names and companies in every way."""
    rng = np.random.default_rng(seed)
    names = ["Ann Lee", "ann lee", "Ånn Lée", "Bob Roy", "Chen Wei", "", None, "D'Arcy O'Neil"]
    companies = ["Acme", "ACME Inc.", "Beta GmbH", "", None, "Gamma"]
    emails = [f"p{i}@x.com" for i in range(600)] + ["Ann@X.com", "mailto:ann@x.com", "not-an-email"]
    urls = [None, None, "https://www.linkedin.com/in/ann-lee/", "linkedin.com/in/ann-lee", "https://de.linkedin.com/in/bob",
            "https://linkedin.com/in/chen?trk=1"]
    sources = ["canonical", "linkedin", "hubspot", "google"]
    rows = []
    for _ in range(n):
        src = sources[rng.integers(len(sources))]
        ident = emails[rng.integers(len(emails))] if rng.random() < 0.2 else f"id{rng.integers(n // 2)}"
        rows.append({
            "ref": f"{src}:{ident}",
            "name": names[rng.integers(len(names))] if rng.random() < 0.3 else f"Person {rng.integers(150)}",
            "emails": list(rng.choice(emails, size=rng.integers(0, 3), replace=False)),
            "company": companies[rng.integers(len(companies))],
            "title": ["CTO", "", None][rng.integers(3)],
            "linkedin_url": urls[rng.integers(len(urls))] if rng.random() < 0.3 else None,
            "first_seen": pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=int(rng.integers(0, 400)))
            if rng.random() < 0.5 else pd.NaT,
        })
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_identity_merge_equals_the_per_cluster_reference(seed):
    from identity_reference import reference_resolve

    from netanalysis.io.identity import resolve

    people = _random_people(seed)
    owner = ["p1@x.com", "Chen Wei"] if seed % 2 else []
    ref_map, contacts, owner_ids = resolve(people, owner)
    ref_map0, contacts0, owner_ids0 = reference_resolve(people, owner)
    assert owner_ids == owner_ids0
    assert ref_map.sort_index().to_dict() == ref_map0.sort_index().to_dict()
    pd.testing.assert_frame_equal(contacts, contacts0)


@pytest.mark.parametrize("unit", ["contact", "account"])
def test_panel_written_in_batches_is_the_one_shot_panel(loaded_world, tmp_path, unit):
    from netanalysis.panel.command import read_panel_inputs, write_panel

    folder, ds = loaded_world
    as_of = "2024-03-31"
    write_panel(read_panel_inputs(folder), tmp_path / "p.parquet", half_life=2.0, unit=unit, as_of=parse_as_of(as_of),
                batch_rows=50)
    got = pd.read_parquet(tmp_path / "p.parquet")
    expected = ds.panel(half_life_months=2.0, unit=unit, as_of=as_of)
    assert len(expected) > 200  # so batches of 50 rows really split it
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs


# -- `netanalysis panel` on Parquet: dictionaries, row groups, batches ----------------------------------

def _write_loaded(folder, inter, contacts, outcomes, row_group_size=None):
    """A loaded folder with just the columns the panel reads (interactions in several row groups)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(inter, preserve_index=False), folder / "interactions.parquet",
                   row_group_size=row_group_size)
    contacts.to_parquet(folder / "contacts.parquet", index=False)
    outcomes.to_parquet(folder / "outcomes.parquet", index=False)
    return folder


@pytest.mark.parametrize("unit, batch_rows", [("contact", None), ("account", None), ("contact", 37), ("account", 50)])
def test_panel_command_equals_a_plain_loop(tmp_path, monkeypatch, unit, batch_rows):
    import pyarrow.parquet as pq
    from test_panel import assert_panel_is, loop_panel, random_world

    from netanalysis.dataset import Dataset
    from netanalysis.panel import command as scale

    inter, contacts, outcomes = random_world(7)
    folder = _write_loaded(tmp_path / "loaded", inter, contacts, outcomes, row_group_size=97)
    assert pq.ParquetFile(folder / "interactions.parquet").num_row_groups > 5  # one dictionary per row group
    if batch_rows:
        monkeypatch.setattr(scale, "PANEL_BATCH_ROWS", batch_rows)
    out = tmp_path / "panel.parquet"
    assert cli.main(["panel", str(folder), "--out", str(out), "--half-life", "2", "--unit", unit,
                     "--as-of", "2025-03-31"]) == 0
    got = pd.read_parquet(out)
    cut = pd.Timestamp("2025-03-31 23:59:59.999999", tz="UTC")
    expected = loop_panel(inter, contacts, outcomes, cut, half_life=2.0, unit=unit)
    assert_panel_is(got, expected, "contact_id" if unit == "contact" else "account")
    if batch_rows:  # batches (of whole units, a row group each) really split the panel
        assert pq.ParquetFile(out).num_row_groups >= 3
    # The very frame (dtypes, attrs) that build_panel gives for the same tables.
    frame = Dataset(contacts, inter, outcomes).panel(half_life_months=2.0, unit=unit, as_of="2025-03-31")
    pd.testing.assert_frame_equal(got, frame, check_exact=True)
    assert got.attrs == frame.attrs and got.attrs["outcomes_outside_panel"] > 0


def test_panel_command_default_as_of_is_the_last_timestamp(tmp_path):
    from test_panel import random_world

    from netanalysis.dataset import Dataset

    inter, contacts, outcomes = random_world(8)
    folder = _write_loaded(tmp_path / "loaded", inter, contacts, outcomes)
    assert cli.main(["panel", str(folder), "--out", str(tmp_path / "p.parquet"), "--freq", "Q"]) == 0
    got = pd.read_parquet(tmp_path / "p.parquet")
    last = max(inter["timestamp"].max(), outcomes["timestamp"].max())
    assert got.attrs["as_of"] == last.isoformat()
    pd.testing.assert_frame_equal(got, Dataset(contacts, inter, outcomes).panel(freq="Q"), check_exact=True)


def test_panel_command_with_nothing_before_as_of_writes_an_empty_panel(tmp_path):
    from test_panel import COLUMNS, random_world

    inter, contacts, outcomes = random_world(9)
    folder = _write_loaded(tmp_path / "loaded", inter, contacts, outcomes)
    assert cli.main(["panel", str(folder), "--out", str(tmp_path / "p.parquet"), "--as-of", "1990-01-01"]) == 0
    got = pd.read_parquet(tmp_path / "p.parquet")
    assert len(got) == 0 and got.columns.tolist() == ["contact_id"] + COLUMNS
    assert got.attrs == {"as_of": "1990-01-01T23:59:59.999999+00:00", "half_life_months": 3.0, "freq": "M",
                         "unit": "contact", "outcomes_outside_panel": 0}


@pytest.mark.parametrize("by_unit", [False, True])
def test_batches_keep_the_one_shot_sums_of_inexact_minutes(tmp_path, by_unit):
    # 0.1, 0.2, 0.7 minutes: sums depend on their order; batches must not change a bit of any column,
    # whether the rows come in time order or sorted by unit (two ways pandas adds them).
    from test_panel import random_world

    from netanalysis.dataset import Dataset
    from netanalysis.panel.command import write_panel

    inter, contacts, outcomes = random_world(12, n_inter=3000, minute_values=(0.1, 0.2, 0.7, 1e-3))
    if by_unit:
        inter = inter[inter["contact_id"].notna()].sort_values(["contact_id", "timestamp"], kind="stable")
        inter = inter.reset_index(drop=True)
    ds = Dataset(contacts, inter, outcomes)
    write_panel(ds, tmp_path / "p.parquet", half_life=1.5, as_of=parse_as_of("2025-06-30"), batch_rows=37)
    expected = ds.panel(half_life_months=1.5, as_of="2025-06-30")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "p.parquet"), expected, check_exact=True)
    assert expected["cum_minutes"].map(lambda v: round(v, 2) != v).any()  # the sums really are inexact


def test_panel_command_reads_interactions_written_as_a_folder_of_parts(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from test_panel import assert_panel_is, loop_panel, random_world

    inter, contacts, outcomes = random_world(13)
    folder = _write_loaded(tmp_path / "loaded", inter.iloc[:0], contacts, outcomes)
    (folder / "interactions.parquet").unlink()
    (folder / "interactions.parquet").mkdir()
    for i, part in enumerate((inter.iloc[:250], inter.iloc[250:])):
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), folder / "interactions.parquet" / f"part-{i}.parquet")
    assert cli.main(["panel", str(folder), "--out", str(tmp_path / "p.parquet"), "--as-of", "2025-12-31"]) == 0
    expected = loop_panel(inter, contacts, outcomes, pd.Timestamp("2025-12-31 23:59:59.999999", tz="UTC"))
    assert_panel_is(pd.read_parquet(tmp_path / "p.parquet"), expected, "contact_id")


def test_shuffle_keys_are_one_per_unit_and_equal_for_equal_units():
    """The dask shuffle's keys: equal units (missing as '') share a key, different ones do not."""
    from netanalysis.panel.command import _unit_keys

    units = pd.Series(["a", "b", None, "a", "", "b"], dtype="string")
    keys = _unit_keys(units)
    assert keys.dtype == np.uint64
    assert keys[0] == keys[3] and keys[1] == keys[5] and keys[2] == keys[4]
    assert len({keys[0], keys[1], keys[2]}) == 3

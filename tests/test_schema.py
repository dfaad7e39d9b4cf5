"""The canonical tables' contract: what validation accepts and what it names when it refuses."""

import pandas as pd
import pytest

from netanalysis.dataset import Dataset
from netanalysis.errors import UserError


def _tables(changes=None):
    contacts = pd.DataFrame({"contact_id": ["c1", "c2"], "name": ["Ann", None], "emails": [["a@x.com"], []],
                             "company": [None, None], "title": [None, None], "linkedin_url": [None, None],
                             "sources": [["canonical"], ["canonical"]], "first_seen": pd.NaT})
    inter = pd.DataFrame({"interaction_id": ["i1", "i2"], "contact_id": ["c1", "c2"],
                          "timestamp": pd.to_datetime(["2025-01-02", "2025-01-01"], utc=True),
                          "channel": ["meeting", "email"], "direction": ["inbound", "unknown"],
                          "duration_minutes": [30.0, None], "source": "canonical", "source_row": [1, 2]})
    outc = pd.DataFrame({"outcome_id": ["o1"], "contact_id": ["c1"], "account": [None],
                         "timestamp": pd.to_datetime(["2025-02-01"], utc=True), "kind": ["deal"], "status": ["won"],
                         "value": [10.0], "currency": [None], "source": "canonical", "source_row": [1]})
    frames = {"contacts": contacts, "interactions": inter, "outcomes": outc}
    for (table, column), values in (changes or {}).items():
        frames[table][column] = values
    return frames


def test_valid_tables_pass_and_come_back_sorted_by_time():
    ds = Dataset.from_frames(**_tables())
    assert ds.interactions["interaction_id"].tolist() == ["i2", "i1"]  # 1 Jan before 2 Jan


@pytest.mark.parametrize("change, named", [
    ({("interactions", "channel"): ["meeting", "fax"]}, "interactions.channel"),
    ({("interactions", "direction"): ["sideways", "inbound"]}, "interactions.direction"),
    ({("interactions", "interaction_id"): ["i1", "i1"]}, "interactions.interaction_id"),
    ({("interactions", "duration_minutes"): [-5.0, None]}, "interactions.duration_minutes"),
    ({("outcomes", "status"): ["maybe"]}, "outcomes.status"),
    ({("outcomes", "contact_id"): [None]}, "someone_owns_it"),
    ({("contacts", "contact_id"): ["c1", "c1"]}, "contacts.contact_id"),
])
def test_each_broken_rule_is_named(change, named):
    with pytest.raises(UserError) as err:
        Dataset.from_frames(**_tables(change))
    assert named in str(err.value)


def test_writing_with_validation_leaves_nothing_behind_when_a_rule_breaks(tmp_path):
    """`netanalysis load` validates while it writes: a broken table writes no file at all."""
    good = Dataset.from_frames(**_tables())
    good.to_parquet(tmp_path / "out", validate=True)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "contacts.parquet", "interactions.parquet", "load_report.json", "outcomes.parquet", "rejected.csv"]
    frames = _tables({("interactions", "channel"): ["meeting", "fax"]})
    broken = Dataset(frames["contacts"], frames["interactions"], frames["outcomes"])
    with pytest.raises(UserError, match="interactions.channel"):
        broken.to_parquet(tmp_path / "broken", validate=True)
    assert list((tmp_path / "broken").iterdir()) == []


def test_sorting_by_time_and_id_matches_pandas_on_random_small_tables():
    """`sorted_by` skips the sort when rows are in order already; either way the result is pandas' stable sort."""
    import numpy as np

    from netanalysis.dataset import sorted_by

    rng = np.random.default_rng(1)
    for _ in range(500):
        n = int(rng.integers(0, 8))
        df = pd.DataFrame({"timestamp": pd.to_datetime(rng.integers(0, 3, n), unit="s", utc=True),
                           "id": pd.array(rng.choice(["a", "b", "c"], n), dtype="string"), "row": range(n)})
        if rng.random() < 0.5:
            df = df.sort_values(["timestamp", "id"], kind="stable").reset_index(drop=True)
        expected = df.sort_values(["timestamp", "id"], kind="stable").reset_index(drop=True)
        assert sorted_by(df, ["timestamp", "id"]).equals(expected)


def test_until_matches_plain_pandas_filtering(simulated_dataset):
    """`Dataset.until` against the plain pandas reference: rows up to the cut, and the contacts first seen by
    then or met in a kept interaction or outcome (one outcome's contact is first seen only after the cut)."""
    ds = simulated_dataset(contacts=200, months=24, seed=2)
    contacts = ds.contacts.copy()
    late = ds.outcomes["contact_id"].iloc[0]
    contacts.loc[contacts["contact_id"] == late, "first_seen"] = ds.last_timestamp + pd.Timedelta(days=1)
    ds = Dataset(contacts, ds.interactions, ds.outcomes)
    for cut in (ds.last_timestamp, ds.last_timestamp - pd.Timedelta(days=300), pd.Timestamp("1990-01-01", tz="UTC")):
        got = ds.until(cut)
        inter = ds.interactions[ds.interactions["timestamp"] <= cut]
        outc = ds.outcomes[ds.outcomes["timestamp"] <= cut]
        seen = set(inter["contact_id"]) | set(outc["contact_id"].dropna())
        cont = ds.contacts[(ds.contacts["first_seen"] <= cut) | ds.contacts["contact_id"].isin(seen)]
        pd.testing.assert_frame_equal(got.contacts, cont.reset_index(drop=True))
        pd.testing.assert_frame_equal(got.interactions, inter.reset_index(drop=True))
        pd.testing.assert_frame_equal(got.outcomes, outc.reset_index(drop=True))
    assert late in set(ds.until(ds.last_timestamp).contacts["contact_id"])


@pytest.mark.parametrize("values, fails", [
    (["c1", "c2"], False),  # arrow strings: the usual case
    (pd.Series(["c1", None], dtype="string[python]"), True),  # strings of another storage
    (pd.Series(["c1", 3], dtype=object), True),  # a number among strings
    (pd.Series(["c1", "c2"], dtype=object), False),  # strings held as Python objects
    ([1, 2], True),  # numbers
])
def test_text_columns_are_judged_as_pandera_judges_them(values, fails):
    """The string dtype that answers a column of strings at once finds the same failures as pandera's own."""
    import pandera.errors
    from pandera.pandas import Column, DataFrameSchema

    from netanalysis.io.schema import STRING

    def failures(dtype):
        frame = pd.DataFrame({"contact_id": values})
        try:
            DataFrameSchema({"contact_id": Column(dtype, nullable=True)}).validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as exc:
            return exc.failure_cases[["column", "check", "failure_case", "index"]].astype(str).values.tolist()
        return []

    assert failures(STRING) == failures(str)
    assert bool(failures(STRING)) == fails


def test_tables_read_back_with_list_cells_as_pandas_reads_them(tmp_path):
    """`Dataset.read_parquet` reads list columns through pyarrow: the same frame as `pd.read_parquet` with each
    cell made a list (a missing cell an empty one), the columns in their order."""
    from netanalysis.dataset import _as_lists, _read_table

    frame = pd.DataFrame({"contact_id": pd.array(["a", "b", "c", "d"], dtype="string"),
                          "emails": [["a@x.com", "a@y.com"], [], None, ["d@x.com"]],
                          "name": pd.array(["Ann", None, "Cy", "Di"], dtype="string"),
                          "sources": [["linkedin"], ["vcard", "csv"], [], None]})
    frame.to_parquet(tmp_path / "contacts.parquet")
    got = _read_table(tmp_path / "contacts.parquet")
    expected = pd.read_parquet(tmp_path / "contacts.parquet")
    assert list(got.columns) == list(expected.columns)
    for column in ("emails", "sources"):
        assert _as_lists(got[column]) == _as_lists(expected[column])
    assert got["emails"].tolist() == [["a@x.com", "a@y.com"], [], None, ["d@x.com"]]
    pd.testing.assert_frame_equal(got.drop(columns=["emails", "sources"]), expected.drop(columns=["emails", "sources"]))

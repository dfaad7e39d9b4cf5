"""The loader's fast paths against plain references on small inputs."""

import numpy as np
import pandas as pd
import pytest

from netanalysis.io import identity


def _components_by_union_find(ref_code, email_rec, emails, urls) -> list[int]:
    """Records joined by a shared ref, e-mail or URL, numbered in order of each component's first record."""
    n = len(ref_code)
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    first_holder: dict = {}
    keys = [("ref", r, i) for i, r in enumerate(ref_code)] + [("email", e, r) for r, e in zip(email_rec, emails)]
    keys += [("url", u, i) for i, u in enumerate(urls) if u is not None]
    for kind, value, rec in keys:
        other = first_holder.setdefault((kind, value), rec)
        parent[root(rec)] = root(other)
    labels: dict = {}
    return [labels.setdefault(root(i), len(labels)) for i in range(n)]


@pytest.mark.parametrize("shared", [False, True])
def test_key_components_match_a_union_find(shared):
    rng = np.random.default_rng(4)
    n = 60
    refs = pd.Series([f"canonical:p{k}" for k in rng.integers(0, 35, n)])
    ref_code, ref_ids = pd.factorize(refs)
    # E-mails of each ref's own (the fast path), or some held by two refs (the graph).
    email_rec = np.sort(rng.choice(n, 40, replace=False))
    emails = [f"{refs[r]}@x.org" for r in email_rec]
    urls = pd.Series([None] * n, dtype=object)
    urls[::7] = [f"u{refs[i]}" for i in range(0, n, 7)]
    if shared:
        emails[3] = emails[10] = "shared@x.org"
        urls[8] = urls[21] = "ushared"
    em = pd.DataFrame({"rec": email_rec, "email": pd.Series(emails, dtype=object)})
    got = identity._key_components(ref_code, len(ref_ids), em, urls)
    expected = _components_by_union_find(ref_code, email_rec, emails, urls.tolist())
    assert got.tolist() == expected
    assert (got.max() < ref_code.max()) == shared  # the shared keys did join refs


def test_coded_refs_map_like_a_dictionary_lookup():
    """Refs hashed once per file (codes into namespaced distinct refs), then mapped per distinct ref."""
    import pyarrow as pa

    from netanalysis.io.loader import _coded_refs, _map_refs

    raw = pd.Series(["1", "2", "1", "3", "9", "2", None], dtype="string")
    codes, distinct = _coded_refs(raw, "a:")
    refs = ["a:" + r if isinstance(r, str) else None for r in raw]
    assert [distinct[c].as_py() for c in codes] == refs
    ref_map = pd.Series({"a:1": "c1", "a:2": "c2", "a:3": "c_owner"}, dtype=object)
    contact_ids = pd.Series(["c2", "c1"], dtype="string")  # the owner is no contact
    index = pd.RangeIndex(10, 17)
    ids, rows = _map_refs(pa.concat_arrays([distinct]), codes, ref_map, contact_ids, index)
    lookup = dict(ref_map)
    assert ids.tolist() == [lookup.get(r, pd.NA) for r in refs]  # a ref not in the map has no contact
    assert ids.dtype == "string" and ids.index.equals(index)
    row_of = {c: i for i, c in enumerate(contact_ids)}
    assert rows.tolist() == [row_of.get(lookup.get(r), -1) for r in refs] == [1, 0, 1, -1, -1, 0, -1]


def test_take_rows_equals_dataframe_take():
    from netanalysis.io.loader import _take_rows

    rng = np.random.default_rng(7)
    n = 50
    records = pd.DataFrame({
        "contact_id": pd.array([f"c{i % 7}" if i % 9 else None for i in range(n)], dtype="string"),
        "timestamp": pd.Series(pd.to_datetime(rng.integers(1.6e18, 1.7e18, n), utc=True)),
        "channel": pd.array(rng.choice(["email", "call", None], n), dtype="string"),  # taken through its dictionary
        "duration_minutes": np.where(rng.random(n) < .5, np.nan, rng.random(n)),
        "_rid": rng.integers(0, 2**63, n).astype(np.uint64),
        "emails": [[f"e{i}"] if i % 3 else [] for i in range(n)],
    }, index=pd.RangeIndex(100, 100 + n))
    order = rng.permutation(n)[:40]
    got, expected = _take_rows(records, order), records.take(order)
    assert got.equals(expected) and got.index.equals(expected.index)
    assert list(got.dtypes) == list(expected.dtypes)


def test_text_hashes_are_pandas_keyed_siphash_of_each_string(monkeypatch):
    """Record ids must not change between versions: each string hashes as pandas'
    `hash_pandas_object` hashes it alone, missing values to the constant, in every chunk."""
    from netanalysis.io import hashing

    monkeypatch.setattr(hashing, "_CHUNK", 3)  # several chunks of distinct values
    values = ["ann", "bob", None, "ann", "", "Zoë", "b\u00f6b", "bob", "x" * 300, None, "k17"]
    got = hashing.text_hashes(pd.Series(values, dtype="string"))
    for v, h in zip(values, got):
        want = hashing._NA if v is None else pd.util.hash_pandas_object(
            pd.Series([v], dtype=object), index=False, hash_key=hashing.HASH_KEY).iloc[0]
        assert h == np.uint64(want), v


def test_loaded_tables_read_back_the_same_without_a_dictionary_for_ids(tmp_path):
    """The tables' own id columns are written without a dictionary; what is read back is what was written."""
    import pyarrow.parquet as pq

    from netanalysis.dataset import Dataset
    from netanalysis.io.loader import load

    ds = load(["data/sample"], check=False)
    ds.to_parquet(tmp_path)
    back = Dataset.read_parquet(tmp_path)
    for name, id_col in (("contacts", "contact_id"), ("interactions", "interaction_id"), ("outcomes", "outcome_id")):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(ds, name).reset_index(drop=True))
        meta = pq.ParquetFile(tmp_path / f"{name}.parquet").metadata.row_group(0)
        encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)}
        assert "RLE_DICTIONARY" not in encodings[id_col] and "PLAIN_DICTIONARY" not in encodings[id_col]

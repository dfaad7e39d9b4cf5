"""Stable 64-bit hashes of record keys, vectorised for millions of rows.

Record ids (DESIGN.md: "stable hash of source and natural key") are computed
as uint64 and written as hex text only once, at the end of loading. A key made
of several columns is hashed column by column: text once per distinct value
(pandas' keyed SipHash, `hash_pandas_object`), numbers and times from their
bits, and the parts mixed with the splitmix64 finaliser. Building and hashing
one joined string per row instead costs about a second per million rows.
Nothing here depends on the run (fixed hash key, no Python `hash()`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from netanalysis.io.arrow_text import arrow_strings

HASH_KEY = "netanalysis-ids-1"[:16]  # SipHash needs exactly 16 bytes
_NA = np.uint64(0x9E3779B97F4A7C15)  # what a missing value hashes to
_CHUNK = 500_000  # hashing text needs Python objects: a bounded number at a time


def _splitmix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijection of uint64 that spreads every input bit."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def text_hashes(values) -> np.ndarray:
    """Keyed SipHash of every string (missing values hash to a constant), as uint64.

    >>> a = text_hashes(pd.Series(["x", None, "x"]))
    >>> bool(a[0] == a[2]) and bool(a[0] != a[1])
    True
    """
    arr = arrow_strings(values)
    encoded = pc.dictionary_encode(arr)  # hash each distinct value once
    uniques = encoded.dictionary
    # The values are distinct already: `categorize=False` skips pandas' own factorize
    # of them (the hashes are the same, `hash_pandas_object` of a Series is `hash_array`).
    parts = [pd.util.hash_array(np.asarray(uniques.slice(lo, _CHUNK).to_numpy(zero_copy_only=False), dtype=object),
                                hash_key=HASH_KEY, categorize=False)
             for lo in range(0, len(uniques), _CHUNK)]
    table = np.concatenate(parts).astype(np.uint64) if parts else np.zeros(0, dtype=np.uint64)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    out = np.full(len(arr), _NA, dtype=np.uint64)
    given = ~np.asarray(encoded.indices.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    out[given] = table[codes[given].astype(np.int64)]
    return out


def _column_hashes(col) -> np.ndarray:
    """uint64 of one key column: text hashed, times and numbers from their bits."""
    if isinstance(col, str):
        return np.full(1, text_hashes(pd.Series([col]))[0], dtype=np.uint64)
    s = pd.Series(col)
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype):
        ns = s.dt.tz_convert("UTC").dt.tz_localize(None) if isinstance(s.dtype, pd.DatetimeTZDtype) else s
        na = ns.isna().to_numpy()
        v = ns.to_numpy(dtype="datetime64[ns]").view(np.int64).astype(np.uint64)
        return np.where(na, _NA, v)
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":  # e.g. a key already hashed by the parser
        return s.to_numpy().astype(np.uint64)
    if pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
        f = s.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
        bits = np.where(f == 0, 0.0, f).view(np.uint64)  # -0.0 and 0.0 are one value
        return np.where(np.isnan(f), _NA, bits)
    return text_hashes(s)


def key_hashes(*columns) -> np.ndarray:
    """One uint64 per row from several key columns (a plain string is the same for every row).

    Equal rows give equal hashes; order matters (``key_hashes(a, b) != key_hashes(b, a)``).

    >>> h = key_hashes("canonical", pd.Series(["ann", "bob", "ann"]), pd.Series([1.0, 2.0, 1.0]))
    >>> bool(h[0] == h[2]) and bool(h[0] != h[1])
    True
    """
    n = max((len(c) for c in columns if not isinstance(c, str)), default=1)
    h = np.full(n, np.uint64(len(columns)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in columns:
            h = _splitmix(h * np.uint64(0x100000001B3) ^ _column_hashes(col))
    return h

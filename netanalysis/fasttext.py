"""Text for millions of rows without a Python loop: ISO times, hex ids, arrow strings.

Formatting 1M timestamps with ``dt.strftime`` or 1M hashes with ``"{:016x}".format``
takes seconds; here the characters are computed as a byte matrix with numpy and
handed to pyarrow as one string buffer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

STRING = pd.ArrowDtype(pa.string())
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _from_matrix(chars: np.ndarray, index=None) -> pd.Series:
    """Rows of an (n, w) uint8 matrix of ASCII codes as an arrow-backed string Series."""
    n, w = chars.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int64)
    data = np.ascontiguousarray(chars).reshape(-1)
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    return pd.Series(pd.arrays.ArrowExtensionArray(arr.cast(pa.string())), index=index, dtype=STRING)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, as an (n, width) uint8 matrix."""
    v = values.astype(np.int32)
    out = np.empty((len(v), width), dtype=np.uint8)
    for i in range(width - 1, -1, -1):
        v, digit = np.divmod(v, 10)
        out[:, i] = digit + ord("0")
    return out


def _civil_from_days(z: np.ndarray):
    """Year, month, day of days since 1970-01-01 (H. Hinnant's algorithm, proleptic Gregorian)."""
    z = z + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def iso_seconds(ts: pd.Series) -> pd.Series:
    """UTC times as ``YYYY-MM-DDTHH:MM:SS``, exactly what ``ts.dt.strftime("%Y-%m-%dT%H:%M:%S")`` gives.

    Times must be present (no NaT) and in years 0000-9999.

    >>> iso_seconds(pd.Series(pd.to_datetime(["2025-03-04 05:06:07.9"], utc=True))).tolist()
    ['2025-03-04T05:06:07']
    """
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None) if isinstance(ts.dtype, pd.DatetimeTZDtype) else ts
    seconds = naive.to_numpy().astype("datetime64[s]")
    s = seconds.astype(np.int64)
    days, secs_of_day = np.divmod(s, 86400)
    year, month, day = _civil_from_days(days)
    parts = [
        _digits(year, 4), b"-",
        _digits(month, 2), b"-",
        _digits(day, 2), b"T",
        _digits(secs_of_day // 3600, 2), b":",
        _digits(secs_of_day // 60 % 60, 2), b":",
        _digits(secs_of_day % 60, 2),
    ]
    n = len(seconds)
    cols = [p if isinstance(p, np.ndarray) else np.full((n, 1), p[0], dtype=np.uint8) for p in parts]
    return _from_matrix(np.hstack(cols) if n else np.zeros((0, 19), dtype=np.uint8), index=ts.index)


def hex_ids(prefix: str, hashes: np.ndarray, index=None) -> pd.Series:
    """``prefix`` + 16 lower-case hex digits of each uint64, as ``"{:016x}".format`` writes them.

    >>> hex_ids("i", np.array([255], dtype="uint64")).tolist()
    ['i00000000000000ff']
    """
    h = np.asarray(hashes, dtype=np.uint64)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    k = len(head)
    big_endian = h.astype(">u8").view(np.uint8).reshape(len(h), 8)  # one byte = two hex digits
    chars = np.empty((len(h), k + 16), dtype=np.uint8)
    chars[:, :k] = head
    chars[:, k::2] = _HEX[big_endian >> 4]
    chars[:, k + 1::2] = _HEX[big_endian & 15]
    return _from_matrix(chars, index=index)


def arrow_strings(values) -> pa.Array:
    """A text column as one pyarrow ``string`` array (no copy when it is arrow-backed already).

    >>> arrow_strings(pd.Series(["a", None])).to_pylist()
    ['a', None]
    """
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    else:
        arr = pa.array(pd.Series(values).astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], type=pa.string())
    return arr if arr.type == pa.string() else arr.cast(pa.string())

"""Text for millions of rows without a Python loop: hex ids and arrow strings.

A Python loop of ``"{:016x}".format`` calls costs one interpreter round per row;
here the characters are computed as a byte matrix with numpy and handed to
pyarrow as one string buffer.
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

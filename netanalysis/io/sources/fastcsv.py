"""A fast, streaming CSV reader (pyarrow) that gives exactly what `read_csv_table` gives.

`base.read_csv_table` uses the standard library's csv module so damaged exports
are rejected row by row with their number. That costs about a second per 200k
rows. Clean, large files (a CRM's millions of activities) are read here with
pyarrow's multi-threaded block reader instead, as strings, block by block.
Whenever pyarrow meets anything the exact path treats specially (a ragged row,
a quote it cannot close, invalid UTF-8, a NUL byte, another encoding), this
reader gives up and the caller falls back to the exact path, so row numbers,
rejects and values are the same either way.
"""

from __future__ import annotations

import contextlib
import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from netanalysis.io.sources.base import (
    Table,
    _dedupe_columns,
    check_header_width,
    header_fields,
    read_csv_table,
    sniff_delimiter,
)


def _use_jemalloc() -> None:
    """Arrow memory from jemalloc, which hands freed blocks back to the system sooner than
    the default mimalloc, so a large load peaks lower.
    An explicit ARROW_DEFAULT_MEMORY_POOL setting is left alone."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    with contextlib.suppress(NotImplementedError, AttributeError):  # a pyarrow build without jemalloc
        pa.set_memory_pool(pa.jemalloc_memory_pool())


_use_jemalloc()

# Below this size the exact reader is fast enough and the fast one is not worth trying.
FAST_MIN_BYTES = 1 << 20
BLOCK_BYTES = 16 << 20
_ENCODINGS = {"utf-8", "utf-8-sig", "ascii", "utf8"}
STRING = pd.ArrowDtype(pa.string())


def read_table(path: Path, encoding: str, skip_lines: int = 0, min_bytes: int | None = None) -> Table:
    """`read_csv_table`'s result, read with pyarrow where that gives the same answer.

    Columns of the fast result are arrow-backed strings (``pd.ArrowDtype(pa.string())``)
    rather than Python objects; values, row numbers and rejects are the same.
    """
    if Path(path).stat().st_size >= (FAST_MIN_BYTES if min_bytes is None else min_bytes):
        fast = read_csv_fast(path, encoding, skip_lines)
        if fast is not None:
            return fast
    return read_csv_table(path, encoding, skip_lines)


def read_csv_fast(path: Path, encoding: str, skip_lines: int = 0) -> Table | None:
    """The file as a `Table` of arrow strings, or None when only the exact reader can tell.

    Reads in blocks of `BLOCK_BYTES` (bounded memory besides the result itself).
    """
    if encoding.lower() not in _ENCODINGS:
        return None
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        for _ in range(skip_lines):
            fh.readline()
        sample = fh.readline()
    delimiter = sniff_delimiter(sample)
    header = _dedupe_columns(header_fields(sample, delimiter))
    check_header_width(path, header)
    if not header or "\n" in sample.rstrip("\r\n") or sample.count('"') % 2:
        return None  # a header with a quoted line break: leave it to the exact reader

    problems: list[int] = []

    def give_up(row):
        problems.append(row.number)
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=skip_lines + 1, column_names=header, block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=give_up),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        batches = []
        for batch in reader:
            if problems:
                return None
            batches.append(batch)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError):
        return None
    if problems or not _quoted_lines_are_strict(path, skip_lines, delimiter, len(header)):
        return None
    table = pa.Table.from_batches(batches, schema=pa.schema([(c, pa.string()) for c in header]))
    # The exact reader skips rows whose cells are all blank, without giving them a number.
    candidates = np.arange(table.num_rows)
    for col in table.columns:
        if len(candidates) == 0:
            break
        part = col.take(pa.array(candidates)) if len(candidates) < table.num_rows else col
        empty = pc.equal(pc.utf8_trim_whitespace(part), "").to_numpy(zero_copy_only=False)
        candidates = candidates[empty]
    if len(candidates):
        keep = np.ones(table.num_rows, dtype=bool)
        keep[candidates] = False
        table = table.filter(pa.array(keep))
    numbers = np.arange(1, table.num_rows + 1, dtype="int64")
    rows = pd.DataFrame({c: pd.Series(table.column(i), dtype=STRING) for i, c in enumerate(header)})
    rows["__row__"] = numbers
    return Table(columns=header, rows=rows, bad=[])


def _quoted_lines_are_strict(path: Path, skip_lines: int, delimiter: str, width: int) -> bool:
    """Whether the raw file holds no NUL byte and every line with a quote parses strictly.

    pyarrow reads a stray quote after a closing quote (``"ab"c``) as text, where
    the exact reader stops with "damaged row". Each line holding a quote is
    parsed on its own by the standard library's strict parser: a quoted cell
    with a line break then fails on its first half, so the file goes to the
    exact reader, and every other line is one record read alike by both.
    """
    with open(path, "rb") as fh:
        for _ in range(skip_lines + 1):
            fh.readline()
        while True:
            chunk = fh.read(BLOCK_BYTES)
            if not chunk:
                return True
            chunk += fh.readline()
            if b"\x00" in chunk:
                return False  # binary data: the exact reader says so
            if b'"' not in chunk:
                continue
            lines = [ln.decode("utf-8") for ln in chunk.split(b"\n") if b'"' in ln]
            try:
                for ln in lines:  # one reader per line: a record may not run on into the next line
                    if [len(rec) for rec in csv.reader([ln], delimiter=delimiter, strict=True)] != [width]:
                        return False
            except csv.Error:
                return False

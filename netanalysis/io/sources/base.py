"""What every source module shares: file sniffing, CSV reading, the parse result.

A source module turns one file into a `Parsed`: people it mentions (with a
file-local `ref`), interactions and outcomes pointing at those refs, and the
rows it rejected with a reason. The loader merges people across files
(`identity.py`), gives every record a stable id, and does the accounting.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from netanalysis.errors import UserError
from netanalysis.io import vocabulary
from netanalysis.io.vocabulary import CONTACT_COLUMNS, OPTIONAL_COLUMNS

SNIFF_BYTES = 64 * 1024


def _source_columns(canonical: tuple, id_column: str) -> list[str]:
    own = ("contact_id", id_column, "source", *OPTIONAL_COLUMNS)
    return ["ref", *(c for c in canonical if c not in own), "natural_key",
            *(c for c in canonical if c in OPTIONAL_COLUMNS)]


# A source's records are the canonical tables' (io/vocabulary.py) with a file-local
# `ref` in place of the ids, without `source` (the loader adds it), and with a key
# for duplicates (`record_key`, `natural_key`) ahead of the optional columns.
PEOPLE_COLUMNS = ["ref", *(c for c in CONTACT_COLUMNS if c not in ("contact_id", "sources")),
                  "source_row", "record_key"]
# `group_key` (optional, NA where unknown) ties together the records of one shared
# occasion: one calendar event occurrence (every attendee), one mail or LinkedIn
# message (every recipient), one deal split per contact. Use an opaque id (event
# UID + start, Message-ID, deal id), never a title. network.py builds the
# contact-to-contact graph from it; the loader prefixes it with the source.
INTERACTION_COLUMNS = _source_columns(vocabulary.INTERACTION_COLUMNS, "interaction_id")
# `opened_at` (optional, NaT where unknown): when the opportunity opened (a CRM's create date).
OUTCOME_COLUMNS = _source_columns(vocabulary.OUTCOME_COLUMNS, "outcome_id")
REJECTED_COLUMNS = ["source_row", "reason", "raw"]


@dataclass
class Sniff:
    """The first bytes of a file, decoded, for format detection."""

    path: Path
    raw: bytes
    encoding: str
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 by BOM or NUL pattern, else cp1252.

    charset-normalizer decides between the 8-bit encodings when UTF-8 fails.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if len(raw) >= 4 and raw[1:4:2] == b"\x00\x00" and raw[0:4:2] != b"\x00\x00":
        return "utf-16-le"
    if len(raw) >= 4 and raw[0:4:2] == b"\x00\x00" and raw[1:4:2] != b"\x00\x00":
        return "utf-16-be"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniff window is still UTF-8.
        if exc.start >= len(raw) - 4:
            return "utf-8"
    from charset_normalizer import from_bytes

    results = from_bytes(raw)
    best = results.best()
    # Short Western files decode equally well as cp1250 and cp1252; Windows Excel and
    # Outlook write cp1252, so it wins every tie.
    if best is not None and any("cp1252" in m.could_be_from_charset and m.chaos <= best.chaos
                                and m.coherence >= best.coherence for m in results):
        return "cp1252"
    if best is not None and best.encoding not in ("utf_8", "ascii"):
        return best.encoding
    return "cp1252"


def sniff(path: Path) -> Sniff:
    with open(path, "rb") as fh:
        raw = fh.read(SNIFF_BYTES)
    enc = detect_encoding(raw)
    text = raw.decode(enc, errors="replace")
    return Sniff(path=path, raw=raw, encoding=enc, text=text)


def is_binary(raw: bytes, encoding: str) -> bool:
    if encoding.startswith("utf-16"):
        return False
    sample = raw[:4096]
    return b"\x00" in sample


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if max(counts.values()) > 0 else ","


def header_fields(line: str, delimiter: str | None = None) -> list[str]:
    delimiter = delimiter or sniff_delimiter(line)
    return [f.strip().strip('"').strip() for f in next(csv.reader([line], delimiter=delimiter), [])]


@dataclass
class Table:
    """A CSV file read as strings: `rows` has the header's columns plus `__row__`."""

    columns: list[str]
    rows: pd.DataFrame
    bad: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.bad)


# A cell may hold a long message; beyond this the row is rejected (bounded memory per row).
MAX_CELL_CHARS = 1 << 24
# A header wider than this is not an export (and a million columns would take minutes and gigabytes).
MAX_COLUMNS = 2000
# A quoted cell may span lines (a message body); one that spans more is a quote that never closes.
MAX_RECORD_LINES = 5000
csv.field_size_limit(MAX_CELL_CHARS)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


# Characters str.splitlines also breaks at, which are text inside a CSV cell.
_OTHER_BREAKS = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def physical_lines(text: str) -> list[str]:
    """Lines with their endings, split at CRLF, LF or a lone CR (Excel "CSV (Macintosh)")."""
    if not _OTHER_BREAKS.search(text):
        return text.splitlines(keepends=True)  # the same split, several times faster
    return _LINE.findall(text)


def check_header_width(path: Path, header: list[str]) -> None:
    if len(header) > MAX_COLUMNS:
        raise UserError(f"{path}: the header has {len(header)} columns; an export has at most {MAX_COLUMNS}")


def read_csv_table(path: Path, encoding: str, skip_lines: int = 0) -> Table:
    """Read a CSV whose header is on line `skip_lines` (0-based), as strings.

    Uses the standard library's csv module because exports have multi-line
    quoted cells, ragged rows and truncated quotes that must be rejected row by
    row with their number rather than failing the whole file. A damaged record
    is rejected and reading goes on at the line after the one it started on, so
    a stray quote costs its own line, never the rows after it.
    Row numbers count data records from 1 (the header is row 0); blank lines
    are not rows.
    """
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        text = fh.read()
    if "\x00" in text:
        raise UserError(f"{path}: the file holds binary data, not text")
    lines = physical_lines(text)
    del text
    lines = lines[skip_lines:]
    sample = lines[0] if lines else ""
    delimiter = sniff_delimiter(sample)
    header = _dedupe_columns(header_fields(sample, delimiter))
    check_header_width(path, header)
    records, numbers, bad = _records(lines, 1, delimiter, len(header))
    frame = pd.DataFrame(records, columns=header, dtype=object) if records else pd.DataFrame(columns=header, dtype=object)
    frame = frame.fillna("")
    frame["__row__"] = np.asarray(numbers, dtype="int64")
    return Table(columns=header, rows=frame, bad=bad)


def _records(lines: list[str], start: int, delimiter: str, width: int):
    """Parse `lines[start:]` into records; damaged records are rejected one line at a time."""
    records: list[list[str]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    n = 0
    pos = start
    while pos < len(lines):
        reader = csv.reader(itertools.islice(lines, pos, None), delimiter=delimiter, strict=True)
        base = pos  # lines[base + reader.line_num] is the next line the reader takes
        while True:
            first = base + reader.line_num
            try:
                rec = next(reader)
            except StopIteration:
                pos = len(lines)
                break
            except csv.Error as exc:
                n += 1
                bad.append((n, f"damaged row: line {first + 1}: {_why(exc)}", lines[first][:500]))
                pos = first + 1  # reading goes on at the next line
                break
            span = base + reader.line_num - first
            if span > MAX_RECORD_LINES:
                n += 1
                bad.append((n, f"damaged row: line {first + 1}: a quote that does not close", lines[first][:500]))
                pos = first + 1
                break
            if not rec or all(not c.strip() for c in rec):
                continue
            n += 1
            rec = _fit(rec, width)
            if rec is None:
                if span > 1:  # a quote swallowed lines into one record: cut it at its line end
                    bad.append((n, f"damaged row: line {first + 1}: a quote that does not close",
                                lines[first][:500]))
                    pos = first + 1
                    break
                bad.append((n, "wrong number of fields", lines[first].rstrip("\r\n")[:500]))
                continue
            records.append(rec)
            numbers.append(n)
    return records, numbers, bad


def _fit(rec: list[str], width: int) -> list[str] | None:
    """Trailing empty cells (an Excel artefact) trimmed, a short row padded; None when too ragged."""
    if len(rec) == width:
        return rec
    if len(rec) > width and all(not c.strip() for c in rec[width:]):
        return rec[:width]
    if width > len(rec) >= max(1, width // 2):
        return rec + [""] * (width - len(rec))
    return None


def _why(exc: csv.Error) -> str:
    msg = str(exc)
    if "field larger than field limit" in msg:
        return f"a cell longer than {MAX_CELL_CHARS} characters"
    if "unexpected end of data" in msg:
        return "a quote that does not close"
    return msg


def _dedupe_columns(cols: list[str]) -> list[str]:
    """HubSpot exports repeat column names; keep them apart as `name`, `name.1`."""
    seen: dict[str, int] = {}
    out = []
    for c in cols:
        if c in seen:
            seen[c] += 1
            out.append(f"{c}.{seen[c]}")
        else:
            seen[c] = 0
            out.append(c)
    return out


@dataclass
class Parsed:
    """One file's records before identities are merged."""

    format: str
    source: str  # family name used in ids: "canonical", "linkedin", ...
    rows_read: int
    people: pd.DataFrame
    interactions: pd.DataFrame
    outcomes: pd.DataFrame
    rejected: pd.DataFrame
    owner: list[str] = field(default_factory=list)
    account_names: pd.DataFrame | None = None  # optional account_id -> name map
    notes: dict = field(default_factory=dict)  # extra counts for the file's load report entry


def frame(rows: list[dict] | pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    """A frame with exactly `columns` (missing ones filled with NA)."""
    if rows is None or (isinstance(rows, list) and not rows):  # no records: the empty table in one step
        return pd.DataFrame(pd.NA, index=pd.RangeIndex(0), columns=columns)
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows
    have = set(df.columns)
    missing = [c for c in columns if c not in have]
    if missing:  # added at once: a column added alone rebuilds the lookup of the frame's labels, each time
        nothing = pd.DataFrame(pd.NA, index=pd.RangeIndex(len(df)), columns=missing)
        df = pd.concat([df.reset_index(drop=True), nothing], axis=1)
    return df[columns].reset_index(drop=True)


def rejected_frame(items) -> pd.DataFrame:
    return frame([{"source_row": r, "reason": why, "raw": raw} for r, why, raw in items], REJECTED_COLUMNS)


def clean(s: pd.Series) -> pd.Series:
    """Strip strings; empty becomes NA."""
    s = s.astype("string").str.strip()
    return s.mask(s == "", pd.NA)


@dataclass
class Format:
    """A registered export format: a name, a header test and a reader."""

    name: str
    family: str
    detect: callable  # Sniff -> float score in [0, 1]
    read: callable  # (path, Sniff, ctx) -> Parsed
    expects: str  # what the header must look like, for error messages

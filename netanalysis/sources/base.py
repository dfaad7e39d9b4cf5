"""What every source module shares: file sniffing, CSV reading, the parse result.

A source module turns one file into a `Parsed`: people it mentions (with a
file-local `ref`), interactions and outcomes pointing at those refs, and the
rows it rejected with a reason. The loader merges people across files
(`identity.py`), gives every record a stable id, and does the accounting.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UserError

SNIFF_BYTES = 64 * 1024

PEOPLE_COLUMNS = ["ref", "name", "emails", "company", "title", "linkedin_url", "first_seen", "source_row", "record_key"]
# `group_key` (optional, NA where unknown) ties together the records of one shared
# occasion: one calendar event occurrence (every attendee), one mail or LinkedIn
# message (every recipient), one deal split per contact. Use an opaque id (event
# UID + start, Message-ID, deal id), never a title. network.py builds the
# contact-to-contact graph from it; the loader prefixes it with the source.
INTERACTION_COLUMNS = ["ref", "timestamp", "channel", "direction", "duration_minutes", "source_row", "natural_key",
                       "group_key"]
# `opened_at` (optional, NaT where unknown): when the opportunity opened (a CRM's create date).
OUTCOME_COLUMNS = ["ref", "account", "timestamp", "kind", "status", "value", "currency", "source_row", "natural_key",
                   "group_key", "opened_at"]
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


def read_csv_table(path: Path, encoding: str, skip_lines: int = 0) -> Table:
    """Read a CSV whose header is on line `skip_lines` (0-based), as strings.

    Uses the standard library's csv module because exports have multi-line
    quoted cells, ragged rows and truncated quotes that must be rejected row by
    row with their number rather than failing the whole file.
    Row numbers count data records from 1 (the header is row 0).
    """
    with open(path, "r", encoding=encoding, errors="replace", newline="") as fh:
        for _ in range(skip_lines):
            fh.readline()
        sample = fh.readline()
        delimiter = sniff_delimiter(sample)
        rest = fh.read()
    if "\x00" in rest:
        raise UserError(f"{path}: the file holds binary data, not text")
    header = header_fields(sample, delimiter)
    header = _dedupe_columns(header)
    width = len(header)
    records: list[list[str]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    reader = csv.reader(io.StringIO(rest), delimiter=delimiter, strict=True)
    n = 0
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            n += 1
            bad.append((n, f"damaged row: {exc}", ""))
            break
        if not rec or all(not c.strip() for c in rec):
            continue
        n += 1
        if len(rec) != width:
            # Trailing empty cells are a common Excel artefact; pad or trim them.
            if len(rec) > width and all(not c.strip() for c in rec[width:]):
                rec = rec[:width]
            elif len(rec) < width and len(rec) >= max(1, width // 2):
                rec = rec + [""] * (width - len(rec))
            else:
                bad.append((n, f"wrong number of fields: {len(rec)} instead of {width}", delimiter.join(rec)[:500]))
                continue
        records.append(rec)
        numbers.append(n)
    frame = pd.DataFrame(records, columns=header, dtype=object) if records else pd.DataFrame(columns=header, dtype=object)
    frame = frame.fillna("")
    frame["__row__"] = np.asarray(numbers, dtype="int64")
    return Table(columns=header, rows=frame, bad=bad)


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


def frame(rows: list[dict] | pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    """A frame with exactly `columns` (missing ones filled with NA)."""
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows
    for c in columns:
        if c not in df.columns:
            df[c] = pd.NA
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

"""Writing CSVs that spreadsheets cannot execute (OWASP CSV injection rule).

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is run as a formula by Excel, LibreOffice and Google Sheets. Such cells get a
leading single quote, which spreadsheets show as text. Plain numbers (``-3``,
``+1.5e3``) are left alone: a spreadsheet reads them as numbers, never formulas.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _is_plain_number(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and text.strip() == text
    except ValueError:
        return False


def is_dangerous(value) -> bool:
    """True for a text cell a spreadsheet would run as a formula.

    >>> is_dangerous("=1+1"), is_dangerous("-2+3"), is_dangerous("-3"), is_dangerous("Ann")
    (True, True, False, False)
    """
    return isinstance(value, str) and value.startswith(_TRIGGERS) and not _is_plain_number(value)


def neutralize(value):
    """Prefix a cell that a spreadsheet would run as a formula with a single quote.

    >>> neutralize("=HYPERLINK(1)"), neutralize("Ann"), neutralize(-3), neutralize("-3")
    ("'=HYPERLINK(1)", 'Ann', -3, '-3')
    """
    return "'" + value if is_dangerous(value) else value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells and column names are neutralised."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(neutralize)
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def write_safe_csv(df: pd.DataFrame, path, index: bool = False) -> None:
    """Write `df` as CSV with every formula-like text cell neutralised.

    Examples
    --------
    >>> import io, pandas as pd
    >>> buf = io.StringIO(); write_safe_csv(pd.DataFrame({"name": ["=cmd()", "Ann"]}), buf)
    >>> buf.getvalue().splitlines()
    ['name', "'=cmd()", 'Ann']
    """
    frame = df.reset_index() if index else df
    safe_frame(frame).to_csv(path, index=False)


def neutralize_csv_file(path) -> int:
    """Rewrite one CSV file in place so that no cell can run as a formula.

    A last line of defence for CSVs written by code that forgot
    `write_safe_csv`; the report runs it on every CSV it writes. Returns the
    number of cells changed (0 leaves the file byte-identical).
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    changed = sum(is_dangerous(cell) for row in rows for cell in row)
    if changed:
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows([[neutralize(c) for c in row] for row in rows])
    return changed


def neutralize_csv_tree(folder) -> dict[str, int]:
    """Run :func:`neutralize_csv_file` on every ``*.csv`` under `folder`; returns changes by file."""
    return {str(p): n for p in sorted(Path(folder).rglob("*.csv")) if (n := neutralize_csv_file(p))}

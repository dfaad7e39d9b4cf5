"""Google Contacts CSV (contacts.google.com > Export > Google CSV).

Two layouts are in use:

- current: ``First Name,Middle Name,Last Name,Phonetic First Name,...,Organization Name,
  Organization Title,...,Labels,E-mail 1 - Label,E-mail 1 - Value,...,Website 1 - Value``;
- older: ``Name,Given Name,Additional Name,Family Name,...,Group Membership,
  E-mail 1 - Type,E-mail 1 - Value,...,Organization 1 - Name,Organization 1 - Title``.

A cell can hold several values joined by `` ::: `` (``a@x.com ::: b@y.com``);
notes can span lines. A plain CSV with quirks, so it is read with the shared
row-level reader; each row is one person record (no interactions).
"""

from __future__ import annotations

import re

import pandas as pd

from netanalysis.io.sources.base import Format, Parsed, Sniff, read_csv_table
from netanalysis.io.sources.people import address_book, column, header_columns, split_multi
from netanalysis.io.sources.registry import register

SOURCE = "google_contacts"


def _is_current(cols: set[str]) -> bool:
    return {"first name", "last name"} <= cols and (
        "organization name" in cols or "labels" in cols or "e-mail 1 - label" in cols or "phonetic first name" in cols
    ) and ("e-mail 1 - value" in cols or "labels" in cols)


def _is_older(cols: set[str]) -> bool:
    return {"given name", "family name"} <= cols and ("group membership" in cols or "e-mail 1 - type" in cols)


def detect(sn: Sniff) -> float:
    cols = header_columns(sn)
    return 0.95 if (_is_current(cols) or _is_older(cols)) else 0.0


def _numbered(rows: pd.DataFrame, pattern: str) -> list[str]:
    rx = re.compile(pattern, re.I)
    return [c for c in rows.columns if rx.fullmatch(c.strip())]


def _values(rows: pd.DataFrame, cols: list[str]) -> list[list[str]]:
    if not cols:
        return [[] for _ in range(len(rows))]
    return [[v for cell in cells for v in split_multi(cell, semicolons=True)] for cells in rows[cols].itertuples(index=False)]


def read(path, sn: Sniff, ctx) -> Parsed:
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    cols = {c.lower() for c in t.columns}
    if _is_older(cols) and not _is_current(cols):
        name = column(r, "Name")
        composed = (column(r, "Given Name").fillna("") + " " + column(r, "Additional Name").fillna("") + " "
                    + column(r, "Family Name").fillna("")).str.replace(r"\s+", " ", regex=True).str.strip()
        name = name.fillna(composed.mask(composed == "", pd.NA))
        company, title = column(r, "Organization 1 - Name"), column(r, "Organization 1 - Title")
        fmt = "google_contacts_legacy"
    else:
        composed = (column(r, "First Name").fillna("") + " " + column(r, "Middle Name").fillna("") + " "
                    + column(r, "Last Name").fillna("")).str.replace(r"\s+", " ", regex=True).str.strip()
        name = composed.mask(composed == "", pd.NA).fillna(column(r, "Nickname")).fillna(column(r, "File As"))
        company, title = column(r, "Organization Name"), column(r, "Organization Title")
        fmt = "google_contacts"
    company = company.map(lambda v: split_multi(v)[0] if isinstance(v, str) and split_multi(v) else pd.NA)
    title = title.map(lambda v: split_multi(v)[0] if isinstance(v, str) and split_multi(v) else pd.NA)
    emails = _values(r, _numbered(r, r"e-mail \d+ - value"))
    urls = _values(r, _numbered(r, r"website \d+ - value"))
    return address_book(fmt, SOURCE, t.rows_read, r, t.bad, name=name, emails=emails, company=company,
                        title=title, urls=urls, me=ctx.me)


register(Format("google_contacts", SOURCE, detect, read,
                "First Name,Middle Name,Last Name,Organization Name,Organization Title,Labels,"
                "E-mail 1 - Label,E-mail 1 - Value"))

"""Outlook contacts CSV (desktop Outlook export and outlook.com "Export contacts").

Desktop: ``"Title","First Name","Middle Name","Last Name","Suffix","Company","Department",
"Job Title",...,"E-mail Address","E-mail Type","E-mail Display Name","E-mail 2 Address",...,
"Web Page"``; outlook.com: ``First Name,Middle Name,Last Name,Title,Suffix,Nickname,
Given Yomi,Surname Yomi,E-mail Address,E-mail 2 Address,E-mail 3 Address,...``.
Files are often UTF-16 or cp1252 (detected by ``base.detect_encoding``), empty
dates are written ``0/0/00`` (no date here is used), and Exchange contacts
can carry an X.500 path instead of an e-mail (dropped: it has no ``@``).
Read with the shared row-level CSV reader; each row is one person record.
"""

from __future__ import annotations

import re

import pandas as pd

from netanalysis.io.sources.base import Format, Parsed, Sniff, read_csv_table
from netanalysis.io.sources.people import address_book, column, header_columns, split_multi
from netanalysis.io.sources.registry import register

SOURCE = "outlook_contacts"
EMAIL_COLUMNS = ("E-mail Address", "E-mail 2 Address", "E-mail 3 Address")
DISPLAY_COLUMNS = ("E-mail Display Name", "E-mail 2 Display Name", "E-mail 3 Display Name")
_IN_PARENS = re.compile(r"\(([^()\s]+@[^()\s]+)\)")


def detect(sn: Sniff) -> float:
    cols = header_columns(sn)
    if "e-mail 1 - value" in cols:  # Google's layout
        return 0.0
    if {"first name", "last name"} <= cols and ({"e-mail address", "e-mail 2 address"} & cols):
        return 0.9
    return 0.0


def read(path, sn: Sniff, ctx) -> Parsed:
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    composed = (column(r, "First Name").fillna("") + " " + column(r, "Middle Name").fillna("") + " "
                + column(r, "Last Name").fillna("")).str.replace(r"\s+", " ", regex=True).str.strip()
    name = composed.mask(composed == "", pd.NA).fillna(column(r, "Nickname"))
    cols = [c for c in r.columns if c.strip().lower() in {e.lower() for e in EMAIL_COLUMNS}]
    emails = [[v for cell in cells for v in split_multi(cell, semicolons=True)] for cells in r[cols].itertuples(index=False)] \
        if cols else [[] for _ in range(len(r))]
    # Exchange contacts keep an X.500 path in "E-mail Address"; the SMTP address is then
    # often only in the display name, "Ann Lee (ann@acme.com)".
    shown = [c for c in r.columns if c.strip().lower() in {d.lower() for d in DISPLAY_COLUMNS}]
    for i, cells in enumerate(r[shown].itertuples(index=False) if shown else []):
        emails[i] += [m for cell in cells if isinstance(cell, str) for m in _IN_PARENS.findall(cell)]
    web = column(r, "Web Page", "Business Web Page", "Personal Web Page")
    urls = [split_multi(v) for v in web]
    fmt = "outlook_contacts" if "title" in {c.lower() for c in t.columns[:1]} else "outlook_com_contacts"
    return address_book(fmt, SOURCE, t.rows_read, r, t.bad, name=name, emails=emails, company=column(r, "Company"),
                        title=column(r, "Job Title"), urls=urls, me=ctx.me)


register(Format("outlook_contacts", SOURCE, detect, read,
                "First Name,Middle Name,Last Name,Company,Job Title,E-mail Address,E-mail 2 Address,"
                "E-mail 3 Address,Web Page"))

"""Small helpers shared by the person-centred sources (LinkedIn, address books).

A person in a file gets a file-local `ref`: ``url:<normalised LinkedIn URL>``
when a profile URL is known, else ``email:<address>``, else
``name:<folded name>``. Refs are namespaced by source in the loader, so the
same ref in two LinkedIn files is one person by construction.
"""

from __future__ import annotations

import functools
import hashlib

import pandas as pd

from netanalysis.dates import to_utc
from netanalysis.io.identity import fold, normalize_email, normalize_url, owner_keys
from netanalysis.io.sources.base import (
    INTERACTION_COLUMNS,
    OUTCOME_COLUMNS,
    PEOPLE_COLUMNS,
    Parsed,
    Sniff,
    frame,
    header_fields,
    rejected_frame,
)

LINKEDIN_PROFILE = "linkedin.com/in/"


def person_ref(url=None, name=None, email=None) -> str | None:
    """The file-local key of a person: URL, else e-mail, else folded name."""
    return _person_ref(url if isinstance(url, str) else None, name if isinstance(name, str) else None,
                       email if isinstance(email, str) else None)


@functools.lru_cache(maxsize=1 << 17)
def _person_ref(url, name, email) -> str | None:
    # Cached: a large messages file names the same few thousand people over and over.
    u = normalize_url(url) if isinstance(url, str) and url.strip() else None
    if u:
        return "url:" + u
    e = normalize_email(email) if isinstance(email, str) else None
    if e:
        return "email:" + e
    f = fold(name) if isinstance(name, str) else None
    if f:
        return "name:" + f
    return None


def find_header(sn: Sniff, required: set[str], max_lines: int = 8) -> int | None:
    """Index of the first line (within `max_lines`) whose fields include `required`.

    LinkedIn puts a preamble (``Notes:``, a quoted sentence, a blank line)
    before the header of some files; files re-saved by Excel lose it.
    """
    want = {c.lower() for c in required}
    for i, line in enumerate(sn.lines[:max_lines]):
        if not line.strip():
            continue
        cols = {c.lower() for c in header_fields(line)}
        if want <= cols:
            return i
    return None


def header_columns(sn: Sniff, max_lines: int = 8) -> set[str]:
    """Lower-cased columns of the first non-empty line (for detection scores)."""
    for line in sn.lines[:max_lines]:
        if line.strip():
            return {c.lower() for c in header_fields(line)}
    return set()


def column(rows: pd.DataFrame, *names: str) -> pd.Series:
    """The first of `names` present (case-insensitive), stripped, empty as NA."""
    lower = {c.lower(): c for c in rows.columns}
    for n in names:
        if n.lower() in lower:
            s = rows[lower[n.lower()]].astype("string").str.strip()
            return s.mask(s == "", pd.NA)
    return pd.Series(pd.NA, index=rows.index, dtype="string")


def full_name(first: pd.Series, last: pd.Series) -> pd.Series:
    name = (first.fillna("") + " " + last.fillna("")).str.strip()
    return name.mask(name == "", pd.NA)


def parse_dates(values: pd.Series, tz: str) -> pd.Series:
    """LinkedIn dates in any of their formats, to UTC (NaT when unparseable).

    The common ``2025-12-05 01:20:51 UTC`` form is parsed with a fixed format
    (fast on large message files); everything else (``04 Dec 2025``,
    ``9-Sep-22``, ``1/8/18, 6:14 PM``) goes through the general parser.
    """
    s = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    utc_form = s.str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", na=False)
    if utc_form.any():
        out.loc[utc_form] = pd.to_datetime(s[utc_form].str[:19], format="%Y-%m-%d %H:%M:%S", utc=True, errors="coerce")
    rest = ~utc_form & s.notna()
    if rest.any():
        out.loc[rest] = to_utc(s[rest], tz)
    return out


def text_hash(values: pd.Series) -> pd.Series:
    """A short, run-independent digest of free text (message bodies) for natural keys."""
    return values.fillna("").map(lambda v: hashlib.sha1(str(v).encode("utf-8")).hexdigest()[:12])


def split_multi(value, semicolons: bool = False) -> list[str]:
    """Google's ``a ::: b`` multi-value cells as a list (and ``a; b`` when `semicolons`)."""
    if not isinstance(value, str) or not value.strip():
        return []
    if semicolons:
        value = value.replace(";", ":::")
    parts = [p.strip() for p in value.split(":::")]
    return [p for p in parts if p]


def linkedin_url_of(urls: list[str]) -> str | None:
    """The first URL that is a LinkedIn profile, if any."""
    for u in urls:
        if LINKEDIN_PROFILE in (normalize_url(u) or ""):
            return u
    return None


def address_book(fmt: str, source: str, rows_read: int, rows: pd.DataFrame, bad: list, *, name, emails, company,
                 title, urls, me=()):
    """A contacts-only file as person records (no interactions).

    Each row with a name or an e-mail becomes one person record whose
    `record_key` is its identity (e-mails, URL, name), so loading the same file
    again, or an overlapping export, counts duplicates. Rows with neither are
    rejected with a reason, and so is the owner's own card.

    Parameters
    ----------
    rows : the table rows (with ``__row__``)
    name, company, title : Series aligned with `rows`
    emails, urls : lists per row (raw values; normalised here)
    """
    email_lists = [sorted({e for e in (normalize_email(x) for x in lst) if e}) for lst in emails]
    url = pd.Series([linkedin_url_of(u) for u in urls], index=rows.index, dtype=object)
    refs = pd.Series([person_ref(u, n if isinstance(n, str) else None, (e[0] if e else None))
                      for u, n, e in zip(url, name, email_lists)], index=rows.index, dtype=object)
    mine = owner_keys(me)
    own = pd.Series([bool(mine & ({"email:" + e for e in el} | {r})) if isinstance(r, str) else False
                     for el, r in zip(email_lists, refs)], index=rows.index)
    reason = pd.Series(pd.NA, index=rows.index, dtype=object)
    reason = reason.mask(own, "the owner's own card")
    reason = reason.mask(refs.isna(), "no name or e-mail")
    ok = reason.isna()
    identity = ["|".join(el) + "|" + str(normalize_url(u) or "") + "|" + str(person_ref(None, n) or "")
                for el, u, n in zip(email_lists, url, name)]
    people = pd.DataFrame({
        "ref": refs[ok].to_numpy(), "name": name[ok].to_numpy(),
        "emails": [e for e, k in zip(email_lists, ok) if k],
        "company": company[ok].to_numpy(), "title": title[ok].to_numpy(), "linkedin_url": url[ok].to_numpy(),
        "source_row": rows.loc[ok, "__row__"].to_numpy(),
        "record_key": pd.Series(identity, index=rows.index)[ok].map(lambda v: "contact|" + v).to_numpy(),
    })
    raw = rows[~ok].drop(columns="__row__").astype(str).agg(",".join, axis=1).str.slice(0, 500) if (~ok).any() \
        else pd.Series([], dtype=str)
    rejected = list(bad) + list(zip(rows.loc[~ok, "__row__"].astype(int), reason[~ok].astype(str), raw))
    return Parsed(fmt, source, rows_read, frame(people, PEOPLE_COLUMNS), frame(None, INTERACTION_COLUMNS),
                  frame(None, OUTCOME_COLUMNS), rejected_frame(rejected))

"""LinkedIn data export: Connections, messages, invitations, endorsements, recommendations.

The export is a ZIP of CSV files whose layouts drifted over the years:

- ``Connections.csv``: ``First Name,Last Name,URL,Email Address,Company,Position,Connected On``
  (2025), without ``URL`` (2021-2023), after a three-line preamble (``Notes:``,
  a quoted sentence, a blank line) since about 2021; the 2018 file has no
  preamble and dates like ``1/8/18, 6:14 PM``; Excel re-saves drop the
  preamble and write ``9-Sep-22``. Rows with no name are deleted members.
- ``messages.csv``: ``CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,
  RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER[,ATTACHMENTS,IS MESSAGE DRAFT]``
  (2021 without ``RECIPIENT PROFILE URLS``); 2018 ``From,To,Date,Subject,Content,Direction,Folder``.
- ``Invitations.csv``: ``From,To,Sent At,Message,Direction[,inviterProfileUrl,inviteeProfileUrl]``.
- ``Endorsement_Received_Info.csv`` / ``Endorsement_Given_Info.csv``:
  ``Endorsement Date,Skill Name,Endorser|Endorsee First Name,... Last Name,... Public Url,Endorsement Status``.
- ``Recommendations_Received.csv`` / ``Recommendations_Given.csv``:
  ``First Name,Last Name,Company,Job Title,Text,Creation Date,Status`` (modelled on
  published descriptions of the export; received and given share one header,
  so only there the file name tells the direction, never the format).

The files are plain CSV with quirks rather than a format with a library, so
they are read with the shared row-level CSV reader (``base.read_csv_table``).
Messages, the largest and most irregular file, live in ``linkedin_messages``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from netanalysis.io.sources.base import (
    INTERACTION_COLUMNS,
    OUTCOME_COLUMNS,
    PEOPLE_COLUMNS,
    Format,
    Parsed,
    Sniff,
    frame,
    read_csv_table,
    rejected_frame,
)
from netanalysis.io.sources.people import column, find_header, full_name, owner_keys, parse_dates, person_ref, text_hash
from netanalysis.io.sources.registry import register

SOURCE = "linkedin"
UNKNOWN_MEMBER = "linkedin member"


# ----------------------------------------------------------------------------- shared

def _raw(rows: pd.DataFrame) -> pd.Series:
    if rows.empty:
        return pd.Series([], dtype=str)
    return rows.drop(columns="__row__").astype(str).agg(",".join, axis=1).str.slice(0, 500)


def _parsed(fmt: str, t, reason: pd.Series, people, inter, owner=()) -> Parsed:
    bad = reason.notna()
    rows = t.rows
    rejected = list(t.bad) + list(zip(rows.loc[bad, "__row__"].astype(int), reason[bad].astype(str), _raw(rows[bad])))
    inter = frame(inter, INTERACTION_COLUMNS)
    if len(inter):
        inter["timestamp"] = pd.to_datetime(inter["timestamp"], utc=True)
        inter["duration_minutes"] = inter["duration_minutes"].astype("float64")
    return Parsed(fmt, SOURCE, t.rows_read, frame(people, PEOPLE_COLUMNS), inter, frame(None, OUTCOME_COLUMNS),
                  rejected_frame(rejected), owner=[o for o in owner if o])


def _list(s: pd.Series) -> list:
    """Plain Python values (None for NA): iterating Arrow-backed strings one by one is slow."""
    return s.astype(object).where(s.notna(), None).tolist()


def _refs(urls: pd.Series, names: pd.Series, emails: pd.Series | None = None) -> pd.Series:
    emails = emails if emails is not None else pd.Series(pd.NA, index=urls.index, dtype="string")
    return pd.Series([person_ref(u if isinstance(u, str) else None, n if isinstance(n, str) else None,
                                 e if isinstance(e, str) else None)
                      for u, n, e in zip(urls, names, emails)], index=urls.index, dtype=object)


def _read(path, sn: Sniff, required: set[str]):
    skip = find_header(sn, required) or 0
    return read_csv_table(path, sn.encoding, skip_lines=skip)


def _counterpart_file(fmt, t, ctx, *, name, url, ts, direction, channel, key_extra, company=None, title=None,
                      owner_names=None, owner_urls=None, date_label="date") -> Parsed:
    """Files where each row is one event with one counterpart (invitations, endorsements, ...)."""
    r = t.rows
    ref = _refs(url, name)
    me = owner_keys(ctx.me)
    reason = pd.Series(pd.NA, index=r.index, dtype=object)
    reason = reason.mask(reason.isna() & ts.isna(), f"unparseable {date_label}")
    reason = reason.mask(ref.isna(), "no name or profile URL of the other person (deleted member)")
    reason = reason.mask(reason.isna() & ref.isin(me), "only the owner of the exports takes part")
    ok = reason.isna()
    key = (channel + "|" + direction[ok].astype(str) + "|" + ref[ok].astype(str) + "|"
           + ts[ok].dt.strftime("%Y-%m-%dT%H:%M:%S") + "|" + key_extra[ok].fillna("").astype(str))
    inter = pd.DataFrame({"ref": ref[ok].to_numpy(), "timestamp": ts[ok].to_numpy(), "channel": channel,
                          "direction": direction[ok].to_numpy(), "duration_minutes": np.nan,
                          "source_row": r.loc[ok, "__row__"].to_numpy(), "natural_key": key.to_numpy()})
    people = pd.DataFrame({"ref": ref[ok].to_numpy(), "name": name[ok].to_numpy(),
                           "emails": [[] for _ in range(int(ok.sum()))],
                           "company": company[ok].to_numpy() if company is not None else pd.NA,
                           "title": title[ok].to_numpy() if title is not None else pd.NA,
                           "linkedin_url": url[ok].to_numpy(), "source_row": r.loc[ok, "__row__"].to_numpy()})
    people = people.drop_duplicates("ref")
    owner = []
    for s in (owner_urls, owner_names):
        if s is not None and s.notna().any():
            owner.append(str(s.dropna().mode().iloc[0]))
    return _parsed(fmt, t, reason, people, inter, owner)


def _direction_of(values: pd.Series) -> pd.Series:
    v = values.fillna("").str.upper()
    return pd.Series(np.select([v.str.startswith("OUT"), v.str.startswith("IN")], ["outbound", "inbound"],
                               "unknown"), index=values.index, dtype=object)


# ----------------------------------------------------------------------------- Connections.csv

CONNECTIONS_REQUIRED = {"first name", "last name", "connected on"}


def detect_connections(sn: Sniff) -> float:
    i = find_header(sn, CONNECTIONS_REQUIRED)
    return 0.95 if i is not None else 0.0


def read_connections(path, sn: Sniff, ctx) -> Parsed:
    t = _read(path, sn, CONNECTIONS_REQUIRED)
    r = t.rows
    name = full_name(column(r, "First Name"), column(r, "Last Name"))
    url = column(r, "URL", "Profile URL")
    email = column(r, "Email Address", "E-mail Address").str.lower()
    ts = parse_dates(column(r, "Connected On"), ctx.tz)
    ref = _refs(url, name)
    reason = pd.Series(pd.NA, index=r.index, dtype=object)
    reason = reason.mask(ts.isna(), "unparseable Connected On date")
    # A row without a name is a member who deleted their account; the URL then is empty too.
    reason = reason.mask(name.isna(), "deleted member: no name")
    reason = reason.mask(reason.isna() & ref.isin(owner_keys(ctx.me)), "only the owner of the exports takes part")
    ok = reason.isna()
    emails = [[e] if isinstance(e, str) and "@" in e else [] for e in email[ok]]
    people = pd.DataFrame({
        "ref": ref[ok].to_numpy(), "name": name[ok].to_numpy(), "emails": emails,
        "company": column(r, "Company")[ok].to_numpy(), "title": column(r, "Position")[ok].to_numpy(),
        "linkedin_url": url[ok].to_numpy(), "first_seen": ts[ok].to_numpy(),
        "source_row": r.loc[ok, "__row__"].to_numpy(), "record_key": ("connection|" + ref[ok].astype(str)).to_numpy(),
    })
    inter = pd.DataFrame({
        "ref": ref[ok].to_numpy(), "timestamp": ts[ok].to_numpy(), "channel": "connection", "direction": "mutual",
        "duration_minutes": np.nan, "source_row": r.loc[ok, "__row__"].to_numpy(),
        "natural_key": ("connection|" + ref[ok].astype(str)).to_numpy(),
    })
    return _parsed("linkedin_connections", t, reason, people, inter)


# ----------------------------------------------------------------------------- Invitations.csv

INVITATIONS_REQUIRED = {"from", "to", "sent at", "direction"}


def detect_invitations(sn: Sniff) -> float:
    return 0.95 if find_header(sn, INVITATIONS_REQUIRED) is not None else 0.0


def read_invitations(path, sn: Sniff, ctx) -> Parsed:
    t = _read(path, sn, INVITATIONS_REQUIRED)
    r = t.rows
    direction = _direction_of(column(r, "Direction"))
    frm, to = column(r, "From"), column(r, "To")
    frm_url, to_url = column(r, "inviterProfileUrl"), column(r, "inviteeProfileUrl")
    inbound = direction == "inbound"
    name, url = frm.where(inbound, to), frm_url.where(inbound, to_url)
    owner_name, owner_url = to.where(inbound, frm), to_url.where(inbound, frm_url)
    ts = parse_dates(column(r, "Sent At"), ctx.tz)
    return _counterpart_file("linkedin_invitations", t, ctx, name=name, url=url, ts=ts, direction=direction,
                             channel="invitation", key_extra=text_hash(column(r, "Message")),
                             owner_names=owner_name.where(direction != "unknown"),
                             owner_urls=owner_url.where(direction != "unknown"), date_label="Sent At")


# ----------------------------------------------------------------------------- endorsements

def detect_endorsements(sn: Sniff) -> float:
    for who in ("endorser", "endorsee"):
        if find_header(sn, {"endorsement date", "skill name", f"{who} first name", f"{who} last name"}) is not None:
            return 0.95
    return 0.0


def read_endorsements(path, sn: Sniff, ctx) -> Parsed:
    received = find_header(sn, {"endorsement date", "endorser first name"}) is not None
    who = "Endorser" if received else "Endorsee"
    t = _read(path, sn, {"endorsement date", f"{who.lower()} first name"})
    r = t.rows
    name = full_name(column(r, f"{who} First Name"), column(r, f"{who} Last Name"))
    url = column(r, f"{who} Public Url", f"{who} Profile Url")
    ts = parse_dates(column(r, "Endorsement Date"), ctx.tz)
    direction = pd.Series("inbound" if received else "outbound", index=r.index, dtype=object)
    return _counterpart_file("linkedin_endorsements", t, ctx, name=name, url=url, ts=ts, direction=direction,
                             channel="endorsement", key_extra=column(r, "Skill Name"),
                             date_label="Endorsement Date")


# ----------------------------------------------------------------------------- recommendations

RECOMMENDATIONS_REQUIRED = {"first name", "last name", "text", "creation date"}


def detect_recommendations(sn: Sniff) -> float:
    return 0.9 if find_header(sn, RECOMMENDATIONS_REQUIRED) is not None else 0.0


def read_recommendations(path, sn: Sniff, ctx) -> Parsed:
    t = _read(path, sn, RECOMMENDATIONS_REQUIRED)
    r = t.rows
    name = full_name(column(r, "First Name"), column(r, "Last Name"))
    stem = re.sub(r"[^a-z]", "", path.stem.lower())
    d = "inbound" if "received" in stem else "outbound" if "given" in stem else "unknown"
    ts = parse_dates(column(r, "Creation Date", "Created Date"), ctx.tz)
    return _counterpart_file("linkedin_recommendations", t, ctx, name=name,
                             url=pd.Series(pd.NA, index=r.index, dtype="string"), ts=ts,
                             direction=pd.Series(d, index=r.index, dtype=object), channel="recommendation",
                             key_extra=text_hash(column(r, "Text", "Body")), company=column(r, "Company"),
                             title=column(r, "Job Title", "Title"), date_label="Creation Date")


register(Format("linkedin_connections", SOURCE, detect_connections, read_connections,
                "First Name,Last Name,URL,Email Address,Company,Position,Connected On"))
register(Format("linkedin_invitations", SOURCE, detect_invitations, read_invitations,
                "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl"))
register(Format("linkedin_endorsements", SOURCE, detect_endorsements, read_endorsements,
                "Endorsement Date,Skill Name,Endorser First Name,Endorser Last Name,Endorser Public Url,"
                "Endorsement Status"))
register(Format("linkedin_recommendations", SOURCE, detect_recommendations, read_recommendations,
                "First Name,Last Name,Company,Job Title,Text,Creation Date,Status"))

"""Pipedrive exports (Export data > CSV): persons, deals and activities.

Pipedrive labels every column `Entity - Field`; the layouts below are modelled
on its export and import documentation (not on a real file we hold):

- persons: `Person - ID, Person - Name, Person - Organization, Person - Email[ - Work],
  Person - Job title, Person - Person created, ...`
- deals: `Deal - ID, Deal - Title, Deal - Value, Deal - Currency, Deal - Organization,
  Deal - Contact person, Deal - Status (open/won/lost/deleted), Deal - Deal created,
  Deal - Won time, Deal - Lost time, ...` and, when exported with related
  fields, `Person - ID` / `Person - Email`;
- activities: `Activity - ID, Activity - Subject, Activity - Type (call, meeting,
  email, lunch, task, deadline), Activity - Due date, Activity - Due time,
  Activity - Duration (HH:MM), Activity - Done (Done / To do),
  Activity - Marked as done time, Activity - Contact person, Activity - Organization`.

A deal or activity names its person by `Person - ID` when exported, else by
e-mail, else by name (and organisation, so the identity step can merge it with
the persons file by name and company). Times are the user's local time (read
in `--tz`). Won deals are dated by `Won time`, lost ones by `Lost time`, open
ones by `Deal created`; deleted deals and activities not done are rejected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.io.identity import normalize_email
from netanalysis.io.sources.base import Format, Sniff, read_csv_table
from netanalysis.io.sources.crm import build, col, first_reason, has, header, money, number, times
from netanalysis.io.sources.registry import register

SOURCE = "pipedrive"
CHANNEL = {"call": "call", "meeting": "meeting", "lunch": "meeting", "email": "email", "task": "task",
           "deadline": "task"}


def _detect(*required, forbid=()):
    def detect(sn: Sniff) -> float:
        cols = header(sn)
        return 0.97 if has(cols, *required) and not any(has(cols, f) for f in forbid) else 0.0
    return detect


def _email(r: pd.DataFrame) -> pd.Series:
    cols = [c for c in r.columns if c.lower().startswith("person - email")]
    if not cols:
        return pd.Series("", index=r.index, dtype=object)
    first = r[cols].astype(str).apply(lambda row: next((v for v in row if normalize_email(v.split(",")[0])), ""), axis=1)
    return first.map(lambda v: normalize_email(v.split(",")[0]) or "")


def _refs(r: pd.DataFrame, name_col: str, org_col: str) -> tuple[pd.Series, pd.DataFrame]:
    """A person ref per row (ID, else e-mail, else name) and their person records."""
    pid = col(r, "Person - ID")
    email = _email(r)
    name = col(r, name_col)
    org = col(r, org_col)
    ref = pd.Series(np.where(pid != "", pid, np.where(email != "", "email:" + email,
                                                      np.where(name != "", "name:" + name.str.lower(), ""))),
                    index=r.index)
    people = pd.DataFrame({"ref": ref, "name": name.replace("", None), "emails": [[e] if e else [] for e in email],
                           "company": org.replace("", None)})
    return ref, people


def read_persons(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    pid = col(r, "Person - ID")
    name = col(r, "Person - Name")
    email = _email(r)
    reason = first_reason((pid == "", "missing Person - ID"), ((name == "") & (email == ""), "person has no name or e-mail"))
    ok = reason.isna()
    people = pd.DataFrame({
        "ref": pid[ok], "name": name[ok].replace("", None), "emails": [[e] if e else [] for e in email[ok]],
        "company": col(r, "Person - Organization")[ok].replace("", None),
        "title": col(r, "Person - Job title", "Person - Job Title")[ok].replace("", None),
        "first_seen": times(col(r, "Person - Person created"), ctx.tz)[ok],
        "source_row": r.loc[ok, "__row__"], "record_key": "person|" + pid[ok],
    })
    return build("pipedrive_persons", SOURCE, t, reason, people=people)


def read_deals(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    did = col(r, "Deal - ID")
    status = col(r, "Deal - Status").str.lower()
    when = pd.Series(pd.NaT, index=r.index, dtype="datetime64[ns, UTC]")
    when = when.mask(status == "won", times(col(r, "Deal - Won time"), ctx.tz))
    when = when.mask(status == "lost", times(col(r, "Deal - Lost time"), ctx.tz))
    created = times(col(r, "Deal - Deal created", "Deal - Add time"), ctx.tz)
    when = when.mask(status == "open", created)
    closed_on = times(col(r, "Deal - Deal closed on"), ctx.tz)
    when = when.fillna(closed_on.where(status.isin(["won", "lost"])))
    value_raw = col(r, "Deal - Value")
    value, value_why = money(value_raw, "Deal - Value")
    ref, people = _refs(r, "Deal - Contact person", "Deal - Organization")
    org = col(r, "Deal - Organization")
    reason = first_reason(
        (did == "", "missing Deal - ID"),
        (status == "deleted", "deleted deal"),
        (~status.isin(["open", "won", "lost"]), "unknown Deal - Status"),
        (value_why.notna(), value_why),
        (when.isna(), "no readable Won/Lost time or Deal created"),
        ((ref == "") & (org == ""), "deal has no contact person or organization"),
    )
    ok = reason.isna()
    outc = pd.DataFrame({
        "ref": ref[ok].replace("", None), "account": org[ok].replace("", None), "timestamp": when[ok], "kind": "deal",
        "status": status[ok], "value": value[ok], "currency": col(r, "Deal - Currency")[ok].str.upper().replace("", None),
        "source_row": r.loc[ok, "__row__"], "natural_key": "deal|" + did[ok], "group_key": "deal|" + did[ok],
        "opened_at": created[ok],
    })
    has_person = ok & (ref != "")
    return build("pipedrive_deals", SOURCE, t, reason, people=people[has_person], outc=outc)


def _duration(s: pd.Series) -> pd.Series:
    """`HH:MM` (or minutes) -> minutes."""
    parts = s.str.extract(r"^\s*(\d+):(\d{1,2})(?::(\d{1,2}))?\s*$")
    hm = parts[0].astype(float) * 60 + parts[1].astype(float) + parts[2].astype(float).fillna(0) / 60
    return hm.fillna(number(s.where(~s.str.contains(":"), "")))


def read_activities(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    aid = col(r, "Activity - ID")
    kind = col(r, "Activity - Type").str.lower()
    channel = kind.map(CHANNEL)
    due = times((col(r, "Activity - Due date") + " " + col(r, "Activity - Due time")).str.strip(), ctx.tz)
    when = due.fillna(times(col(r, "Activity - Marked as done time"), ctx.tz))
    done = col(r, "Activity - Done").str.lower().isin(["done", "1", "true", "yes"])
    dur_raw = col(r, "Activity - Duration")
    minutes = _duration(dur_raw)
    ref, people = _refs(r, "Activity - Contact person", "Activity - Organization")
    reason = first_reason(
        (~done, "activity not done yet (To do), so not invested time"),
        (channel.isna(), "unknown Activity - Type"),
        ((dur_raw != "") & minutes.isna(), "Activity - Duration is not HH:MM"),
        (when.isna(), "unparseable Activity - Due date"),
        (ref == "", "activity has no contact person"),
    )
    ok = reason.isna()
    key = aid.where(aid != "", when.astype(str) + "|" + kind)
    inter = pd.DataFrame({
        "ref": ref[ok], "timestamp": when[ok], "channel": channel[ok], "direction": "unknown",
        "duration_minutes": minutes.where(minutes > 0)[ok], "source_row": r.loc[ok, "__row__"],
        "natural_key": "activity|" + key[ok], "group_key": "activity|" + key[ok],
    })
    return build("pipedrive_activities", SOURCE, t, reason, people=people[ok], inter=inter)


register(Format("pipedrive_persons", SOURCE, _detect("Person - ID", "Person - Name", forbid=("Deal - ID", "Activity - Type")), read_persons,
                "Person - ID,Person - Name,Person - Organization,Person - Email"))
register(Format("pipedrive_deals", SOURCE, _detect("Deal - ID", "Deal - Status"), read_deals,
                "Deal - ID,Deal - Title,Deal - Value,Deal - Currency,Deal - Organization,Deal - Contact person,"
                "Deal - Status,Deal - Won time"))
register(Format("pipedrive_activities", SOURCE, _detect("Activity - Type", "Activity - Done"), read_activities,
                "Activity - ID,Activity - Subject,Activity - Type,Activity - Due date,Activity - Duration,Activity - Done"))

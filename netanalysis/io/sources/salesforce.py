"""Salesforce data export (Setup > Data Export): Contact, Lead, Account, Task, Event, Opportunity, OpportunityContactRole.

Each object is one CSV named after it, every field quoted, booleans "0"/"1",
timestamps like `2023-01-17 17:00:04` in GMT (Salesforce writes exports in
GMT, so these are read as UTC whatever `--tz` says; plain dates such as
CloseDate are read in `--tz`). Headers are the API field names (modelled on
Salesforce's object reference; detection uses a few required fields each).

- `IsDeleted = 1` rows are rejected ("deleted in Salesforce").
- The placeholder id `000000000000000AAA` (and an empty cell) mean "none".
- Records link by Salesforce id: refs are namespaced by source family, so the
  WhoId of a Task is the Id of a Contact (or Lead) in Contact.csv.
- Account names: Contact.AccountId and Opportunity.AccountId are named from
  `Account.csv` in the same folder (Data Export always writes them side by
  side); without it the account id stands in for the name. Account rows
  themselves load nothing (a reference table) and are rejected as such.
- Task: a call (TaskSubtype Call, CallType or CallDurationInSeconds) with
  duration CallDurationInSeconds / 60; an e-mail (TaskSubtype Email); else a
  task. Tasks not completed (IsClosed 0) are not invested time: rejected.
- Event: a meeting of DurationInMinutes (or End - Start); all-day events are
  channel "event" with no duration; IsChild copies of a group event (the
  invitees' copies) are rejected as duplicates of the parent.
- Opportunity: IsWon -> won, IsClosed and not won -> lost, else open;
  linked to the people of its OpportunityContactRole rows (from
  `OpportunityContactRole.csv` in the same folder), else to `ContactId`, else
  to its account only; a won value is split evenly across those people.
  OpportunityContactRole rows load as links (person records of the contact).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from netanalysis.io.sources.base import Format, Sniff, read_csv_table, sniff
from netanalysis.io.sources.crm import build, col, first_reason, has, header, money, number, times, truthy
from netanalysis.io.sources.registry import register

SOURCE = "salesforce"
NONE_ID = "000000000000000AAA"


def _ids(s: pd.Series) -> pd.Series:
    """Salesforce ids; the placeholder `000000000000000AAA` and empty cells become ''."""
    s = s.astype(str).str.strip()
    return s.where(~s.isin([NONE_ID, NONE_ID[:15]]), "")


def _gmt(s: pd.Series) -> pd.Series:
    return times(s, "UTC")


def _detect(*required, forbid=(), one_of=(), stem=None):
    """Score by the fields the reader needs: all of `required`, one of `one_of` (when given)
    unless the file is named `stem` as Data Export names it; none of `forbid`."""
    def detect(sn: Sniff) -> float:
        cols = header(sn)
        if not has(cols, *required) or any(has(cols, f) for f in forbid):
            return 0.0
        if one_of and not any(has(cols, f) for f in one_of):
            return 0.9 if stem and Path(sn.path).stem.lower() == stem.lower() else 0.0
        return 0.97
    return detect


def _sibling(path: Path, wanted: str, required: tuple) -> pd.DataFrame | None:
    """Another object's CSV from the same export folder (by header), read as strings."""
    for f in sorted(Path(path).parent.iterdir()):
        if f == Path(path) or not f.is_file() or f.suffix.lower() != ".csv":
            continue
        if f.stem.lower() != wanted.lower():
            continue
        sn = sniff(f)
        if has(header(sn), *required):
            t = read_csv_table(f, sn.encoding)
            rows = t.rows
            return rows[~truthy(col(rows, "IsDeleted"))]
    return None


def _account_names(path: Path) -> dict[str, str]:
    acc = _sibling(path, "Account", ("Id", "Name", "IsDeleted"))
    if acc is None:
        return {}
    return dict(zip(col(acc, "Id"), col(acc, "Name")))


def _deleted(r):
    return truthy(col(r, "IsDeleted"))


def read_contacts(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    rid = _ids(col(r, "Id"))
    names = _account_names(path)
    acc = _ids(col(r, "AccountId"))
    name = col(r, "Name")
    name = name.where(name != "", (col(r, "FirstName") + " " + col(r, "LastName")).str.strip())
    email = col(r, "Email").str.lower()
    reason = first_reason((_deleted(r), "deleted in Salesforce"), (rid == "", "missing Id"))
    ok = reason.isna()
    company = acc.map(lambda a: names.get(a, a) if a else None)
    people = pd.DataFrame({
        "ref": rid[ok], "name": name[ok].replace("", None), "emails": [[e] if "@" in e else [] for e in email[ok]],
        "company": company[ok], "title": col(r, "Title")[ok].replace("", None),
        "first_seen": _gmt(col(r, "CreatedDate"))[ok], "source_row": r.loc[ok, "__row__"],
        "record_key": "contact|" + rid[ok],
    })
    return build("salesforce_contacts", SOURCE, t, reason, people=people)


def read_leads(path, sn: Sniff, ctx):
    """Leads are people too (a Task's WhoId can be a lead); their company is a plain text field."""
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    rid = _ids(col(r, "Id"))
    name = col(r, "Name")
    name = name.where(name != "", (col(r, "FirstName") + " " + col(r, "LastName")).str.strip())
    email = col(r, "Email").str.lower()
    reason = first_reason((_deleted(r), "deleted in Salesforce"), (rid == "", "missing Id"))
    ok = reason.isna()
    people = pd.DataFrame({
        "ref": rid[ok], "name": name[ok].replace("", None), "emails": [[e] if "@" in e else [] for e in email[ok]],
        "company": col(r, "Company")[ok].replace("", None), "title": col(r, "Title")[ok].replace("", None),
        "first_seen": _gmt(col(r, "CreatedDate"))[ok], "source_row": r.loc[ok, "__row__"],
        "record_key": "lead|" + rid[ok],
    })
    return build("salesforce_leads", SOURCE, t, reason, people=people)


def read_accounts(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    reason = first_reason((_deleted(r), "deleted in Salesforce"),
                          (pd.Series(True, index=r.index),
                           "reference table (accounts): names the accounts of contacts and opportunities"))
    return build("salesforce_accounts", SOURCE, t, reason)


def read_tasks(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    who = _ids(col(r, "WhoId"))
    subtype = col(r, "TaskSubtype").str.lower()
    secs_raw = col(r, "CallDurationInSeconds")
    secs = number(secs_raw)
    is_call = (subtype == "call") | (col(r, "CallType") != "") | (secs_raw != "") | (col(r, "Type").str.lower() == "call")
    channel = pd.Series(np.where(is_call, "call", np.where(subtype == "email", "email", "task")), index=r.index)
    when = _gmt(col(r, "CompletedDateTime"))
    when = when.fillna(times(col(r, "ActivityDate"), ctx.tz)).fillna(_gmt(col(r, "CreatedDate")))
    closed = truthy(col(r, "IsClosed")) | col(r, "Status").str.lower().isin(["completed", "done"])
    call_type = col(r, "CallType").str.lower()
    direction = pd.Series(np.select([call_type == "inbound", call_type == "outbound"], ["inbound", "outbound"],
                                    "unknown"), index=r.index)
    rid = col(r, "Id")
    reason = first_reason(
        (_deleted(r), "deleted in Salesforce"),
        (~closed, "open task: not done yet, so not invested time"),
        (who == "", "no person (WhoId empty or 000000000000000AAA)"),
        ((secs_raw != "") & secs.isna(), "CallDurationInSeconds is not a number"),
        (secs < 0, "negative CallDurationInSeconds"),
        (when.isna(), "unparseable ActivityDate"),
    )
    ok = reason.isna()
    inter = pd.DataFrame({
        "ref": who[ok], "timestamp": when[ok], "channel": channel[ok], "direction": direction[ok],
        "duration_minutes": (secs / 60.0)[ok], "source_row": r.loc[ok, "__row__"],
        "natural_key": "task|" + rid[ok], "group_key": "task|" + rid[ok],
    })
    return build("salesforce_tasks", SOURCE, t, reason, inter=inter)


def read_events(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    who = _ids(col(r, "WhoId"))
    all_day = truthy(col(r, "IsAllDayEvent"))
    start = _gmt(col(r, "StartDateTime")).fillna(_gmt(col(r, "ActivityDateTime")))
    start = start.where(~all_day | start.notna(), times(col(r, "ActivityDate"), ctx.tz))
    end = _gmt(col(r, "EndDateTime"))
    dur_raw = col(r, "DurationInMinutes")
    dur = number(dur_raw).fillna((end - start).dt.total_seconds() / 60.0)
    dur = dur.where(~all_day, np.nan)
    rid = col(r, "Id")
    reason = first_reason(
        (_deleted(r), "deleted in Salesforce"),
        (truthy(col(r, "IsChild")), "invitee's copy of a group event (the parent event counts)"),
        (who == "", "no person (WhoId empty or 000000000000000AAA)"),
        ((dur_raw != "") & number(dur_raw).isna(), "DurationInMinutes is not a number"),
        (dur < 0, "negative duration"),
        (start.isna(), "unparseable StartDateTime"),
    )
    ok = reason.isna()
    inter = pd.DataFrame({
        "ref": who[ok], "timestamp": start[ok], "channel": np.where(all_day[ok], "event", "meeting"),
        "direction": "unknown", "duration_minutes": dur[ok], "source_row": r.loc[ok, "__row__"],
        "natural_key": "event|" + rid[ok], "group_key": "event|" + rid[ok],
    })
    return build("salesforce_events", SOURCE, t, reason, inter=inter)


def _roles(path: Path) -> dict[str, list[str]]:
    ocr = _sibling(path, "OpportunityContactRole", ("OpportunityId", "ContactId"))
    if ocr is None:
        return {}
    out: dict[str, list[str]] = {}
    for opp, contact in zip(_ids(col(ocr, "OpportunityId")), _ids(col(ocr, "ContactId"))):
        if opp and contact and contact not in out.setdefault(opp, []):
            out[opp].append(contact)
    return out


def read_opportunities(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    rid = _ids(col(r, "Id"))
    won = truthy(col(r, "IsWon"))
    closed = truthy(col(r, "IsClosed")) | won
    status = pd.Series(np.where(won, "won", np.where(closed, "lost", "open")), index=r.index)
    close = times(col(r, "CloseDate"), ctx.tz)
    created = _gmt(col(r, "CreatedDate"))
    when = close.where(closed, created.fillna(close))
    amount_raw = col(r, "Amount")
    amount, amount_why = money(amount_raw, "Amount")
    names = _account_names(path)
    acc = _ids(col(r, "AccountId"))
    account = acc.map(lambda a: names.get(a, a) if a else "")
    roles = _roles(path)
    contact = _ids(col(r, "ContactId"))
    people_of = [roles.get(o) or ([c] if c else []) for o, c in zip(rid, contact)]
    nobody = pd.Series([not p for p in people_of], index=r.index)
    reason = first_reason(
        (_deleted(r), "deleted in Salesforce"),
        (rid == "", "missing Id"),
        (amount_why.notna(), amount_why),
        (when.isna(), "unparseable CloseDate"),
        (nobody & (account == ""), "opportunity has no contact role, ContactId or account"),
    )
    outc = []
    currency = col(r, "CurrencyIsoCode").str.upper()
    for pos, i in enumerate(r.index):
        if pd.notna(reason[i]):
            continue
        base = {"account": account[i] or None, "timestamp": when[i], "kind": "deal", "status": status[i],
                "currency": currency[i] or None, "source_row": r.at[i, "__row__"], "group_key": "opportunity|" + rid[i],
                "opened_at": created[i]}
        who = people_of[pos]
        if who:
            share = amount[i] / len(who) if pd.notna(amount[i]) else np.nan
            outc += [{**base, "ref": c, "value": share, "natural_key": f"opportunity|{rid[i]}|{c}"} for c in who]
        else:
            outc.append({**base, "ref": None, "value": amount[i], "natural_key": f"opportunity|{rid[i]}|account"})
    return build("salesforce_opportunities", SOURCE, t, reason, outc=outc)


def read_contact_roles(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    contact = _ids(col(r, "ContactId"))
    reason = first_reason((_deleted(r), "deleted in Salesforce"),
                          (contact == "", "no contact (ContactId empty or 000000000000000AAA)"),
                          (_ids(col(r, "OpportunityId")) == "", "no opportunity"))
    ok = reason.isna()
    # A role links a contact to an opportunity; Opportunity.csv reads these links to
    # credit deals. Here each row is a record of that contact, so it is accounted as loaded.
    people = pd.DataFrame({"ref": contact[ok], "emails": [[] for _ in range(int(ok.sum()))],
                           "source_row": r.loc[ok, "__row__"], "record_key": "role|" + col(r, "Id")[ok]})
    return build("salesforce_contact_roles", SOURCE, t, reason, people=people)


# Each object is recognised by the fields its reader needs (Id and a name, a WhoId and
# a state...), so an export with chosen fields still loads. Optional fields give the
# object away when the needed ones are shared (Lead vs Contact, Task vs Event).
_PERSON = ("IsDeleted", "AccountId", "Email", "FirstName", "Title", "CreatedDate")
_ACCOUNT = ("IsDeleted", "Type", "ParentId", "Industry", "AccountNumber", "Website", "Phone", "OwnerId",
            "BillingCity", "BillingCountry", "ShippingCity", "CreatedDate")
register(Format("salesforce_contacts", SOURCE, _detect("Id", "LastName", forbid=("Company", "WhoId"), one_of=_PERSON,
                                                       stem="Contact"),
                read_contacts, "Id,IsDeleted,AccountId,LastName,FirstName,Name,Email,Title"))
register(Format("salesforce_leads", SOURCE, _detect("Id", "LastName", "Company", forbid=("AccountId", "WhoId")),
                read_leads, "Id,IsDeleted,LastName,FirstName,Name,Title,Company,Email,Status"))
register(Format("salesforce_accounts", SOURCE, _detect("Id", "Name", forbid=("LastName", "WhoId", "StageName", "CloseDate",
                                                                            "OpportunityId", "Email"),
                                                       one_of=_ACCOUNT, stem="Account"),
                read_accounts, "Id,IsDeleted,Name,Type,ParentId,BillingCity"))
register(Format("salesforce_tasks", SOURCE, _detect("Id", "WhoId", forbid=("DurationInMinutes", "StartDateTime"),
                                                    one_of=("IsClosed", "Status", "TaskSubtype", "CallDurationInSeconds"),
                                                    stem="Task"),
                read_tasks, "Id,WhoId,WhatId,Subject,ActivityDate,Status,IsClosed,CallDurationInSeconds,TaskSubtype"))
register(Format("salesforce_events", SOURCE, _detect("Id", "WhoId", forbid=("IsClosed", "TaskSubtype"),
                                                     one_of=("StartDateTime", "ActivityDateTime", "DurationInMinutes",
                                                             "IsAllDayEvent"), stem="Event"),
                read_events, "Id,WhoId,WhatId,Subject,IsAllDayEvent,StartDateTime,EndDateTime,DurationInMinutes"))
register(Format("salesforce_opportunities", SOURCE, _detect("Id", "CloseDate", forbid=("WhoId",),
                                                            one_of=("StageName", "IsWon", "IsClosed")),
                read_opportunities, "Id,IsDeleted,AccountId,Name,StageName,Amount,CloseDate,IsClosed,IsWon,CurrencyIsoCode"))
register(Format("salesforce_contact_roles", SOURCE, _detect("Id", "OpportunityId", "ContactId"),
                read_contact_roles, "Id,OpportunityId,ContactId,Role,IsPrimary"))

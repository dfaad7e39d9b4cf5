"""HubSpot CRM exports: contacts, companies, deals and activities (calls, meetings, e-mails, notes, tasks).

Layouts (modelled on HubSpot's "Export" of an object view; column labels in
English; repeated labels such as `Associated Contact` become `name.1`):

- contacts: `Record ID, First Name, Last Name, Email, Company Name, Job Title, ...`
- companies: `Record ID, Company name, Company Domain Name, ...`
- deals: `Record ID, Deal Name, Deal Stage, Amount, Close Date, Create Date, Is Closed Won,
  Associated Company, Associated Contact, Associated Contact IDs, [Currency]`, where
  `Associated Contact` is `Name (email)` items joined by `;`.
- activities: HubSpot property names `hs_timestamp`, `hs_call_duration` (milliseconds),
  `hs_call_direction`, `hs_meeting_start_time`/`hs_meeting_end_time`,
  `hs_meeting_outcome`, `hs_email_direction`, `hs_note_body`, `hs_task_status`,
  with `Associated Contact IDs` (or `Associated Contact`).

Records link across files through HubSpot's record ids (the loader namespaces
refs by family, so contact 101 in the deals file is contact 101 in the
contacts file).

A won deal's value is credited once: split evenly across its associated
contacts (one outcome per contact with value/n, outcome id from deal id and
contact, so ids stay stable when the deal is exported again). A deal with no
contact belongs to its associated company (account). Deal status: `Is Closed
Won` true -> won; stage containing "lost" (or `Is Closed Lost`/`Is Closed`
true) -> lost; otherwise open (dated by Create Date when there is one).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from netanalysis.io.identity import normalize_email
from netanalysis.io.sources.base import Format, Sniff, read_csv_table
from netanalysis.io.sources.crm import build, col, first_reason, has, header, money, number, split_list, times, truthy
from netanalysis.io.sources.registry import register

SOURCE = "hubspot"
_NAME_EMAIL = re.compile(r"^(?P<name>.*?)\s*\((?P<email>[^()\s]+@[^()\s]+)\)\s*$")
_ACTIVITY_COLS = ("hs_timestamp", "hs_call_duration", "hs_meeting_start_time", "hs_email_direction", "hs_note_body",
                  "hs_task_status", "hs_activity_type", "hs_engagement_type")


def _score(pred):
    def detect(sn: Sniff) -> float:
        cols = header(sn)
        return 0.97 if has(cols, "Record ID") and pred({c.lower() for c in cols}) else 0.0
    return detect


def _is_deals(c):
    return "deal name" in c


def _is_activities(c):
    return bool(c & set(_ACTIVITY_COLS)) and not _is_deals(c)


def _is_companies(c):
    return ("company name" in c or "company domain name" in c) and not (c & {"email", "first name", "last name"}) \
        and not _is_deals(c) and not _is_activities(c)


def _is_contacts(c):
    return bool(c & {"email", "first name", "last name"}) and not _is_deals(c) and not _is_activities(c)


def _contact_items(row: pd.Series) -> list[tuple[str | None, str | None]]:
    """(name, email) for each `Name (email)` item of every `Associated Contact` column."""
    out = []
    for c in row.index:
        if c.lower().startswith("associated contact") and "ids" not in c.lower():
            for item in split_list(row[c]):
                m = _NAME_EMAIL.match(item)
                out.append((m.group("name") or None, normalize_email(m.group("email"))) if m else (item, None))
    return out


def _contact_ids(row: pd.Series) -> list[str]:
    ids = []
    for c in row.index:
        if c.lower().startswith("associated contact ids") or c.lower().startswith("associated contact id"):
            ids += [x.strip() for x in re.split(r"[;,]", row[c]) if x.strip()]
    return list(dict.fromkeys(ids))


def _associated(row: pd.Series) -> list[tuple[str, str | None, list[str]]]:
    """(ref, name, emails) of every associated contact: by record id, else by e-mail, else by name."""
    ids, items = _contact_ids(row), _contact_items(row)
    out = []
    if ids:
        for k, cid in enumerate(ids):
            name, email = items[k] if len(items) == len(ids) else (None, None)
            out.append((cid, name, [email] if email else []))
    else:
        for name, email in items:
            if email:
                out.append(("email:" + email, name, [email]))
            elif name:
                out.append(("name:" + name.lower(), name, []))
    return list({r[0]: r for r in out}.values())


def read_contacts(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    rid = col(r, "Record ID")
    first, last = col(r, "First Name"), col(r, "Last Name")
    name = (first + " " + last).str.strip()
    email = col(r, "Email").str.lower()
    reason = first_reason((rid == "", "missing Record ID"),
                          ((name == "") & (email == ""), "contact has neither a name nor an e-mail"))
    ok = reason.isna()
    people = pd.DataFrame({
        "ref": rid[ok], "name": name[ok].replace("", None),
        "emails": [[e] if normalize_email(e) else [] for e in email[ok]],
        "company": col(r, "Company Name", "Company name", "Associated Company")[ok].replace("", None),
        "title": col(r, "Job Title")[ok].replace("", None),
        "first_seen": times(col(r, "Create Date"), ctx.tz)[ok],
        "source_row": r.loc[ok, "__row__"], "record_key": "contact|" + rid[ok],
    })
    return build("hubspot_contacts", SOURCE, t, reason, people=people)


def read_companies(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    # Companies are accounts, not people: deals and contacts carry the company name,
    # so these rows are accounted for as reference rows and load nothing.
    reason = pd.Series("company list: accounts are named in the deals and contacts exports", index=t.rows.index,
                       dtype="string")
    return build("hubspot_companies", SOURCE, t, reason)


def read_deals(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    rid = col(r, "Record ID")
    amount_raw = col(r, "Amount")
    amount, amount_why = money(amount_raw, "Amount")
    won = truthy(col(r, "Is Closed Won"))
    stage = col(r, "Deal Stage").str.lower()
    lost = ~won & (stage.str.contains("lost") | truthy(col(r, "Is Closed Lost")) | truthy(col(r, "Is Closed")))
    status = pd.Series(np.where(won, "won", np.where(lost, "lost", "open")), index=r.index)
    close = times(col(r, "Close Date"), ctx.tz)
    created = times(col(r, "Create Date"), ctx.tz)
    when = close.where(status != "open", created.fillna(close))
    company = col(r, "Associated Company").map(lambda v: (split_list(v) or [""])[0])
    company = company.str.replace(r"\s*\([^()]*\)\s*$", "", regex=True)  # `Acme (acme.com)` -> `Acme`
    currency = col(r, "Currency", "Deal Currency Code", "Currency code").str.upper().replace("", None)
    assoc = [_associated(row) for _, row in r.iterrows()]
    nobody = pd.Series([len(a) == 0 for a in assoc], index=r.index)
    reason = first_reason(
        (rid == "", "missing Record ID"),
        (amount_why.notna(), amount_why),
        (amount < 0, "negative Amount"),
        (when.isna(), "unparseable Close Date"),
        (nobody & (company == ""), "deal has no associated contact or company"),
    )
    outcomes, people = [], []
    for i in r.index[reason.isna()]:
        base = {"timestamp": when[i], "kind": "deal", "status": status[i], "currency": currency[i],
                "source_row": r.at[i, "__row__"], "group_key": "deal|" + rid[i],
                "account": company[i] or None, "opened_at": created[i]}
        value = amount[i]
        if assoc[r.index.get_loc(i)]:
            people_here = assoc[r.index.get_loc(i)]
            share = value / len(people_here) if pd.notna(value) else np.nan
            for ref, name, emails in people_here:
                outcomes.append({**base, "ref": ref, "value": share, "natural_key": f"deal|{rid[i]}|{ref}"})
                people.append({"ref": ref, "name": name, "emails": emails, "company": company[i] or None})
        else:
            outcomes.append({**base, "ref": None, "value": value, "natural_key": f"deal|{rid[i]}|account"})
    return build("hubspot_deals", SOURCE, t, reason, people=people, outc=outcomes)


def _activity_kind(r: pd.DataFrame) -> pd.Series:
    explicit = col(r, "hs_activity_type", "hs_engagement_type", "Activity type", "Engagement type").str.lower()
    cols = {c.lower() for c in r.columns}
    if "hs_call_duration" in cols or "hs_call_direction" in cols:
        guess = "call"
    elif "hs_meeting_start_time" in cols:
        guess = "meeting"
    elif "hs_email_direction" in cols or "hs_email_subject" in cols:
        guess = "email"
    elif "hs_task_status" in cols:
        guess = "task"
    else:
        guess = "note"
    kind = explicit.replace({"calls": "call", "meetings": "meeting", "emails": "email", "notes": "note",
                             "tasks": "task", "incoming_email": "email", "forwarded_email": "email"})
    return kind.where(kind != "", guess)


def read_activities(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    kind = _activity_kind(r)
    start = times(col(r, "hs_meeting_start_time"), ctx.tz)
    end = times(col(r, "hs_meeting_end_time"), ctx.tz)
    ts = times(col(r, "hs_timestamp", "Activity date", "Create Date"), ctx.tz)
    ts = start.where(start.notna() & (kind == "meeting"), ts)
    dur_ms_raw = col(r, "hs_call_duration")
    dur_ms = number(dur_ms_raw)
    minutes = pd.Series(np.nan, index=r.index)
    minutes = minutes.mask(kind == "call", dur_ms / 60000.0)
    meet_min = (end - start).dt.total_seconds() / 60.0
    minutes = minutes.mask((kind == "meeting") & meet_min.notna(), meet_min)
    direction_raw = col(r, "hs_call_direction", "hs_email_direction", "Direction").str.upper()
    direction = direction_raw.map(lambda d: "inbound" if d.startswith("INBOUND") or d.startswith("INCOMING")
                                  else ("outbound" if d in ("OUTBOUND", "EMAIL", "FORWARDED_EMAIL") else "unknown"))
    outcome_col = col(r, "hs_meeting_outcome", "hs_call_status", "hs_call_disposition").str.upper()
    task_open = (kind == "task") & ~col(r, "hs_task_status").str.upper().isin(["COMPLETED", "DONE"])
    assoc = [_associated(row) for _, row in r.iterrows()]
    nobody = pd.Series([len(a) == 0 for a in assoc], index=r.index)
    rid = col(r, "Record ID")
    reason = first_reason(
        (ts.isna(), "unparseable hs_timestamp"),
        ((dur_ms_raw != "") & dur_ms.isna(), "hs_call_duration is not a number"),
        (minutes < 0, "negative duration"),
        (outcome_col.isin(["CANCELED", "CANCELLED", "NO_SHOW", "RESCHEDULED"]), "meeting cancelled or missed"),
        (outcome_col.isin(["NO_ANSWER", "BUSY", "FAILED"]), "call not connected"),
        (task_open, "open task: not yet done, so not invested time"),
        (nobody, "activity has no associated contact"),
    )
    inter, people = [], []
    for i in r.index[reason.isna()]:
        for ref, name, emails in assoc[r.index.get_loc(i)]:
            key = rid[i] or f"{ts[i].isoformat()}|{kind[i]}"
            inter.append({"ref": ref, "timestamp": ts[i], "channel": kind[i], "direction": direction[i],
                          "duration_minutes": minutes[i], "source_row": r.at[i, "__row__"],
                          "natural_key": f"activity|{key}|{ref}", "group_key": f"activity|{key}"})
            people.append({"ref": ref, "name": name, "emails": emails})
    return build("hubspot_activities", SOURCE, t, reason, people=people, inter=inter)


register(Format("hubspot_contacts", SOURCE, _score(_is_contacts), read_contacts,
                "Record ID,First Name,Last Name,Email,Company Name,Job Title"))
register(Format("hubspot_companies", SOURCE, _score(_is_companies), read_companies,
                "Record ID,Company name,Company Domain Name"))
register(Format("hubspot_deals", SOURCE, _score(_is_deals), read_deals,
                "Record ID,Deal Name,Deal Stage,Amount,Close Date,Is Closed Won,Associated Contact,Associated Contact IDs"))
register(Format("hubspot_activities", SOURCE, _score(_is_activities), read_activities,
                "Record ID,hs_timestamp,hs_call_duration,hs_meeting_start_time,hs_meeting_end_time,Associated Contact IDs"))

"""Writing a simulated world as the exports people really have (`simulate --format exports`).

The world's records are spread over real layouts, so the sample report loads
them through the real parsers:

- ``linkedin/Connections.csv``: 2025 layout with its three preamble lines, one
  row per contact, `Connected On` = the day of the first interaction; the
  e-mail cell is empty for about a third of them, as in real exports (only
  for people whose name and company are unique, so they still merge with
  their other records by name and company);
- ``linkedin/messages.csv``: the world's "message" interactions;
- ``calendar/<owner>.ics``: Google Calendar export; meetings and calls are
  events with the owner and the contact as attendees, DTEND - DTSTART = the
  duration (calls are titled "Call with ...");
- ``mail/All mail Including Spam and Trash.mbox``: Gmail Takeout; the world's
  e-mails (`X-Gmail-Labels: Sent` when outbound);
- ``hubspot/contacts.csv`` and ``hubspot/deals.csv``: every contact, and one
  deal per outcome (won or lost) associated with its contact;
- ``ground_truth.json``: the true parameters (`simulate.write_truth`).

Documented differences from the world after loading (tests/test_exports_roundtrip.py):
every contact gains a LinkedIn "connection" interaction (1 minute) on its
first day; every outcome kind becomes "deal" (HubSpot has deals only); a
meeting's direction comes from who organised it (the owner for mutual and
outbound meetings); timestamps keep whole seconds (whole minutes for deals).
"""

from __future__ import annotations

import csv
import hashlib
from email.utils import format_datetime
from pathlib import Path

import numpy as np
import pandas as pd

from netanalysis.simulate.world import World, write_truth

OWNER_NAME = "Sam Owner"
OWNER_EMAIL = "sam.owner@netanalysis.example"
OWNER_URL = "https://www.linkedin.com/in/sam-owner-0a1b2c"

CONNECTIONS_PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing. '
    "You will only see email addresses for connections who have allowed their connections to see or download "
    "their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more "
    'here https://www.linkedin.com/help/linkedin/answer/261"\n'
    "\n"
)


def write_exports(world: World, out) -> Path:
    """Write `world` as LinkedIn, Google Calendar, Gmail and HubSpot exports plus `ground_truth.json`.

    Parameters
    ----------
    world : a :class:`~netanalysis.simulate.world.World`
    out : folder to write into (created)

    Returns
    -------
    Path of the folder.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    people = world.contacts.set_index("contact_id")
    inter = world.interactions.copy()
    inter["timestamp"] = pd.to_datetime(inter["timestamp"], utc=True)
    _connections(world, people, inter, out / "linkedin")
    _messages(people, inter[inter["channel"] == "message"], out / "linkedin")
    _calendar(people, inter[inter["channel"].isin(["meeting", "call"])], out / "calendar", inter["timestamp"].max())
    _mbox(people, inter[inter["channel"] == "email"], out / "mail")
    _hubspot(world, people, out / "hubspot")
    write_truth(world, out)
    (out / "README.md").write_text(README.format(n=len(world.contacts), months=world.truth.months,
                                                 seed=world.truth.seed, owner=OWNER_EMAIL), encoding="utf-8")
    return out


README = """# Simulated exports (synthetic people, real file layouts)

Written by `netanalysis simulate --format exports` ({n} contacts, {months} months, seed {seed}).
Every person here is made up. The files follow the layouts of real exports, so
`netanalysis load` / `netanalysis report` read them through the real parsers:

| file | layout |
|---|---|
| `linkedin/Connections.csv` | LinkedIn data export, 2025 layout with its 3 preamble lines |
| `linkedin/messages.csv` | LinkedIn data export messages |
| `calendar/{owner}.ics` | Google Calendar export: meetings and calls with attendees |
| `mail/All mail Including Spam and Trash.mbox` | Gmail Takeout mbox: the e-mails |
| `hubspot/contacts.csv`, `hubspot/deals.csv` | HubSpot exports; one deal per outcome, associated with its contact |
| `ground_truth.json` | the true parameters of the simulated world (not an export) |

The owner of these exports is `{owner}` (detected, so never a contact).
"""


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = str(name).partition(" ")
    return first, last


def _writer(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - the caller closes it after the last row
    return fh, csv.writer(fh, lineterminator="\n")


def _connections(world: World, people: pd.DataFrame, inter: pd.DataFrame, folder: Path) -> None:
    first = inter.groupby("contact_id")["timestamp"].min()
    unique_name = ~world.contacts.duplicated(["name", "company"], keep=False).to_numpy()
    rng = np.random.default_rng(world.truth.seed + 1)
    hide = (rng.random(len(world.contacts)) < 1 / 3) & unique_name
    rows = []
    for k, (cid, p) in enumerate(people.iterrows()):
        if cid not in first.index:
            continue
        f, last = _split_name(p["name"])
        rows.append((first[cid], [f, last, p["linkedin_url"], "" if hide[k] else p["email"], p["company"],
                                  p["title"], first[cid].strftime("%d %b %Y")]))
    rows.sort(key=lambda r: r[0], reverse=True)  # LinkedIn lists the newest connection first
    fh, w = _writer(folder / "Connections.csv")
    with fh:
        fh.write(CONNECTIONS_PREAMBLE)
        w.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"])
        w.writerows(r for _, r in rows)


def _conversation_id(cid: str) -> str:
    digest = hashlib.sha1(f"conv|{cid}".encode()).hexdigest()
    return f"2-{digest[:40]}"


def _messages(people: pd.DataFrame, msgs: pd.DataFrame, folder: Path) -> None:
    fh, w = _writer(folder / "messages.csv")
    with fh:
        w.writerow(["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
                    "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER"])
        for k, m in enumerate(msgs.sort_values("timestamp", ascending=False, kind="stable").itertuples()):
            p = people.loc[m.contact_id]
            them = (p["name"], p["linkedin_url"])
            me = (OWNER_NAME, OWNER_URL)
            sender, recipient = (me, them) if m.direction == "outbound" else (them, me)
            content = f"Hi {recipient[0].split()[0]}, following up on our last exchange ({k})."
            w.writerow([_conversation_id(m.contact_id), "", sender[0], sender[1], recipient[0], recipient[1],
                        m.timestamp.strftime("%Y-%m-%d %H:%M:%S UTC"), "", content, "INBOX"])


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 line folding at 75 octets."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, cur = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(cur) + len(b) > (75 if not parts else 74):
            parts.append(cur.decode("utf-8"))
            cur = b""
        cur += b
    parts.append(cur.decode("utf-8"))
    return "\r\n ".join(parts)


def _calendar(people: pd.DataFrame, events: pd.DataFrame, folder: Path, last: pd.Timestamp) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = last.strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{OWNER_EMAIL}", "X-WR-TIMEZONE:UTC"]
    events = events.copy()
    if "group_key" not in events:
        events["group_key"] = pd.NA
    # A group meeting is one event with every attendee; attendees whose durations differ
    # get their own event at the same time, so each contact's minutes stay exact.
    alone = events["group_key"].isna()
    events["_event"] = np.where(alone, "row" + events.index.astype(str),
                                events["group_key"].astype(str) + "|" + events["duration_minutes"].astype(str))
    # A contact listed twice in one group meeting (the simulator can do that) gets a second event.
    events["_event"] += "|" + events.groupby(["_event", "contact_id"]).cumcount().astype(str)
    for k, (_, ev) in enumerate(events.groupby("_event", sort=False)):
        e = ev.iloc[0]
        attendees = [people.loc[c] for c in ev["contact_id"]]
        end = e.timestamp + pd.Timedelta(minutes=float(e.duration_minutes))
        p = attendees[0]
        organiser = (p["name"], p["email"]) if e.direction == "inbound" else (OWNER_EMAIL, OWNER_EMAIL)
        names = ", ".join(a["name"] for a in attendees)
        title = ("Call with " if e.channel == "call" else "Meeting: ") + names
        uid = hashlib.sha1("|".join(ev["contact_id"]).encode() + str(e.timestamp).encode()).hexdigest()[:16]
        lines += [
            "BEGIN:VEVENT",
            f"DTSTART:{e.timestamp.strftime('%Y%m%dT%H%M%SZ')}",
            f"DTEND:{end.strftime('%Y%m%dT%H%M%SZ')}",
            f"DTSTAMP:{stamp}",
            f"ORGANIZER;CN=\"{organiser[0]}\":mailto:{organiser[1]}",
            f"UID:sim{k:06d}-{uid}@google.com",
        ]
        lines += [f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=\"{a['name']}\";"
                  f"X-NUM-GUESTS=0:mailto:{a['email']}" for a in attendees]
        lines += [
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN={OWNER_EMAIL};X-NUM-GUESTS=0:mailto:{OWNER_EMAIL}",
            f"SUMMARY:{_ics_text(title)}",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    (folder / f"{OWNER_EMAIL}.ics").write_bytes(("\r\n".join(_fold(x) for x in lines) + "\r\n").encode("utf-8"))


def _address(name: str, email: str) -> str:
    """`Name <addr>`; a non-ASCII name as an RFC 2047 encoded word (addresses may be UTF-8, RFC 6532)."""
    from email.header import Header

    shown = Header(name, "utf-8").encode() if not name.isascii() else f'"{name}"'
    return f"{shown} <{email}>"


def _mbox(people: pd.DataFrame, mails: pd.DataFrame, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    chunks = []
    for k, m in enumerate(mails.itertuples()):
        p = people.loc[m.contact_id]
        me, them = _address(OWNER_NAME, OWNER_EMAIL), _address(p["name"], p["email"])
        sender, recipient, label = (me, them, "Sent") if m.direction == "outbound" else (them, me, "Inbox,Opened")
        when = m.timestamp.to_pydatetime()
        chunks.append(
            f"From {1790000000000000000 + k}@xxx {when.strftime('%a %b %d %H:%M:%S +0000 %Y')}\n"
            f"X-GM-THRID: {1790000000000000000 + k}\n"
            f"X-Gmail-Labels: {label}\n"
            f"Message-ID: <sim-{k:06d}-{hashlib.sha1(f'{m.contact_id}|{m.timestamp}'.encode()).hexdigest()[:12]}@mail.example>\n"
            f"Date: {format_datetime(when)}\n"
            f"From: {sender}\n"
            f"To: {recipient}\n"
            f"Subject: Following up\n"
            f"Content-Type: text/plain; charset=\"UTF-8\"\n"
            f"\n"
            f"Hello, a short note ({k}).\n")
    (folder / "All mail Including Spam and Trash.mbox").write_text("\n".join(chunks), encoding="utf-8")


def _hubspot(world: World, people: pd.DataFrame, folder: Path) -> None:
    record = {cid: str(100000 + k) for k, cid in enumerate(people.index)}
    fh, w = _writer(folder / "contacts.csv")
    with fh:
        w.writerow(["Record ID", "First Name", "Last Name", "Email", "Company Name", "Job Title", "Contact owner"])
        for cid, p in people.iterrows():
            f, last = _split_name(p["name"])
            w.writerow([record[cid], f, last, p["email"], p["company"], p["title"], OWNER_NAME])
    fh, w = _writer(folder / "deals.csv")
    with fh:
        w.writerow(["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date", "Deal owner",
                    "Is Closed Won", "Associated Company", "Associated Contact", "Associated Contact IDs", "Currency"])
        for k, o in enumerate(world.outcomes.itertuples()):
            p = people.loc[o.contact_id]
            won = o.status == "won"
            close = pd.Timestamp(o.timestamp)
            # A world that knows when each deal opened writes it; otherwise 45 days before the close.
            opened = getattr(o, "opened_at", pd.NaT)
            created = pd.Timestamp(opened) if pd.notna(opened) else close - pd.Timedelta(days=45)
            w.writerow([str(900000 + k), f"{o.account} {o.kind}", "Closed Won" if won else "Closed Lost",
                        f"{float(o.value):.2f}", close.strftime("%Y-%m-%d %H:%M"),
                        created.strftime("%Y-%m-%d %H:%M"), OWNER_NAME,
                        "true" if won else "false", o.account, f"{p['name']} ({p['email']})", record[o.contact_id],
                        o.currency])

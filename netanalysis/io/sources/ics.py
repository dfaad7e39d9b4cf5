"""Calendars (ICS) exported from Google Calendar or Outlook.

One interaction per occurrence of a meeting and per attendee other than the
owner of the calendar. The accounting unit ("row") is a VEVENT component:
`rows_read` is the number of VEVENTs, and a recurring event that expands into
many occurrences is one row (loaded if any occurrence is new).

Parsing uses `icalendar` (which also maps Windows zone names such as
"W. Europe Standard Time" to IANA zones, so no mapping of our own is needed) and
`recurring-ical-events` (RRULE, RDATE, EXDATE and RECURRENCE-ID overrides).

Rules, in the user's words:

- Recurring events are expanded up to the calendar's *export horizon*: the
  latest DTSTAMP or DTSTART in the file (Google and Outlook stamp every event
  with the export time in DTSTAMP). An endless weekly series therefore stops
  when the export was made, not at "today", so the result does not depend on
  when the file is loaded.
- Cancelled events (`STATUS:CANCELLED`, also on a single moved occurrence),
  events the owner declined, and attendees who declined are not invested time.
  Rooms and resources (`CUTYPE=ROOM/RESOURCE`) and Google's shared, room and
  holiday calendar addresses (`...calendar.google.com`) are not people.
- Duration comes from DTEND - DTSTART (or DURATION). All-day events are
  channel "event" with no duration (the channel default applies), since a
  day-long block is not a day spent with each attendee. Timed events are
  "meeting", or "call" when the title says call/phone.
- The owner is the calendar's own address: `X-WR-CALNAME` when it is an
  e-mail (Google), else the address taking part in nearly every event (at
  least 80% of at least three events); with `--me`, only what it gives.
- Direction: outbound when the owner organised the meeting, inbound when the
  counterpart did, mutual when the organiser is unknown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, deque

import pandas as pd

from netanalysis.errors import UserError
from netanalysis.io.identity import normalize_email
from netanalysis.io.sources.base import (
    INTERACTION_COLUMNS,
    OUTCOME_COLUMNS,
    PEOPLE_COLUMNS,
    Format,
    Parsed,
    Sniff,
    frame,
    rejected_frame,
)
from netanalysis.io.sources.registry import register

SOURCE = "calendar"
OWNER_SHARE = 0.8
# Google's shared, room and holiday calendars organise events under these addresses; they are not people.
_NOT_PEOPLE = re.compile(r"@([a-z0-9.]+\.)?calendar\.google\.com$")
_CALL = re.compile(r"\b(call|phone|telefon\w*|anruf)\b", re.I)
# A recurring series yields at most this many occurrences (a weekly meeting for 40 years),
# none more than LOOKBACK before the export: FREQ=SECONDLY would make a million rows of one event.
MAX_OCCURRENCES = 2000
SCAN_OCCURRENCES = 20_000
LOOKBACK = pd.DateOffset(years=10)
SUB_DAILY = {"SECONDLY", "MINUTELY", "HOURLY"}


def _detect(sn: Sniff) -> float:
    head = sn.text.lstrip("\ufeff \r\n\t")[:200].upper()
    if head.startswith("BEGIN:VCALENDAR"):
        return 0.99
    return 0.6 if "BEGIN:VEVENT" in sn.text.upper() and "BEGIN:VCALENDAR" in sn.text.upper() else 0.0


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _params(addr) -> dict:
    p = getattr(addr, "params", None) or {}
    return {str(k).upper(): str(v) for k, v in p.items()}


def _to_utc(value, tz: str) -> pd.Timestamp:
    """A DTSTART/DTEND/RECURRENCE-ID value to UTC; floating times are read in `tz`."""
    if isinstance(value, dt.datetime):
        ts = pd.Timestamp(value)
        if ts.tzinfo is None:
            ts = ts.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
        return ts.tz_convert("UTC")
    if isinstance(value, dt.date):
        return pd.Timestamp(value).tz_localize(tz).tz_convert("UTC")
    raise ValueError(f"not a date: {value!r}")


def _rid_key(value, tz: str) -> str:
    return _to_utc(getattr(value, "dt", value), tz).isoformat()


def _decoded(comp, name):
    try:
        return comp.decoded(name)
    except KeyError:
        return None


def _participants(comp) -> tuple[str | None, list[tuple[str, str | None, dict]]]:
    """The organiser's address and every (address, name, params) attendee."""
    org = comp.get("ORGANIZER")
    org_email = normalize_email(str(org)) if org is not None else None
    people = []
    for a in _as_list(comp.get("ATTENDEE")):
        email = normalize_email(str(a))
        if email:
            people.append((email, _params(a).get("CN"), _params(a)))
    if org_email and org_email not in {p[0] for p in people}:
        people.append((org_email, _params(org).get("CN"), {"ROLE": "ORGANIZER"}))
    return org_email, people


def detect_owner(events: list, calname: str | None, me=()) -> set[str]:
    """The calendar's own address(es): `--me` when given (the whole truth), else the
    X-WR-CALNAME e-mail, else the near-universal participant."""
    owner = {e for e in (normalize_email(m) for m in me) if e}
    if me:
        return owner
    cal = normalize_email(calname) if calname else None
    if cal:
        owner.add(cal)
        return owner
    seen = Counter()
    n = 0
    for comp in events:
        _, people = _participants(comp)
        if people:
            n += 1
            seen.update({p[0] for p in people if not _NOT_PEOPLE.search(p[0])})
    if n >= 3 and seen:
        addr, count = seen.most_common(1)[0]
        if count >= OWNER_SHARE * n:
            owner.add(addr)
    return owner


def read_ics(path, sn: Sniff, ctx) -> Parsed:
    """One iCalendar file: each occurrence of an event with other people is an interaction."""
    cal = _calendar(path, sn)
    events = list(cal.walk("VEVENT"))
    tz = ctx.tz
    calname = cal.get("X-WR-CALNAME")
    owner = detect_owner(events, str(calname) if calname else None, getattr(ctx, "me", ()))
    usable, overrides, masters, horizon, rejected = _usable_events(events, tz)
    inter_rows, people_rows, produced, why_not, capped = _occurrences(cal, usable, overrides, masters, horizon,
                                                                     owner, tz)
    for i, comp in usable.items():
        if i in produced:
            continue
        reason = why_not.get(i)
        if reason is None:
            start = _to_utc(_decoded(comp, "DTSTART"), tz)
            reason = ("no occurrence before the export horizon" if horizon is not None and start > horizon
                      else "no occurrence left after exceptions (EXDATE/RECURRENCE-ID)")
        rejected.append((i, reason, str(comp.get("SUMMARY", ""))[:200]))

    inter = frame(inter_rows, INTERACTION_COLUMNS)
    if len(inter):
        inter["timestamp"] = pd.to_datetime(inter["timestamp"], utc=True).astype("datetime64[ns, UTC]")
        inter["duration_minutes"] = inter["duration_minutes"].astype(float)
    # The owner is listed too, so the loader can name (and drop) them in every file.
    people_rows += [{"ref": o, "emails": [o], "first_seen": pd.NaT} for o in sorted(owner)]
    people = frame(people_rows, PEOPLE_COLUMNS).drop_duplicates("ref").reset_index(drop=True)
    return Parsed("ics_calendar", SOURCE, len(events), people, inter, frame(None, OUTCOME_COLUMNS),
                  rejected_frame(sorted(rejected)), owner=sorted(owner),
                  notes={"recurrences_capped": len(capped)} if capped else {})


def _calendar(path, sn: Sniff):
    """The parsed calendar; a cut-off export gets its END:VCALENDAR back (its complete events still count)."""
    import icalendar

    text = path.read_bytes().decode(sn.encoding, errors="replace")
    if "END:VCALENDAR" not in text[-4096:].upper():
        text = text.rstrip() + "\r\nEND:VCALENDAR\r\n"
    try:
        return icalendar.Calendar.from_ical(text)
    except Exception as exc:  # noqa: BLE001 - icalendar raises ValueError and friends on broken structure
        raise UserError(f"{path}: not a readable iCalendar file ({type(exc).__name__}); "
                        "expected BEGIN:VCALENDAR ... END:VCALENDAR") from None


def _usable_events(events: list, tz: str):
    """Events with a readable start, by row; the rest rejected with their reason.

    Returns ``(usable, overrides, masters, horizon, rejected)``: the usable
    events by row, the rows of RECURRENCE-ID overrides by (uid, recurrence id)
    and of series masters by uid, the export horizon (the latest start or
    DTSTAMP), and the rejected ``(row, reason, summary)``.
    """
    rejected: list[tuple[int, str, str]] = []
    usable: dict[int, object] = {}
    overrides: dict[tuple[str, str], int] = {}
    masters: dict[str, int] = {}
    horizon = None
    for i, comp in enumerate(events, start=1):
        uid = str(comp.get("UID", f"row{i}"))
        summary = str(comp.get("SUMMARY", ""))[:200]
        try:
            start = _decoded(comp, "DTSTART")
            if start is None:
                rejected.append((i, "event has no DTSTART", summary))
                continue
            start_utc = _to_utc(start, tz)
            end = _decoded(comp, "DTEND")
            if end is not None and _to_utc(end, tz) < start_utc:
                # recurring-ical-events would quietly repair this; a user should see it.
                rejected.append((i, "negative duration (DTEND before DTSTART)", summary))
                continue
            stamp = _decoded(comp, "DTSTAMP")
            for t in (start_utc, _to_utc(stamp, tz) if stamp is not None else None):
                if t is not None and (horizon is None or t > horizon):
                    horizon = t
            if comp.get("RECURRENCE-ID") is not None:
                overrides[(uid, _rid_key(comp.get("RECURRENCE-ID"), tz))] = i
            elif uid not in masters:
                masters[uid] = i
        except Exception as exc:  # noqa: BLE001 - a damaged date value rejects its own event only
            rejected.append((i, f"damaged event: {type(exc).__name__}: {exc}"[:200], summary))
            continue
        usable[i] = comp
    return usable, overrides, masters, horizon, rejected


def _occurrences(cal, usable: dict, overrides: dict, masters: dict, horizon, owner, tz: str):
    """Interaction and people rows of every occurrence up to a day after the horizon, each traced to its row.

    Returns ``(inter_rows, people_rows, produced, why_not, capped)``: the rows
    that produced an interaction, why others did not, the capped series.
    """
    inter_rows, people_rows = [], []
    produced: set[int] = set()
    why_not: dict[int, str] = {}
    capped: list[str] = []
    if not usable or horizon is None:
        return inter_rows, people_rows, produced, why_not, capped
    end = (horizon + pd.Timedelta(days=1)).date()
    window_start = max(pd.Timestamp(horizon).tz_convert("UTC") - LOOKBACK, pd.Timestamp("1900-01-01", tz="UTC"))
    for occ in _expand(cal, usable, end, why_not, window_start, capped):
        uid = str(occ.get("UID", ""))
        rid = occ.get("RECURRENCE-ID")
        row = overrides.get((uid, _rid_key(rid, tz))) if rid is not None else None
        if row is None:
            row = masters.get(uid)
        if row is None:
            continue
        try:
            if _occurrence(occ, row, uid, owner, tz, inter_rows, people_rows, why_not):
                produced.add(row)
        except Exception as exc:  # noqa: BLE001 - a damaged value (DURATION, DTEND) rejects its own event only
            why_not.setdefault(row, f"damaged event: {type(exc).__name__}: {exc}"[:200])
    return inter_rows, people_rows, produced, why_not, capped


def _expand(cal, usable: dict, end, why_not: dict, window_start, capped: list):
    """Occurrences of the usable events up to `end`, with recurring-ical-events.

    Single events are kept whatever their date. A recurring series yields its
    occurrences from `window_start` (10 years before the export) on, at most
    `MAX_OCCURRENCES` of them; series cut there are listed in `capped`.
    One damaged recurrence rule must not sink the file: a failing UID's rows
    are rejected with the library's message.
    """
    import icalendar

    def calendar_of(components):
        sub = icalendar.Calendar()
        for k in ("PRODID", "VERSION"):
            if cal.get(k) is not None:
                sub.add(k, cal.get(k))
        for tzc in cal.walk("VTIMEZONE"):
            sub.add_component(tzc)
        for comp in components:
            sub.add_component(comp)
        return sub

    by_uid: dict[str, list] = {}
    for i, comp in usable.items():
        by_uid.setdefault(str(comp.get("UID", f"row{i}")), []).append((i, comp))
    single = [c for items in by_uid.values() if not _recurring(items) for _, c in items]
    out = _single_events(calendar_of, single, end, by_uid, why_not)
    for items in by_uid.values():
        if not _recurring(items):
            continue
        try:
            out += _series(calendar_of(c for _, c in items), items, end, window_start, why_not, capped)
        except Exception as exc:  # noqa: BLE001 - one bad rule rejects its own rows only
            for i, _ in items:
                why_not.setdefault(i, f"damaged recurrence rule: {type(exc).__name__}: {exc}"[:200])
    return out


def _recurring(items) -> bool:
    return any(c.get("RRULE") is not None or c.get("RDATE") is not None for _, c in items)


def _single_events(calendar_of, single, end, by_uid, why_not) -> list:
    """Occurrences of the events that do not recur (all of them, whatever their date)."""
    import recurring_ical_events

    start = dt.date(1900, 1, 1)
    try:
        return list(recurring_ical_events.of(calendar_of(single)).between(start, end))
    except Exception:  # noqa: BLE001 - isolate the bad UID below
        pass
    out = []
    for uid in {str(c.get("UID", "")) for c in single}:
        items = by_uid.get(uid, [])
        try:
            out += list(recurring_ical_events.of(calendar_of(c for _, c in items)).between(start, end))
        except Exception as exc:  # noqa: BLE001
            for i, _ in items:
                why_not.setdefault(i, f"damaged event: {type(exc).__name__}: {exc}"[:200])
    return out


def _series(sub, items, end, window_start, why_not, capped) -> list:
    """One recurring UID's occurrences in [window_start, end): the latest MAX_OCCURRENCES of
    at most SCAN_OCCURRENCES; a sub-daily rule starting before the window is rejected."""
    import recurring_ical_events

    master = next((c for _, c in items if c.get("RECURRENCE-ID") is None), items[0][1])
    rule = master.get("RRULE")
    freq = str((rule.get("FREQ") or [""])[0]).upper() if rule is not None else ""
    first = _to_utc(master.decoded("DTSTART"), "UTC") if master.get("DTSTART") is not None else None
    if freq in SUB_DAILY and first is not None and first < window_start:
        for i, _ in items:
            why_not.setdefault(i, f"recurs {freq.lower()} from {first.date()}, before the 10 years "
                                  "before the export: not a series of meetings")
        return []
    stop = pd.Timestamp(end).tz_localize("UTC")
    query = recurring_ical_events.of(sub)
    span = (window_start.tz_localize(None).to_pydatetime(), stop.tz_localize(None).to_pydatetime())
    # Series yield lazily: keep the latest MAX_OCCURRENCES (nearest the export) and stop
    # looking after SCAN_OCCURRENCES, so a rule firing every second ends quickly.
    latest: deque = deque(maxlen=MAX_OCCURRENCES)
    seen = 0
    for series in query.series:
        for occ in series.between(*span):
            seen += 1
            if seen > SCAN_OCCURRENCES:
                break
            latest.append(occ)
    if seen > MAX_OCCURRENCES:
        capped.append(str(master.get("UID", "")))
    out = [occ.as_component(query.keep_recurrence_attributes) for occ in latest]
    if not out:
        for i, _ in items:
            why_not.setdefault(i, "no occurrence in the 10 years before the export")
    return out


def _occurrence(occ, row, uid, owner, tz, inter_rows, people_rows, why_not) -> bool:
    """Append the interactions of one occurrence (True), or remember why it yields none (False)."""
    if str(occ.get("STATUS", "")).upper() == "CANCELLED":
        why_not.setdefault(row, "cancelled event")
        return False
    org, people = _participants(occ)
    if org and _NOT_PEOPLE.search(org):
        org = None  # a shared calendar organised it: nobody in particular
    if not people:
        why_not.setdefault(row, "no attendees (a personal calendar entry)")
        return False
    if any(p[0] in owner and p[2].get("PARTSTAT", "").upper() == "DECLINED" for p in people):
        why_not.setdefault(row, "the owner declined")
        return False
    others = [p for p in people if p[0] not in owner and p[2].get("CUTYPE", "").upper() not in ("ROOM", "RESOURCE")
              and not _NOT_PEOPLE.search(p[0])]
    if not others:
        why_not.setdefault(row, "only the owner of the calendar takes part")
        return False
    going = [p for p in others if p[2].get("PARTSTAT", "").upper() != "DECLINED"]
    if not going:
        why_not.setdefault(row, "every attendee declined")
        return False
    start = occ.decoded("DTSTART")
    end = _decoded(occ, "DTEND")
    all_day = not isinstance(start, dt.datetime)
    start_utc = _to_utc(start, tz)
    if all_day:
        channel, minutes = "event", float("nan")
    else:
        if end is None:
            duration = _decoded(occ, "DURATION")
            end_utc = start_utc + pd.Timedelta(duration) if duration is not None else start_utc
        else:
            end_utc = _to_utc(end, tz)
        minutes = (end_utc - start_utc).total_seconds() / 60.0
        if minutes < 0:
            why_not.setdefault(row, "negative duration (DTEND before DTSTART)")
            return False
        channel = "call" if _CALL.search(str(occ.get("SUMMARY", ""))) else "meeting"
    direction = "outbound" if org in owner else ("inbound" if org else "mutual")
    if org and org not in owner and org not in {p[0] for p in going}:
        direction = "inbound"
    key_start = start_utc.isoformat()
    for email, name, _ in going:
        inter_rows.append({
            "ref": email, "timestamp": start_utc, "channel": channel, "direction": direction,
            "duration_minutes": minutes, "source_row": row, "natural_key": f"{uid}|{key_start}|{email}",
            "group_key": f"{uid}|{key_start}",
        })
        people_rows.append({"ref": email, "name": name if name and normalize_email(name) != email else None,
                            "emails": [email], "first_seen": pd.NaT})
    return True


register(Format("ics_calendar", SOURCE, _detect, read_ics, "BEGIN:VCALENDAR ... BEGIN:VEVENT (an iCalendar .ics file)"))

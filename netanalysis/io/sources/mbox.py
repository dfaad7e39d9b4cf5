"""Mail folders in mbox format (Gmail Takeout, Thunderbird, Apple Mail exports).

Read with the standard library's `mailbox` and `email` packages. One row is one
message. A message yields one interaction (channel "email", duration unknown,
so the channel default applies) per counterpart:

- sent by the owner (From is the owner, or Gmail's `X-Gmail-Labels` holds
  `Sent`): outbound, one interaction per To/Cc recipient other than the owner;
- received: inbound, one interaction with the sender (people merely copied on
  a message sent to the owner did not spend time with them).

Gmail chats exported into the mbox (label `Chat`) are channel "message".
Bulk mail is rejected with a reason: `List-Unsubscribe`, `Precedence: bulk`
(or list/junk), automatic senders (noreply@, no-reply@, donotreply@,
mailer-daemon@, postmaster@, notifications@), and Spam/Trash labels.
The owner is `--me`, else the most common From of Sent messages, else the
`Delivered-To` address of most messages, else the address taking part in
nearly every message (80% of at least three).
The natural key is the Message-ID and the counterpart, so a message that
appears in two exports (or in Sent and Inbox) is loaded once.
"""

from __future__ import annotations

import email.utils
import hashlib
import mailbox
import re
from collections import Counter
from email.header import Header, decode_header, make_header
from email.parser import BytesHeaderParser

import pandas as pd

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

SOURCE = "mail"
OWNER_SHARE = 0.8
_AUTOMATIC = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster|notifications?|bounces?)"
                        r"([+.\-_].*)?@", re.I)
_HEADER = re.compile(r"^(From|To|Date|Subject|Message-ID|Received|Return-Path|X-Gmail-Labels):", re.I | re.M)


def _detect(sn: Sniff) -> float:
    text = sn.text.lstrip("\ufeff\r\n")
    if text.startswith("From ") and len(_HEADER.findall(text[:20000])) >= 2:
        return 0.95
    return 0.0


def _raw_header(value) -> str:
    """A header as text; raw 8-bit bytes (UTF-8 addresses, RFC 6532) are decoded as UTF-8.

    The compat32 parser keeps such bytes as surrogate escapes, or returns a
    `Header` of "unknown-8bit" chunks; undo both.
    """
    if isinstance(value, Header):
        out = []
        for part, charset in decode_header(value):
            if isinstance(part, bytes):
                try:
                    part = part.decode("utf-8" if charset in (None, "unknown-8bit") else charset)
                except (UnicodeDecodeError, LookupError):
                    part = part.decode("cp1252", errors="replace")
            out.append(part)
        return "".join(out)
    text = str(value)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        return text.encode("utf-8", "surrogateescape").decode("cp1252", errors="replace")


def _text(value) -> str:
    """A header value with RFC 2047 encoded words decoded."""
    if value is None:
        return ""
    try:
        return str(make_header(decode_header(_raw_header(value))))
    except Exception:  # noqa: BLE001 - malformed encoded words raise several types: keep the raw text
        return _raw_header(value)


def _addresses(msg, *names) -> list[tuple[str, str]]:
    raw = [_raw_header(v) for n in names for v in (msg.get_all(n) or [])]
    out = []
    for name, addr in email.utils.getaddresses(raw):
        e = normalize_email(addr)
        if e:
            out.append((e, _text(name).strip().strip('"') or None))
    return out


def _labels(msg) -> set[str]:
    return {x.strip().lower() for x in _text(msg.get("X-Gmail-Labels")).split(",") if x.strip()}


def _owner(messages, me) -> set[str]:
    owner = {e for e in (normalize_email(m) for m in me) if e}
    if owner:
        return owner
    sent = Counter()
    seen = Counter()
    delivered = Counter()
    n = 0
    for msg in messages:
        frm = _addresses(msg, "From")
        if "sent" in _labels(msg) and frm:
            sent[frm[0][0]] += 1
        delivered.update({a for a, _ in _addresses(msg, "Delivered-To", "X-Original-To")})
        everyone = {a for a, _ in _addresses(msg, "From", "To", "Cc")}
        if everyone:
            n += 1
            seen.update(everyone)
    if sent:
        return {sent.most_common(1)[0][0]}
    if delivered and delivered.most_common(1)[0][1] >= 0.5 * max(n, 1):
        # Gmail and most servers stamp received mail with the mailbox's own address.
        return {delivered.most_common(1)[0][0]}
    if n >= 3 and seen:
        addr, count = seen.most_common(1)[0]
        if count >= OWNER_SHARE * n:
            return {addr}
    return set()


def _bulk_reason(msg, sender: str | None) -> str | None:
    labels = _labels(msg)
    if labels & {"spam", "trash"}:
        return "spam or trash"
    if msg.get("List-Unsubscribe") is not None or msg.get("List-Id") is not None:
        return "bulk mail (mailing list)"
    if str(msg.get("Precedence", "")).strip().lower() in ("bulk", "list", "junk"):
        return "bulk mail (Precedence)"
    if sender and _AUTOMATIC.match(sender):
        return "automatic no-reply sender"
    return None


def read_mbox(path, sn: Sniff, ctx) -> Parsed:
    box = mailbox.mbox(str(path), create=False)
    parser = BytesHeaderParser()

    def messages():
        # Headers only, one message at a time: a Takeout mbox can be gigabytes.
        for key in box.iterkeys():
            with box.get_file(key) as fh:
                yield parser.parse(fh)

    try:
        owner = _owner(messages(), getattr(ctx, "me", ()))
        rows = _rows(messages(), owner, ctx)
    finally:
        box.close()
    return rows


def _rows(messages, owner, ctx) -> Parsed:
    inter, people, rejected = [], [], []
    n_rows = 0
    for row, msg in enumerate(messages, start=1):
        n_rows = row
        subject = _text(msg.get("Subject"))[:200]
        frm = _addresses(msg, "From")
        sender = frm[0][0] if frm else None
        reason = _bulk_reason(msg, sender)
        if reason:
            rejected.append((row, reason, f"{sender or ''} {subject}"))
            continue
        when = None
        try:
            when = email.utils.parsedate_to_datetime(str(msg.get("Date", "")))
        except (TypeError, ValueError, IndexError):
            when = None
        if when is None:
            rejected.append((row, "unparseable Date header", subject))
            continue
        ts = pd.Timestamp(when)
        ts = (ts.tz_localize(ctx.tz) if ts.tzinfo is None else ts).tz_convert("UTC")
        labels = _labels(msg)
        outbound = (sender in owner) if sender else ("sent" in labels)
        if "sent" in labels:
            outbound = True
        if outbound:
            counterparts = [(a, n) for a, n in _addresses(msg, "To", "Cc") if a not in owner]
        else:
            counterparts = [(a, n) for a, n in frm if a not in owner]
        counterparts = list(dict(counterparts).items())
        if not counterparts:
            why = "no sender or recipient" if not sender else "only the owner of the mailbox takes part"
            rejected.append((row, why, subject))
            continue
        mid = str(msg.get("Message-ID", "")).strip().strip("<>")
        if not mid:
            mid = "sha1:" + hashlib.sha1(f"{sender}|{ts.isoformat()}|{subject}".encode()).hexdigest()
        channel = "message" if "chat" in labels else "email"
        for addr, name in counterparts:
            inter.append({"ref": addr, "timestamp": ts, "channel": channel,
                          "direction": "outbound" if outbound else "inbound", "duration_minutes": float("nan"),
                          "source_row": row, "natural_key": f"{mid}|{addr}", "group_key": mid})
            people.append({"ref": addr, "name": name, "emails": [addr], "first_seen": pd.NaT})
    people += [{"ref": o, "emails": [o], "first_seen": pd.NaT} for o in sorted(owner)]
    it = frame(inter, INTERACTION_COLUMNS)
    if len(it):
        it["timestamp"] = pd.to_datetime(it["timestamp"], utc=True).astype("datetime64[ns, UTC]")
        it["duration_minutes"] = it["duration_minutes"].astype(float)
    pe = frame(people, PEOPLE_COLUMNS)
    # Prefer a record that carries a display name for each address.
    pe = pe.sort_values("name", na_position="last", kind="stable").drop_duplicates("ref").reset_index(drop=True)
    return Parsed("mbox", SOURCE, n_rows, pe, it, frame(None, OUTCOME_COLUMNS), rejected_frame(rejected),
                  owner=sorted(owner))


register(Format("mbox", SOURCE, _detect, read_mbox, "an mbox mail folder: 'From ' separator lines, then From:, To:, Date: headers"))

"""LinkedIn ``messages.csv`` (2021 and 2025 layouts) and the 2018 ``Messages.csv``.

2025: ``CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,
DATE,SUBJECT,CONTENT,FOLDER[,ATTACHMENTS,IS MESSAGE DRAFT]``; 2021 has no ``RECIPIENT PROFILE
URLS``; 2018 is ``From,To,Date,Subject,Content,Direction,Folder``. Content spans lines;
several recipients share one comma-joined cell (one interaction per counterpart);
``LinkedIn Member`` senders have no URL; sponsored, draft and system rows (no
sender or recipient) are rejected with a reason. The owner of the export is the
participant in nearly every conversation (or the person named with ``--me``);
a message is outbound when the owner sent it, inbound otherwise.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from netanalysis.io.identity import fold
from netanalysis.io.sources.base import Format, Parsed, Sniff
from netanalysis.io.sources.linkedin import (
    SOURCE,
    UNKNOWN_MEMBER,
    _counterpart_file,
    _direction_of,
    _list,
    _parsed,
    _read,
)
from netanalysis.io.sources.people import column, find_header, owner_keys, parse_dates, person_ref, text_hash
from netanalysis.io.sources.registry import register

MESSAGES_REQUIRED = {"conversation id", "from", "to", "date"}
MESSAGES_2018 = {"from", "to", "date", "subject", "content", "direction", "folder"}


def detect_messages(sn: Sniff) -> float:
    if find_header(sn, MESSAGES_REQUIRED) is not None:
        return 0.95
    if find_header(sn, MESSAGES_2018) is not None:
        return 0.9
    return 0.0


def _split_people(names, urls, conv) -> list[tuple[str, str | None, str | None]]:
    """Recipients of one message: (ref, name, url) per person in comma-joined cells."""
    return [_member(conv) if p is None else p for p in _recipients(names, urls)]


@functools.lru_cache(maxsize=1 << 16)
def _recipients(names, urls) -> tuple:
    """Names and URLs paired when their counts agree; a single URL keeps the whole
    name cell (names such as ``Ann Lee, PhD`` hold commas). Cached: the same
    recipient cells repeat in every message of a conversation.
    """
    url_list = [u.strip() for u in urls.split(",") if u.strip()] if isinstance(urls, str) else []
    name_cell = names.strip() if isinstance(names, str) else ""
    name_list = [n.strip() for n in name_cell.split(",") if n.strip()] if name_cell else []
    if url_list:
        if len(url_list) == 1:
            pairs = [(name_cell or None, url_list[0])]
        elif len(url_list) == len(name_list):
            pairs = list(zip(name_list, url_list))
        else:
            pairs = [(None, u) for u in url_list]
    else:
        pairs = [(n, None) for n in name_list]
    return tuple(_known_participant(n, u) for n, u in pairs)


def _participant(name, url, conv) -> tuple[str, str | None, str | None]:
    p = _known_participant(name, url)
    return _member(conv) if p is None else p


def _member(conv) -> tuple[str, None, None]:
    # "LinkedIn Member" is a member LinkedIn no longer names (left or hidden):
    # one unknown person per conversation, never merged across conversations.
    return ("member:" + str(conv), None, None)


@functools.lru_cache(maxsize=1 << 17)
def _known_participant(name, url):
    """(ref, name, url), or None for an unnamed "LinkedIn Member" without a URL."""
    has_url = isinstance(url, str) and bool(url.strip())
    if not has_url and isinstance(name, str) and name.strip().lower() == UNKNOWN_MEMBER:
        return None
    return (person_ref(url, name), name, url if has_url else None)


def _detect_owner(parts: pd.DataFrame, me: set[str], sent_senders: pd.Series) -> str | None:
    """The participant in (nearly) every conversation: the person who exported the file.

    `parts` has one row per (conversation, participant ref). ``--me`` decides alone; else
    the participant seen in at least 80% of the conversations and strictly more
    than anyone else; on a tie, the usual sender of the SENT folder.
    """
    if parts.empty:
        return None
    if me:  # --me is the whole truth: no guessing, even when it names nobody in this file
        stated = [k for k in parts["ref"].unique() if k in me]
        return stated[0] if stated else None
    n_conv = parts["conv"].nunique()
    counts = parts.drop_duplicates().groupby("ref")["conv"].nunique().sort_values(ascending=False, kind="stable")
    top = counts.index[0]
    if counts.iloc[0] >= 0.8 * n_conv and (len(counts) == 1 or counts.iloc[0] > counts.iloc[1]):
        return top
    tied = set(counts.index[counts == counts.iloc[0]])
    if len(sent_senders.dropna()):
        s = sent_senders.dropna().mode().iloc[0]
        if s in tied and counts.iloc[0] >= 0.8 * n_conv:
            return s
    return None


def read_messages(path, sn: Sniff, ctx) -> Parsed:
    """LinkedIn messages.csv: one interaction per message and counterpart (2018 layout handed on)."""
    if find_header(sn, MESSAGES_REQUIRED) is None:
        return _read_messages_2018(path, sn, ctx)
    t = _read(path, sn, MESSAGES_REQUIRED)
    r = t.rows
    conv = column(r, "CONVERSATION ID")
    sender_name, sender_url = column(r, "FROM"), column(r, "SENDER PROFILE URL")
    to_names, to_urls = column(r, "TO"), column(r, "RECIPIENT PROFILE URLS")
    ts = parse_dates(column(r, "DATE"), ctx.tz)
    folder = column(r, "FOLDER").fillna("").str.upper()
    reason = _rejection_reasons(r, ts, folder, sender_name, sender_url, to_names, to_urls)
    ok = reason.isna()

    senders = [_participant(n if isinstance(n, str) else None, u if isinstance(u, str) else None, c)
               for n, u, c in zip(_list(sender_name[ok]), _list(sender_url[ok]), _list(conv[ok]))]
    recipients = [_split_people(n, u, c) for n, u, c in zip(_list(to_names[ok]), _list(to_urls[ok]), _list(conv[ok]))]
    senders, recipients, unique_url = _with_known_urls(senders, recipients)
    rows_ok = r.loc[ok, "__row__"].to_numpy()
    conv_ok = conv[ok].fillna("").to_numpy()

    part_conv, part_ref = [], []
    for c, s, rec in zip(conv_ok, senders, recipients):
        for p in [s, *rec]:
            if p[0]:
                part_conv.append(c); part_ref.append(p[0])
    parts = pd.DataFrame({"conv": part_conv, "ref": part_ref})
    sent = pd.Series([s[0] for s, f in zip(senders, _list(folder[ok])) if f == "SENT"], dtype=object)
    owner = _detect_owner(parts, owner_keys(ctx.me), sent)

    i_ref, i_dir, i_row, i_pos, people, owner_only = _counterparts(senders, recipients, rows_ok, owner)
    ts_ok = ts[ok].dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy()
    digest = text_hash(column(r, "CONTENT")[ok]).to_numpy()
    send_key = np.array([s[0] or "" for s in senders], dtype=object)
    pos = np.asarray(i_pos, dtype="int64")
    # One message (every recipient of it) shares a group key; each counterpart gets its own record.
    group = (pd.Series(conv_ok[pos], dtype=object) + "|" + pd.Series(ts_ok[pos], dtype=object) + "|"
             + pd.Series(send_key[pos], dtype=object) + "|" + pd.Series(digest[pos], dtype=object))
    key = group + "|" + pd.Series(i_ref, dtype=object)
    inter = pd.DataFrame({"ref": i_ref, "timestamp": ts[ok].to_numpy()[pos] if len(pos) else [],
                          "channel": "message", "direction": i_dir, "duration_minutes": np.nan,
                          "source_row": i_row, "natural_key": key.to_numpy(), "group_key": group.to_numpy()})
    if owner_only:
        idx = r.index[r["__row__"].isin(owner_only)]
        reason.loc[idx] = "only the owner of the exports takes part"
    owner_ids = _owner_identity(owner, senders, recipients)
    pe = _message_people(people, owner, owner_ids, unique_url)
    return _parsed("linkedin_messages", t, reason, pe, inter, owner_ids)


def _rejection_reasons(r: pd.DataFrame, ts: pd.Series, folder: pd.Series, sender_name, sender_url,
                       to_names, to_urls) -> pd.Series:
    """Why each row is rejected (NA for rows kept): no date, a draft, a sponsored or a system message."""
    title = column(r, "CONVERSATION TITLE").fillna("").str.lower()
    draft = column(r, "IS MESSAGE DRAFT").fillna("").str.lower().isin(["yes", "true", "1"])
    reason = pd.Series(pd.NA, index=r.index, dtype=object)
    reason = reason.mask(ts.isna(), "unparseable DATE")
    reason = reason.mask(draft, "draft message, never sent")
    sponsored = folder.str.contains("SPONSORED") | title.str.contains("sponsored", regex=False)
    reason = reason.mask(sponsored, "sponsored conversation (advertising), excluded")
    system = (sender_name.isna() & sender_url.isna()) | (to_names.isna() & to_urls.isna())
    return reason.mask(system, "system row without sender or recipient")


def _with_known_urls(senders: list, recipients: list):
    """Senders and recipients with a name's profile URL filled in where this file has exactly one for it.

    Recipients often have no URL (2021 layout) while the same person as a
    sender has one. Returns the upgraded senders and recipients and the
    unambiguous URL of each folded name.
    """
    by_name: dict[str, set] = {}
    for p in set(senders + [q for rec in recipients for q in rec]):
        if p[2] and p[1]:
            by_name.setdefault(fold(p[1]), set()).add(p[2])
    unique_url = {k: next(iter(v)) for k, v in by_name.items() if len(v) == 1}

    def upgrade(p):
        if p[2] is None and p[1]:
            u = unique_url.get(fold(p[1]))
            if u:
                return (person_ref(u, p[1]), p[1], u)
        return p

    return [upgrade(p) for p in senders], [[upgrade(p) for p in rec] for rec in recipients], unique_url


def _counterparts(senders: list, recipients: list, rows_ok, owner):
    """Each message's counterparts: the owner's recipients, the sender of a message to the owner, or all.

    Returns the interaction refs, directions, source rows and message
    positions, the people by ref, and the rows whose only party is the owner.
    """
    i_ref, i_dir, i_row, i_pos = [], [], [], []
    people: dict[str, tuple] = {}
    owner_only = []
    for pos, (s, rec, row) in enumerate(zip(senders, recipients, rows_ok)):
        if owner is not None and s[0] == owner:
            others, direction = [p for p in rec if p[0] and p[0] != owner], "outbound"
        elif owner is not None:
            others, direction = [s] if s[0] else [], "inbound"
        else:
            others, direction = [p for p in [s, *rec] if p[0]], "unknown"
        if not others:
            owner_only.append(row)
        for p in {p[0]: p for p in others}.values():
            i_ref.append(p[0]); i_dir.append(direction); i_row.append(row); i_pos.append(pos)
            if p[0] not in people or (people[p[0]][1] is None and p[1]):
                people[p[0]] = p
    return i_ref, i_dir, i_row, i_pos, people, owner_only


def _message_people(people: dict, owner, owner_ids: list, unique_url: dict) -> pd.DataFrame:
    """The people frame: every counterpart, the owner, and a name-keyed alias of each name with one URL."""
    if owner is not None:
        # The owner as a person record too, so the loader reports which contact id is the owner.
        people[owner] = (owner, next((x for x in owner_ids if "/" not in x), None),
                         next((x for x in owner_ids if "/" in x), None))
    # Connections.csv of 2021-2023 has no URL column, so its people are keyed by name. A name
    # that has exactly one profile URL in this file is linked to it, so a connection and
    # the messages with that person become one contact (LinkedIn refs share one namespace).
    for ref, name, url in list(people.values()):
        if url and name and ref != owner and unique_url.get(fold(name)) == url:
            name_ref = person_ref(None, name)
            people.setdefault(name_ref, (name_ref, name, url))
    return pd.DataFrame([{"ref": k, "name": n, "emails": [], "linkedin_url": u} for k, n, u in people.values()],
                        columns=["ref", "name", "emails", "linkedin_url"])


def _owner_identity(owner, senders, recipients) -> list[str]:
    """Name and profile URL of the detected owner, for the loader's owner rule."""
    if owner is None:
        return []
    for p in senders + [q for rec in recipients for q in rec]:
        if p[0] == owner:
            return [x for x in (p[2], p[1]) if x]
    return []


def _read_messages_2018(path, sn: Sniff, ctx) -> Parsed:
    """2018 ``Messages.csv``: no conversation id, a Direction column names the counterpart."""
    t = _read(path, sn, MESSAGES_2018)
    r = t.rows
    sender, to = column(r, "From"), column(r, "To")
    direction = _direction_of(column(r, "Direction"))
    counterpart = sender.where(direction == "inbound", to)
    owner_name = to.where(direction == "inbound", sender).where(direction != "unknown")
    ts = parse_dates(column(r, "Date"), ctx.tz)
    extra = sender.fillna("") + ">" + to.fillna("") + "|" + text_hash(column(r, "Content"))
    unknown_member = counterpart.fillna("").map(fold) == UNKNOWN_MEMBER
    reason_sys = (sender.isna() | to.isna())
    name = counterpart.mask(unknown_member | reason_sys, pd.NA)
    parsed = _counterpart_file(
        "linkedin_messages_2018", t, ctx, name=name, url=pd.Series(pd.NA, index=r.index, dtype="string"), ts=ts,
        direction=direction, channel="message", key_extra=extra, owner_names=owner_name, date_label="Date")
    # System rows (no sender or recipient) and unnamed members are rejected with their own reason.
    rej = parsed.rejected
    rows_sys = set(r.loc[reason_sys, "__row__"].astype(int))
    rows_member = set(r.loc[unknown_member & ~reason_sys, "__row__"].astype(int))
    rej.loc[rej["source_row"].isin(rows_sys), "reason"] = "system row without sender or recipient"
    rej.loc[rej["source_row"].isin(rows_member), "reason"] = "sender is an unnamed LinkedIn Member (no profile URL)"
    return parsed



register(Format("linkedin_messages", SOURCE, detect_messages, read_messages,
                "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,"
                "CONTENT,FOLDER"))

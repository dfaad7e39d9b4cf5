"""The canonical CSV format of DESIGN.md (contacts, interactions, outcomes)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from netanalysis.dates import to_utc, within_range
from netanalysis.errors import UserError
from netanalysis.io.arrow_text import arrow_strings
from netanalysis.io.hashing import key_hashes
from netanalysis.io.money import parse_money
from netanalysis.io.sources.base import (
    INTERACTION_COLUMNS,
    OUTCOME_COLUMNS,
    PEOPLE_COLUMNS,
    Format,
    Parsed,
    Sniff,
    clean,
    frame,
    header_fields,
    rejected_frame,
)
from netanalysis.io.sources.fastcsv import read_table
from netanalysis.io.sources.registry import register
from netanalysis.io.vocabulary import CHANNELS, DIRECTIONS, OUTCOME_KINDS, OUTCOME_STATUSES

SOURCE = "canonical"
EMAIL_LIKE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
BLANK_OUTCOME = "no outcome recorded on this row (timestamp and kind empty)"


def _header(sn: Sniff) -> set[str]:
    first = next((ln for ln in sn.lines if ln.strip()), "")
    return {c.lower() for c in header_fields(first)}


def _score(required: set[str], optional: set[str], forbidden: set[str] = frozenset(), min_known: int = 1):
    """Detection by the columns the reader needs; `min_known` columns of the format must be
    there (a lone contact_id among unknown columns is not a contacts table)."""
    def detect(sn: Sniff) -> float:
        cols = _header(sn)
        if cols & forbidden or len(cols & (required | optional)) < min_known:
            return 0.0
        # Extra columns are allowed only if all required ones are there.
        if not cols <= (required | optional) and len(cols & required) < len(required):
            return 0.0
        hit = len(cols & required) / len(required)
        if hit == 1:
            return 0.95
        return 0.6 if hit >= 0.6 and "contact_id" in cols else 0.0
    return detect


def _require(table, path, required: list[str]):
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise UserError(f"{path}: missing required column {', '.join(missing)} (canonical {'/'.join(required)} file)")


def _lower_columns(table):
    table.rows.columns = [c if c == "__row__" else c.strip().lower() for c in table.rows.columns]
    table.columns = [c.strip().lower() for c in table.columns]
    return table


def _person_from_ref(refs: pd.Series) -> pd.DataFrame:
    """Every contact_id an interaction names is a person; an e-mail id is an e-mail."""
    distinct = pc.unique(pc.drop_null(arrow_strings(refs)))  # in order of first appearance
    ref = pd.Series(pd.arrays.ArrowStringArray(distinct), dtype="string")
    emails = np.empty(len(ref), dtype=object)
    emails[:] = [[] for _ in range(len(ref))]
    is_email = pc.fill_null(pc.match_substring_regex(distinct, EMAIL_LIKE), False).to_numpy(zero_copy_only=False)
    if is_email.any():
        for i, e in zip(np.flatnonzero(is_email), pc.utf8_lower(pc.filter(distinct, pa.array(is_email))).to_pylist()):
            emails[i] = [e]
    return frame(pd.DataFrame({"ref": ref, "emails": emails}), PEOPLE_COLUMNS)


_ISO_TIME = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
_ISO_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def _times(raw: pd.Series, tz: str) -> pd.Series:
    """`to_utc`, with a vectorised path for the ISO 8601 times canonical files hold.

    When every given value is strict ISO 8601 and parses, the result equals
    `to_utc`'s (offsets kept, naive times read in `tz`); otherwise `to_utc` decides.
    """
    s = raw.astype("string[pyarrow]").str.strip()
    fast = _arrow_times(s, tz)
    if fast is not None:
        return fast
    given = (s != "").fillna(False).to_numpy(dtype=bool)
    iso = s.str.fullmatch(_ISO_TIME).fillna(False).to_numpy(dtype=bool)
    if not iso[given].all():
        return to_utc(raw, tz)
    offset = s.str.contains(_ISO_OFFSET).fillna(False).to_numpy(dtype=bool) & given
    naive = given & ~offset
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    if offset.any():
        out[offset] = within_range(pd.to_datetime(s[offset], format="ISO8601", utc=True, errors="coerce"))
    if naive.any():
        parsed = within_range(pd.to_datetime(s[naive], format="ISO8601", errors="coerce"))
        if tz == "UTC":
            out[naive] = parsed.dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
        else:
            out[naive] = to_utc(raw[naive], tz)  # zone rules (gaps, folds) as to_utc applies them
    if out[given].isna().any():
        return to_utc(raw, tz)
    return out


def _arrow_times(s: pd.Series, tz: str) -> pd.Series | None:
    """Arrow's ISO 8601 parser, when it reads every given value: all with an offset (``Z``,
    ``+02:00``), or all without one in a UTC load. None when it cannot (the caller decides)."""
    text = pa.array(s.array)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    for kind in (pa.timestamp("ns", tz="UTC"), pa.timestamp("ns")):
        if kind.tz is None and tz != "UTC":
            return None  # naive times in another zone: zone rules (gaps, folds) as to_utc applies them
        try:
            parsed = pc.cast(text, kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        out = pd.Series(pd.Series(parsed.to_pandas()).array, index=s.index)  # positions, not labels
        return out if kind.tz else out.dt.tz_localize("UTC")
    return None


_DECIMAL = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def _numbers(text: pd.Series) -> pd.Series:
    """`pd.to_numeric(text, errors="coerce")` as float; pyarrow's cast when every given value is plain decimal."""
    arr = pa.array(text.array)
    if pc.all(pc.match_substring_regex(arr, _DECIMAL), skip_nulls=True).as_py() is not False:
        return pd.Series(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), index=text.index)
    return pd.to_numeric(text, errors="coerce").astype(float)


def read_contacts(path, sn: Sniff, ctx) -> Parsed:
    t = _lower_columns(read_table(path, sn.encoding))
    _require(t, path, ["contact_id"])
    r = t.rows
    cid = clean(r["contact_id"])
    bad = list(t.bad)
    missing = cid.isna()
    bad += [(int(n), "missing contact_id", "") for n in r.loc[missing, "__row__"]]
    r, cid = r[~missing], cid[~missing]
    email = clean(r["email"]).str.lower() if "email" in r else pd.Series(pd.NA, index=r.index, dtype="string")
    id_is_email = cid.str.match(EMAIL_LIKE).fillna(False).to_numpy(dtype=bool)
    # Each row's e-mails: the email column and an e-mail used as the id, once each, sorted.
    first = email.to_numpy(dtype=object, na_value=None)
    second = np.where(id_is_email, cid.str.lower().to_numpy(dtype=object, na_value=None), None)
    emails = [[] if a is None and b is None else [a or b] if a is None or b is None or a == b else sorted((a, b))
              for a, b in zip(first.tolist(), second.tolist())]
    people = pd.DataFrame({
        "ref": cid.to_numpy(),
        "name": clean(r["name"]).to_numpy() if "name" in r else pd.NA,
        "emails": emails,
        "company": clean(r["company"]).to_numpy() if "company" in r else pd.NA,
        "title": clean(r["title"]).to_numpy() if "title" in r else pd.NA,
        "linkedin_url": clean(r["linkedin_url"]).to_numpy() if "linkedin_url" in r else pd.NA,
        "source_row": r["__row__"].to_numpy(),
        "record_key": ("contact|" + cid).to_numpy(),
    })
    return Parsed("canonical_contacts", SOURCE, t.rows_read, frame(people, PEOPLE_COLUMNS),
                  frame(None, INTERACTION_COLUMNS), frame(None, OUTCOME_COLUMNS), rejected_frame(bad))


# Rows parsed at a time, so the intermediate columns of a large file never all exist at once.
PARSE_CHUNK = 1_000_000
PARALLEL_MIN_ROWS = 100_000  # smaller files are parsed in one block


def read_interactions(path, sn: Sniff, ctx) -> Parsed:
    t = _lower_columns(read_table(path, sn.encoding))
    _require(t, path, ["contact_id", "timestamp", "channel"])
    rows = t.rows
    # Blocks of rows on two threads: most of the work is in pyarrow kernels, which release the GIL.
    block = min(PARSE_CHUNK, max(PARALLEL_MIN_ROWS, -(-len(rows) // 2)))
    starts = range(0, max(len(rows), 1), block)
    blocks = [rows.iloc[lo:lo + block] for lo in starts]
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(lambda b: _interaction_rows(b, ctx.tz), blocks))
    rows_read, bad = t.rows_read, list(t.bad)
    del t, rows, blocks
    inter = pd.concat([p[0] for p in parts], ignore_index=True) if len(parts) > 1 else parts[0][0]
    rejected = bad + [x for p in parts for x in p[1]]
    del parts
    return Parsed("canonical_interactions", SOURCE, rows_read, _person_from_ref(inter["ref"]),
                  frame(inter, INTERACTION_COLUMNS), frame(None, OUTCOME_COLUMNS), rejected_frame(rejected))


def _interaction_rows(r: pd.DataFrame, tz: str) -> tuple[pd.DataFrame, list]:
    """Interactions and (row, reason, raw) rejects of one block of rows."""
    reason = pd.Series(pd.NA, index=r.index, dtype="string")
    cid = clean(r["contact_id"])
    ts = _times(r["timestamp"], tz)
    channel = clean(r["channel"]).str.lower()
    direction = clean(r["direction"]).str.lower().fillna("unknown") if "direction" in r else pd.Series("unknown", index=r.index, dtype="string")
    dur_raw = clean(r["duration_minutes"]) if "duration_minutes" in r else pd.Series(pd.NA, index=r.index, dtype="string")
    duration = _numbers(dur_raw)
    reason = reason.mask(reason.isna() & dur_raw.notna() & duration.isna(), "duration_minutes is not a number")
    reason = reason.mask(reason.isna() & (duration < 0).fillna(False), "negative duration_minutes")
    reason = reason.mask(reason.isna() & ~direction.isin(DIRECTIONS), "unknown direction")
    reason = reason.mask(reason.isna() & ~channel.isin(CHANNELS).fillna(False), "unknown channel")
    reason = reason.mask(reason.isna() & ts.isna(), "unparseable timestamp: not a date and time in 1900-2100")
    reason = reason.mask(cid.isna(), "missing contact_id")
    bad = reason.notna()
    raw = r.loc[bad].drop(columns="__row__").astype(str).agg(",".join, axis=1) if bad.any() else pd.Series([], dtype=str)
    rejected = list(zip(r.loc[bad, "__row__"].astype(int), reason[bad], raw))
    ok = ~bad
    ts_ok = ts[ok]
    # The same contact, second, channel, direction and duration text is the same interaction.
    key = pd.Series(key_hashes(cid[ok], ts_ok.dt.floor("s"), channel[ok], direction[ok], dur_raw[ok]), index=ts_ok.index)
    inter = pd.DataFrame({  # arrow-backed columns stay arrow-backed (no 1M Python strings)
        "ref": cid[ok], "timestamp": ts_ok, "channel": channel[ok],
        "direction": direction[ok], "duration_minutes": duration[ok].astype(float),
        "source_row": r.loc[ok, "__row__"], "natural_key": key,
        # a Series, not an array: an array of NA objects would be inspected value by value (holding the GIL)
        "group_key": (clean(r["group_key"]) if "group_key" in r else pd.Series(pd.NA, index=r.index, dtype="string"))[ok],
    })
    inter["timestamp"] = pd.to_datetime(inter["timestamp"], utc=True)
    return inter, rejected


def read_outcomes(path, sn: Sniff, ctx) -> Parsed:
    t = _lower_columns(read_table(path, sn.encoding))
    _require(t, path, ["timestamp", "kind"])
    if "contact_id" not in t.columns and "account" not in t.columns:
        raise UserError(f"{path}: missing required column contact_id or account (canonical outcomes file)")
    r = t.rows
    empty = pd.Series(pd.NA, index=r.index, dtype="string")
    cid = clean(r["contact_id"]) if "contact_id" in r else empty
    account = clean(r["account"]) if "account" in r else empty
    ts = to_utc(r["timestamp"], ctx.tz)
    kind = clean(r["kind"]).str.lower()
    status = clean(r["status"]).str.lower().fillna("won") if "status" in r else pd.Series("won", index=r.index, dtype="string")
    value_raw = clean(r["value"]) if "value" in r else empty
    value, value_why = parse_money(value_raw, "value", plain_decimal=True)
    currency = clean(r["currency"]).str.upper() if "currency" in r else empty
    opened_raw = clean(r["opened_at"]) if "opened_at" in r else empty
    opened = to_utc(opened_raw.fillna(""), ctx.tz)
    reason = pd.Series(pd.NA, index=r.index, dtype="string")
    reason = reason.mask(opened_raw.notna() & opened.isna(), "unparseable opened_at")
    reason = reason.mask(reason.isna() & (opened > ts).fillna(False), "opened_at is after timestamp")
    reason = reason.mask(reason.isna() & value_why.notna(), value_why)
    reason = reason.mask(reason.isna() & ~status.isin(OUTCOME_STATUSES).fillna(False), "unknown status")
    reason = reason.mask(reason.isna() & ~kind.isin(OUTCOME_KINDS).fillna(False), "unknown kind")
    reason = reason.mask(reason.isna() & ts.isna(), "unparseable timestamp: not a date and time in 1900-2100")
    reason = reason.mask(cid.isna() & account.isna(), "missing contact_id and account")
    # an outcomes_template.csv row nobody filled in: say so rather than "unknown kind"
    status_raw = clean(r["status"]) if "status" in r else empty
    blank = clean(r["timestamp"]).isna() & kind.isna() & status_raw.isna() & value_raw.isna() & opened_raw.isna()
    reason = reason.mask(blank & (cid.notna() | account.notna()), BLANK_OUTCOME)
    bad = reason.notna()
    raw = r.loc[bad].drop(columns="__row__").astype(str).agg(",".join, axis=1) if bad.any() else pd.Series([], dtype=str)
    rejected = list(t.bad) + list(zip(r.loc[bad, "__row__"].astype(int), reason[bad], raw))
    ok = ~bad
    key = (cid[ok].fillna("") + "|" + account[ok].fillna("") + "|" + ts[ok].dt.strftime("%Y-%m-%dT%H:%M:%S")
           + "|" + kind[ok] + "|" + status[ok] + "|" + value_raw[ok].fillna(""))
    out = pd.DataFrame({
        "ref": cid[ok].to_numpy(), "account": account[ok].to_numpy(), "timestamp": ts[ok].to_numpy(),
        "kind": kind[ok].to_numpy(), "status": status[ok].to_numpy(), "value": value[ok].astype(float).to_numpy(),
        "currency": currency[ok].to_numpy(), "source_row": r.loc[ok, "__row__"].to_numpy(), "natural_key": key.to_numpy(),
        "group_key": (clean(r.loc[ok, "group_key"]) if "group_key" in r else empty[ok]).to_numpy(),
        "opened_at": opened[ok].to_numpy(),
    })
    out["timestamp"] = pd.to_datetime(out["timestamp"], utc=True)
    out["opened_at"] = pd.to_datetime(out["opened_at"], utc=True)
    return Parsed("canonical_outcomes", SOURCE, t.rows_read, _person_from_ref(out["ref"]),
                  frame(None, INTERACTION_COLUMNS), frame(out, OUTCOME_COLUMNS), rejected_frame(rejected))


register(Format("canonical_contacts", SOURCE,
                _score({"contact_id"}, {"name", "email", "company", "title", "linkedin_url"}, {"timestamp"}, min_known=2),
                read_contacts, "contact_id,name,email,company,title,linkedin_url"))
register(Format("canonical_interactions", SOURCE,
                _score({"contact_id", "timestamp", "channel"}, {"direction", "duration_minutes", "group_key"}),
                read_interactions, "contact_id,timestamp,channel,direction,duration_minutes"))
register(Format("canonical_outcomes", SOURCE,
                _score({"timestamp", "kind"}, {"contact_id", "account", "status", "value", "currency", "group_key",
                                               "opened_at"}),
                read_outcomes, "contact_id,account,timestamp,kind,status,value,currency[,opened_at]"))

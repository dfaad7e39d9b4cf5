"""Parsing timestamps and the `as_of` cut-off, all to tz-aware UTC.

The cut-off is text only where a run starts. The entry points (the CLI, the
report runner, a notebook's :func:`netanalysis.report.session.open_report_data`,
`Dataset.until` / `Dataset.panel`, and the report history reading an earlier
report's summary) turn the text into a pd.Timestamp once, with :func:`parse_as_of`.
Everything below them (`netanalysis.analysis`, `netanalysis.panel`,
`netanalysis.plots`) takes ``as_of: pd.Timestamp | None`` and goes through
:func:`as_timestamp`: None means the data's last record, a Timestamp is put in
UTC, and anything else, text included, raises TypeError (text is never parsed
twice, so a bare date cannot mean two instants).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from netanalysis.errors import UserError

DAYS_PER_MONTH = 30.4375
# A time that carries its offset: +02:00, +0200, Z, UTC, GMT at the end, or a short
# +02 / lower-case z right after a time of day (not the -07 that ends a date).
_OFFSET = r"(?:[+-]\d\d:?\d\d|Z|UTC|GMT)\s*$|(?:T\d{1,2}|:\d\d(?:[.,]\d+)?)\s*(?:[+-]\d\d|z)\s*$"
_OFFSET_RE = re.compile(_OFFSET)
_UTC_NAME_RE = re.compile(r"\s*(UTC|GMT)$")  # written as +00:00 before parsing
# Up to this many values, `to_utc` reads them one by one (the bulk path's fixed cost is some 10 ms).
SMALL = 512


# Timestamps a record may carry. Outside, a value is a placeholder (9999-12-31,
# 0001-01-01), an epoch -1 or a typo; pandas' nanosecond times end in 2262 anyway.
EARLIEST = pd.Timestamp("1900-01-01")
LATEST = pd.Timestamp("2101-01-01")  # exclusive


def within_range(parsed: pd.Series) -> pd.Series:
    """Parsed times (any resolution) with those outside 1900..2100 as NaT, as datetime64[ns]."""
    if pd.api.types.is_datetime64_any_dtype(parsed.dtype):  # on numpy's arrays: no Series machinery
        kept = _in_range_values(pd.DatetimeIndex(parsed.array))
        aware = isinstance(parsed.dtype, pd.DatetimeTZDtype)
        return pd.Series(pd.DatetimeIndex(kept).tz_localize("UTC") if aware else kept, index=parsed.index,
                         name=parsed.name)
    aware = isinstance(parsed.dtype, pd.DatetimeTZDtype)
    lo, hi = (EARLIEST.tz_localize("UTC"), LATEST.tz_localize("UTC")) if aware else (EARLIEST, LATEST)
    if aware:
        parsed = parsed.dt.tz_convert("UTC")
    ok = ((parsed >= lo) & (parsed < hi)).fillna(False).astype(bool)
    kept = parsed.where(ok)
    return kept.astype("datetime64[ns, UTC]" if aware else "datetime64[ns]")


def _in_range_values(times: pd.DatetimeIndex) -> np.ndarray:
    """`within_range` of a DatetimeIndex as datetime64[ns] values: aware times as UTC wall times."""
    values = (times.tz_convert(None) if times.tz is not None else times).to_numpy()
    # bounds in seconds: numpy compares in the finer unit, the times' own, so no time is converted out of range
    ok = (values >= EARLIEST.to_datetime64().astype("datetime64[s]")) & (
        values < LATEST.to_datetime64().astype("datetime64[s]"))  # NaT compares False
    return np.where(ok, values, np.datetime64("NaT")).astype("datetime64[ns]")


def to_utc(values: pd.Series, tz: str = "UTC", fmt: str | None = None, dayfirst: bool = False) -> pd.Series:
    """Parse strings to tz-aware UTC; naive times are read in `tz`, offsets are kept.

    Unparseable values, and times outside 1900..2100, become NaT (the caller
    rejects those rows with a reason).

    >>> to_utc(pd.Series(["2025-01-02T10:00:00+01:00", "2025-01-02 10:00"])).dt.hour.tolist()
    [9, 10]
    """
    s = pd.Series(values, copy=False)
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        s = s.astype("string").str.strip()
        if len(s) <= SMALL and s.index.is_unique:
            small = _small_to_utc(s, tz, fmt, dayfirst)
            if small is not None:
                return small
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return _localize(s, tz)
    has_offset = s.str.contains(_OFFSET, regex=True, na=False).fillna(False).astype(bool)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    if has_offset.any():
        part = s[has_offset].str.replace(_UTC_NAME_RE.pattern, "+00:00", regex=True)
        out.loc[has_offset] = within_range(pd.to_datetime(part, utc=True, errors="coerce", format=fmt or "mixed",
                                                          dayfirst=dayfirst))
    naive = ~has_offset & s.notna() & (s != "").fillna(False).astype(bool)
    if naive.any():
        try:
            parsed = within_range(pd.to_datetime(s[naive], errors="coerce", format=fmt or "mixed", dayfirst=dayfirst))
        except ValueError:  # an offset the pattern missed among naive times: read them one by one
            return _one_by_one(s, tz, fmt, dayfirst)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_convert("UTC")
        else:
            parsed = _localize(parsed, tz)
        out.loc[naive] = parsed
    return out


def _small_to_utc(s: pd.Series, tz: str, fmt, dayfirst: bool) -> pd.Series | None:
    """`to_utc` of a few stripped strings, value by value in Python rather than through Series
    operations (whose fixed cost is most of the time on a short column). The same steps and
    pandas parser, so the same times; None where `to_utc`'s bulk path decides (a ValueError)."""
    text = s.to_numpy(dtype=object, na_value=None)
    has_offset = np.array([v is not None and _OFFSET_RE.search(v) is not None for v in text], dtype=bool)
    naive = np.array([v is not None and v != "" for v in text], dtype=bool) & ~has_offset
    out = np.full(len(text), np.datetime64("NaT", "ns"))
    try:
        if has_offset.any():
            part = [_UTC_NAME_RE.sub("+00:00", v) for v in text[has_offset]]
            parsed = pd.to_datetime(part, utc=True, errors="coerce", format=fmt or "mixed", dayfirst=dayfirst)
            out[has_offset] = _in_range_values(parsed)
        if naive.any():
            parsed = pd.to_datetime(list(text[naive]), errors="coerce", format=fmt or "mixed", dayfirst=dayfirst)
            if not isinstance(parsed, pd.DatetimeIndex):
                return None
            kept = _in_range_values(parsed)
            if parsed.tz is None:  # wall times in `tz`
                kept = _localize(pd.DatetimeIndex(kept), tz).tz_convert(None).to_numpy()
            out[naive] = kept
    except ValueError:
        return None
    return pd.Series(pd.DatetimeIndex(out).tz_localize("UTC"), index=s.index)


def _one_by_one(s: pd.Series, tz: str, fmt, dayfirst: bool) -> pd.Series:
    """`to_utc` value by value: slow, for columns that mix offsets pandas cannot tell apart in bulk."""
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    for i, v in s.items():
        if pd.isna(v) or v == "":
            continue
        one = within_range(pd.to_datetime(pd.Series([v]), errors="coerce", format=fmt or "mixed", dayfirst=dayfirst))
        one = one.dt.tz_convert("UTC") if isinstance(one.dtype, pd.DatetimeTZDtype) else _localize(one, tz)
        out.loc[i] = one.iloc[0]
    return out


def _localize(s: pd.Series | pd.DatetimeIndex, tz: str) -> pd.Series | pd.DatetimeIndex:
    """Naive times read in `tz` (a gap shifted forward, a fold NaT), in UTC."""
    try:
        if isinstance(s, pd.DatetimeIndex):
            return s.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC")
        return s.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
    except Exception as exc:  # noqa: BLE001 - pandas and zoneinfo raise several types for an unknown zone name
        raise UserError(f"--tz: unknown time zone {tz!r} ({exc})") from None


def parse_as_of(value, default: pd.Timestamp | None = None) -> pd.Timestamp:
    """The inclusive cut-off instant. A bare date means the end of that day (UTC).

    >>> parse_as_of("2025-03-31")
    Timestamp('2025-03-31 23:59:59.999999+0000', tz='UTC')
    """
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return as_timestamp(None, default)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise UserError(f"as_of: {value!r} is not a date (expected YYYY-MM-DD)") from None
    if ts is pd.NaT:
        raise UserError(f"as_of: {value!r} is not a date (expected YYYY-MM-DD)")
    if isinstance(value, str) and len(value.strip()) <= 10:
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return _in_utc(ts)


def as_timestamp(as_of: pd.Timestamp | None, default: pd.Timestamp | None = None) -> pd.Timestamp:
    """The cut-off a library function was given, in UTC; `default` (the data's last record) when None.

    Parameters
    ----------
    as_of : pd.Timestamp or None
        A cut-off parsed where the run started (:func:`parse_as_of`); a naive
        time is read as UTC.
    default : pd.Timestamp, optional
        What None stands for, usually `Dataset.last_timestamp`.

    Raises
    ------
    TypeError
        When `as_of` is text or anything else that is not a time.
    UserError
        When both `as_of` and `default` are None (the data has no timestamps).

    >>> as_timestamp(pd.Timestamp("2025-03-31 12:00", tz="Europe/Paris"))
    Timestamp('2025-03-31 10:00:00+0000', tz='UTC')
    >>> as_timestamp("2025-03-31")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    TypeError: as_of: expected a pd.Timestamp, got str '2025-03-31'; parse text once where the run starts, ...
    """
    if as_of is None:
        if default is None:
            raise UserError("as_of: no date given and the data has no timestamps")
        return _in_utc(pd.Timestamp(default))
    if not isinstance(as_of, dt.datetime) or as_of is pd.NaT:
        raise TypeError(f"as_of: expected a pd.Timestamp, got {type(as_of).__name__} {as_of!r}; parse text once where "
                        "the run starts, with netanalysis.dates.parse_as_of")
    return _in_utc(pd.Timestamp(as_of))


def _in_utc(ts: pd.Timestamp) -> pd.Timestamp:
    """`ts` in UTC; a naive time is taken to be UTC already."""
    return ts.tz_convert("UTC") if ts.tzinfo is not None else ts.tz_localize("UTC")


def months_between(start: pd.Series | pd.Timestamp, end) -> pd.Series:
    """Durations in months as days / 30.4375 (DESIGN.md)."""
    delta = end - start
    if isinstance(delta, pd.Timedelta):
        return delta / pd.Timedelta(days=1) / DAYS_PER_MONTH
    return delta.dt.total_seconds() / 86400.0 / DAYS_PER_MONTH


def month_ordinal(ts: pd.Series) -> np.ndarray:
    """Months since year 0 (year*12 + month-1) of each UTC timestamp."""
    return (ts.dt.year.to_numpy(dtype="int64") * 12 + ts.dt.month.to_numpy(dtype="int64") - 1)


def ordinal_to_timestamp(ordinal: np.ndarray) -> pd.DatetimeIndex:
    """Inverse of `month_ordinal`: the UTC start of each month."""
    ordinal = np.asarray(ordinal, dtype="int64")
    years = ordinal // 12
    months = ordinal % 12 + 1
    return pd.to_datetime({"year": years, "month": months, "day": np.ones_like(years)}).dt.tz_localize("UTC")

"""`to_utc` reads a short column value by value, and `within_range` works on the times' index: both give
what the bulk Series path gives, value for value, on every form a source may hold."""

import random

import numpy as np
import pandas as pd
import pytest

import netanalysis.dates as dates
from netanalysis.errors import UserError

# Forms the sources hold, and the odd ones: bare dates, times with and without seconds or fractions,
# every offset form, zone names, day-first dates, words, epochs, placeholders outside 1900..2100, blanks,
# and the New York gap (2025-03-09 02:30) and fold (2025-11-02 01:30).
FORMS = ["2025-11-07", "2024-02-29", "2025-11-07T17:50", "2025-11-07 17:50:41", "2025-11-07T17:50:41.5",
         "2025-11-07T17:50:41.123456789", "2025-11-07T7:50:41", "2025-11-07T17", "2025-11-07T17:50:41Z",
         "2025-11-07T17:50:41z", "2025-11-07T17:50:41+02:00", "2025-11-07T17:50-0530", "2025-11-07T17:50+02",
         "2025-11-07 17:50:41 UTC", "2025-11-07 17:50 GMT", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00",
         "01/02/2025", "13/02/2025", "2/1/2025 10:00 AM", "Jan 5, 2025", "5 January 2025 3pm",
         "Tue, 07 Nov 2023 09:15:00 +0100", "2023-11-07 09:15:00 -0800", "1899-12-31", "1900-01-01T00:00:00Z",
         "2100-12-31 23:59", "2101-01-01", "9999-12-31", "0001-01-01", "1700000000", "not a date", "",
         "   ", " 2025-03-09 02:30 ", "2025-11-02 01:30", "2025-03-09T02:30:00-05:00", "Tue Jan 07 10:00:00 +0100 2025",
         "2025-01-07 10:00 EST", None]


def bulk(values, *args, **kw):
    """`to_utc` through its Series operations only (the path long columns take)."""
    saved, dates.SMALL = dates.SMALL, -1
    try:
        return dates.to_utc(values, *args, **kw)
    finally:
        dates.SMALL = saved


def outcome(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except (UserError, ValueError, TypeError) as exc:
        return f"{type(exc).__name__}: {exc}"


def same(a, b, label):
    if isinstance(a, str) or isinstance(b, str):
        assert a == b, label
    else:
        pd.testing.assert_series_equal(a, b, obj=str(label))


@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_short_columns_read_as_the_bulk_path_reads_them(tz):
    rng = random.Random(tz)
    columns = [[f] for f in FORMS] + [rng.sample(FORMS, rng.randint(2, 12)) for _ in range(40)]
    for n, values in enumerate(columns):
        dtype = ("string", object)[n % 2]
        raw = pd.Series(values, dtype=dtype, index=rng.sample(range(100), len(values)))
        same(outcome(dates.to_utc, raw, tz), outcome(bulk, raw, tz), (values, dtype))
        if n % 4 == 0:
            kw = ({"dayfirst": True}, {"fmt": "%d/%m/%Y"})[n % 8 // 4]
            same(outcome(dates.to_utc, raw, tz, **kw), outcome(bulk, raw, tz, **kw), (values, kw))


def test_short_columns_of_other_values_and_an_unknown_zone():
    for values in ([20250107, None], [np.nan, "2025-01-07"], [pd.NA, "2025-01-07T10:00Z"], [1.5, "x"], []):
        raw = pd.Series(values, dtype=object)
        same(outcome(dates.to_utc, raw), outcome(bulk, raw), values)
    raw = pd.Series(["2025-01-07 10:00"])
    assert outcome(dates.to_utc, raw, "Mars/Olympus") == outcome(bulk, raw, "Mars/Olympus")
    assert outcome(dates.to_utc, raw, "Mars/Olympus").startswith("UserError: --tz: unknown time zone")
    # a repeated label takes the bulk path, which aligns by label
    raw = pd.Series(["2025-01-07", "2025-01-08T10:00Z"], index=[3, 3])
    same(outcome(dates.to_utc, raw), outcome(bulk, raw), "repeated label")


def within_range_by_series(parsed: pd.Series) -> pd.Series:
    """`within_range` as Series operations: the reference."""
    aware = isinstance(parsed.dtype, pd.DatetimeTZDtype)
    lo, hi = (dates.EARLIEST.tz_localize("UTC"), dates.LATEST.tz_localize("UTC")) if aware else (
        dates.EARLIEST, dates.LATEST)
    if aware:
        parsed = parsed.dt.tz_convert("UTC")
    ok = ((parsed >= lo) & (parsed < hi)).fillna(False).astype(bool)
    return parsed.where(ok).astype("datetime64[ns, UTC]" if aware else "datetime64[ns]")


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_within_range_equals_the_series_operations(unit):
    text = ["1899-12-31 23:59:59", "1900-01-01", "2025-06-01 12:00", "2100-12-31 23:59:59", "2101-01-01", None]
    naive = pd.Series(pd.to_datetime(text, format="mixed").as_unit(unit), index=[7, 3, 5, 1, 0, 9], name="t")
    for parsed in (naive, naive.dt.tz_localize("UTC"), naive.dt.tz_localize("Asia/Kolkata"), naive.iloc[:0]):
        pd.testing.assert_series_equal(dates.within_range(parsed), within_range_by_series(parsed))
    far = pd.Series(pd.to_datetime(["0001-01-01", "9999-12-31", "2025-01-01"], format="ISO8601").as_unit("s"))
    pd.testing.assert_series_equal(dates.within_range(far), within_range_by_series(far))

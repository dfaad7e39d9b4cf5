"""Money as exported: `1.234,56`, `1 234,56`, `1,234.56`, `€1.234,56`, `USD 1,234.56`.

One parser for every source (HubSpot, Salesforce, Pipedrive, Maven, canonical).
The decimal separator is read from clues in the value itself: the last of `.`
and `,` when both appear, a separator followed by other than three digits, a
separator used twice. A value whose clue is ambiguous (`1,234` or `1.500`: a
thousands separator or a decimal one?) is decided by the other values of the
same column, else by a currency whose countries write a decimal point (`$`,
`£`, USD...); with no clue anywhere it is rejected, never guessed. The digits
are then read by `babel.numbers.parse_decimal` in a locale with that
convention (en_US or de_DE), which also checks the grouping.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from babel.numbers import NumberFormatError, parse_decimal

# Currency symbols and ISO 4217-like codes around the number; spaces, no-break
# spaces and apostrophes (Swiss `1'234.50`) that group digits.
_CURRENCY = re.compile(r"^\s*(?:[A-Za-z]{3}|[€$£¥₹₽₩₪]|US\$|R\$|kr)?\s*(.*?)\s*(?:[A-Za-z]{3}|[€$£¥₹₽₩₪]|kr)?\s*$")
_GROUP_SPACE = re.compile(r"[\s\u00a0\u202f']")
_PLAIN = r"^[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_LOCALE = {".": "en_US", ",": "de_DE"}
# `1.500` could be 1.5 or 1500: never taken as plain decimal unless the format says so.
_THOUSANDS_LIKE = r"^[+-]?[1-9][0-9]{0,2}[.][0-9]{3}$"
# Currencies whose countries write a decimal point: a clue for `$12,000`.
_POINT_CURRENCIES = re.compile(r"^\s*(?:US\$|\$|£|¥|₹|USD|GBP|JPY|INR|CAD|AUD|NZD|CNY|HKD|SGD)|"
                               r"(?:USD|GBP|JPY|INR|CAD|AUD|NZD|CNY|HKD|SGD|\$|£)\s*$")


def _decimal_mark(digits: str) -> str | None:
    """'.' or ',' as the decimal separator, '' when there is none, None when ambiguous."""
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        return "." if digits.rfind(".") > digits.rfind(",") else ","
    if not dots and not commas:
        return ""
    mark = "." if dots else ","
    if dots + commas > 1:
        return "," if mark == "." else "."  # used twice: it groups thousands, so the other one is decimal
    head, tail = digits.lstrip("+-").split(mark)
    if len(tail) != 3 or not head or len(head) > 3 or head == "0":
        return mark  # `1,5`, `12345.000`, `0.125`: cannot be a thousands separator
    return None


def _strip(text: str) -> str:
    m = _CURRENCY.match(text)
    core = m.group(1) if m else text
    return _GROUP_SPACE.sub("", core)


def parse_money(values: pd.Series, name: str = "amount", plain_decimal: bool = False) -> tuple[pd.Series, pd.Series]:
    """Amounts as float and, per value, why it was not read (NA when read or empty).

    Parameters
    ----------
    values : the column as exported (strings; empty or NA means no amount)
    name : the column's name, for the reasons
    plain_decimal : every value with only a `.` uses it as the decimal point (the canonical format says so)

    Returns
    -------
    (amount, reason) : float Series (NaN where empty or unreadable) and a string Series

    Examples
    --------
    >>> parse_money(pd.Series(["€1.234,56", "1,234.56", "1 234,56", ""]))[0].tolist()
    [1234.56, 1234.56, 1234.56, nan]
    """
    text = pd.Series(values, copy=False).astype("string").str.strip()
    amount = pd.Series(np.nan, index=text.index, dtype="float64")
    reason = pd.Series(pd.NA, index=text.index, dtype="string")
    given = text.notna() & (text != "")
    plain = given & text.str.match(_PLAIN).fillna(False)
    if not plain_decimal:
        plain &= ~text.str.match(_THOUSANDS_LIKE).fillna(False)
    if plain.any():
        amount[plain] = pd.to_numeric(text[plain], errors="coerce").astype("float64")
    rest = given & ~plain
    if not rest.any():
        return amount, reason
    digits = text[rest].map(_strip)
    marks = digits.map(_decimal_mark)
    known = marks.dropna()
    known = known[known != ""]
    column_mark = known.iloc[0] if len(known) and known.nunique() == 1 else None
    for i, raw in text[rest].items():
        mark = column_mark if pd.isna(marks[i]) else marks[i]
        if mark is None and _POINT_CURRENCIES.search(raw):
            mark = "."
        value, why = _read(digits[i], mark, raw, name)
        amount[i], reason[i] = value, why
    return amount, reason


def _read(digits: str, mark: str | None, raw: str, name: str) -> tuple[float, object]:
    if mark is None:
        return np.nan, f"ambiguous {name}: {raw!r} has a separator that may group thousands or mark decimals"
    if not re.fullmatch(r"[+-]?[0-9.,]+", digits):
        return np.nan, f"{name} is not a number"
    try:
        value = parse_decimal(digits, locale=_LOCALE.get(mark, "en_US"), strict=True)
    except NumberFormatError:
        return np.nan, f"{name} is not a number"
    return float(value), pd.NA


def implausible_amount(value: pd.Series) -> pd.Series:
    """Why an amount cannot be a deal's value (NA where it can): not finite, negative, or absurd."""
    v = pd.to_numeric(value, errors="coerce").astype("float64")
    reason = pd.Series(pd.NA, index=v.index, dtype="string")
    reason = reason.mask(np.isinf(v), "amount is not finite")
    reason = reason.mask(reason.isna() & (v < 0), "negative amount")
    reason = reason.mask(reason.isna() & (v > MAX_AMOUNT), f"amount above {MAX_AMOUNT:.0e}")
    return reason


# Larger than any single deal (a trillion); 1e308 or an overflow is a damaged cell.
MAX_AMOUNT = 1e12

"""The unit x period investment panel, with the carryover `stock` of minutes.

Everything is vectorised over rows (no Python loop over units): the dense grid
is built with `np.repeat`, and the stock recursion runs as one linear filter
over all units with an exact correction at each unit's start (see `_stock`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.signal import lfilter

from .errors import UserError
from .vocab import invested_minutes
from .timeutil import month_ordinal, ordinal_to_timestamp, parse_as_of

FREQS = {"M": 1, "month": 1, "ME": 1, "MS": 1, "Q": 3, "quarter": 3, "QE": 3, "QS": 3}
UNITS = ("contact", "account")


def decay_per_month(half_life_months: float) -> float:
    """The share of last month's stock that is kept: 0.5 ** (1 / half_life)."""
    return 0.5 ** (1.0 / half_life_months)


def unit_of_interactions(ds, unit: str) -> pd.Series:
    """The unit (contact_id, or the contact's company) of each interaction."""
    if unit == "contact":
        return ds.interactions["contact_id"].astype("string")
    company = ds.contacts.set_index("contact_id")["company"]
    return ds.interactions["contact_id"].map(company).astype("string").str.strip()


def unit_of_outcomes(ds, unit: str) -> pd.Series:
    """The unit of each outcome; for accounts, the outcome's account else its contact's company."""
    if unit == "contact":
        return ds.outcomes["contact_id"].astype("string")
    company = ds.contacts.set_index("contact_id")["company"]
    by_contact = ds.outcomes["contact_id"].map(company).astype("string")
    return ds.outcomes["account"].astype("string").fillna(by_contact).str.strip()


def _stock(minutes: np.ndarray, starts: np.ndarray, decay: float) -> np.ndarray:
    """stock_t = stock_{t-1} * decay + minutes_t, restarted at each unit's first row.

    One `lfilter` pass runs the recursion over the concatenation of all units;
    the output at a unit's row k then carries an extra `carry * decay**(k+1)`,
    where `carry` is the filter output at the previous unit's last row. That
    carry is known after the pass, so it is subtracted exactly.
    """
    y = lfilter([1.0], [1.0, -decay], minutes.astype("float64"))
    if len(y) == 0:
        return y
    carry_at_start = np.zeros(len(starts))
    carry_at_start[1:] = y[starts[1:] - 1]
    lengths = np.diff(np.append(starts, len(y)))
    k = np.arange(len(y)) - np.repeat(starts, lengths)
    carry = np.repeat(carry_at_start, lengths)
    out = y - carry * decay ** (k + 1)
    return np.maximum(out, 0.0)


def build_panel(ds, freq: str = "M", half_life_months: float = 3.0, unit: str = "contact", as_of=None,
                minutes_by_channel: dict | None = None) -> pd.DataFrame:
    """One row per unit and period, dense from the unit's first interaction to `as_of`.

    Columns: the unit (`contact_id` or `account`), `period` (period start, UTC),
    `touches`, `minutes`, `inbound`, `outbound`, `cum_minutes`, `stock` (the
    carryover of invested minutes: each month keeps ``0.5 ** (1/half_life)`` of
    the previous stock and adds this month's minutes), `months_since_first`,
    `months_since_last` (months since the last period with a touch),
    `outcomes_won`, `value_won`.

    Examples
    --------
    >>> import netanalysis
    >>> ds = netanalysis.load(["data/sample"])  # doctest: +SKIP
    >>> ds.panel(half_life_months=3.0, as_of="2025-12-31")  # doctest: +SKIP
    """
    if freq not in FREQS:
        raise UserError(f"freq: {freq!r} is not one of M (month) or Q (quarter)")
    if unit not in UNITS:
        raise UserError(f"unit: {unit!r} is not one of {', '.join(UNITS)}")
    try:
        half_life_months = float(half_life_months)
    except (TypeError, ValueError):
        raise UserError(f"half_life_months: {half_life_months!r} is not a number") from None
    if not half_life_months > 0:
        raise UserError(f"half_life_months: must be positive, got {half_life_months}")
    step = FREQS[freq]
    unit_col = "contact_id" if unit == "contact" else "account"
    cut = parse_as_of(as_of, default=ds.last_timestamp)

    inter = ds.interactions
    keep = (inter["timestamp"] <= cut).to_numpy()
    units = unit_of_interactions(ds, unit)[keep]
    inter = inter[keep]
    has_unit = units.notna().to_numpy() & (units != "").fillna(False).to_numpy()
    inter, units = inter[has_unit], units[has_unit]
    cut_p = int(month_ordinal(pd.Series([cut]))[0]) // step
    if len(inter) == 0:
        return _empty(unit_col, cut, half_life_months, freq, unit)

    minutes = invested_minutes(inter, minutes_by_channel).to_numpy()
    direction = inter["direction"].astype(str).to_numpy()
    p = month_ordinal(inter["timestamp"]) // step
    codes, uniques = pd.factorize(units, sort=True)
    agg = pd.DataFrame({"u": codes, "p": p, "minutes": minutes, "touches": 1,
                        "inbound": (direction == "inbound").astype("int64"),
                        "outbound": (direction == "outbound").astype("int64")})
    agg = agg.groupby(["u", "p"], sort=True).sum()
    u_idx = agg.index.get_level_values("u").to_numpy()
    p_idx = agg.index.get_level_values("p").to_numpy()

    first_p = pd.Series(p_idx).groupby(u_idx).min().reindex(range(len(uniques))).to_numpy()
    lengths = (cut_p - first_p + 1).astype("int64")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype("int64")
    total = int(lengths.sum())
    grid_u = np.repeat(np.arange(len(uniques)), lengths)
    k = np.arange(total) - np.repeat(starts, lengths)
    grid_p = np.repeat(first_p, lengths) + k

    def dense(values, pos, dtype):
        out = np.zeros(total, dtype=dtype)
        np.add.at(out, pos, values)
        return out

    pos = starts[u_idx] + (p_idx - first_p[u_idx])
    touches = dense(agg["touches"].to_numpy(), pos, "int64")
    mins = dense(agg["minutes"].to_numpy(), pos, "float64")
    inbound = dense(agg["inbound"].to_numpy(), pos, "int64")
    outbound = dense(agg["outbound"].to_numpy(), pos, "int64")

    # Won outcomes by unit and period; those before a unit's first interaction fall outside the panel.
    outc = ds.outcomes
    won = (outc["status"] == "won").to_numpy() & (outc["timestamp"] <= cut).to_numpy()
    o_units = unit_of_outcomes(ds, unit)[won]
    o_code = pd.Index(uniques).get_indexer(o_units.astype(object).where(o_units.notna(), None))
    o_p = month_ordinal(outc.loc[won, "timestamp"]) // step
    o_val = outc.loc[won, "value"].fillna(0.0).to_numpy()
    inside = o_code >= 0
    inside[inside] &= o_p[inside] >= first_p[o_code[inside]]
    o_pos = starts[o_code[inside]] + (o_p[inside] - first_p[o_code[inside]])
    outcomes_won = dense(np.ones(int(inside.sum()), dtype="int64"), o_pos, "int64")
    value_won = dense(o_val[inside], o_pos, "float64")

    cum = np.cumsum(mins)
    cum -= np.repeat(np.concatenate([[0.0], cum[starts[1:] - 1]]), lengths)
    stock = _stock(mins, starts, decay_per_month(half_life_months) ** step)
    touched_p = np.where(touches > 0, grid_p, np.nan)
    last_touch = pd.Series(touched_p).ffill().to_numpy()  # each unit's first row is touched

    out = pd.DataFrame({
        # Units and periods are gathered from their few distinct values (no per-row Python objects).
        unit_col: pd.array(pa.array(np.asarray(uniques, dtype=object), type=pa.string()).take(pa.array(grid_u)),
                           dtype="string"),
        "period": _period_starts(grid_p * step) if total else pd.Series([], dtype="datetime64[ns, UTC]"),
        "touches": touches, "minutes": mins, "inbound": inbound, "outbound": outbound,
        "cum_minutes": np.round(cum, 9), "stock": stock,
        "months_since_first": (k * step).astype("int64"),
        "months_since_last": ((grid_p - last_touch) * step).astype("int64"),
        "outcomes_won": outcomes_won, "value_won": value_won,
    })
    out["period"] = pd.to_datetime(out["period"], utc=True)
    out.attrs.update({"as_of": cut.isoformat(), "half_life_months": half_life_months, "freq": freq, "unit": unit,
                      "outcomes_outside_panel": int((~inside).sum())})
    return out


def _period_starts(ordinals: np.ndarray):
    """`ordinal_to_timestamp` of many rows, computed once per distinct month."""
    months, where = np.unique(ordinals, return_inverse=True)
    return ordinal_to_timestamp(months).array.take(where.reshape(-1))


def _empty(unit_col, cut, half_life_months, freq, unit) -> pd.DataFrame:
    out = pd.DataFrame({
        unit_col: pd.Series([], dtype="string"), "period": pd.Series([], dtype="datetime64[ns, UTC]"),
        **{c: pd.Series([], dtype="int64") for c in ("touches", "inbound", "outbound")},
        **{c: pd.Series([], dtype="float64") for c in ("minutes", "cum_minutes", "stock")},
        **{c: pd.Series([], dtype="int64") for c in ("months_since_first", "months_since_last", "outcomes_won")},
        "value_won": pd.Series([], dtype="float64"),
    })
    out = out[[unit_col, "period", "touches", "minutes", "inbound", "outbound", "cum_minutes", "stock",
               "months_since_first", "months_since_last", "outcomes_won", "value_won"]]
    out.attrs.update({"as_of": cut.isoformat(), "half_life_months": half_life_months, "freq": freq, "unit": unit,
                      "outcomes_outside_panel": 0})
    return out


def period_totals(panel: pd.DataFrame, new_months: int = 3) -> pd.DataFrame:
    """Per period: hours with new relationships (first `new_months` months) and with nurtured ones,
    active relationships (touched this period), new relationships, and won outcomes."""
    if panel.empty:
        return pd.DataFrame(columns=["period", "new_hours", "nurtured_hours", "active", "new", "outcomes_won", "value_won"])
    new = panel["months_since_first"] < new_months
    g = panel.assign(new_hours=np.where(new, panel["minutes"], 0.0) / 60.0,
                     nurtured_hours=np.where(~new, panel["minutes"], 0.0) / 60.0,
                     active=(panel["touches"] > 0).astype(int),
                     new=(panel["months_since_first"] == 0).astype(int))
    return (g.groupby("period", sort=True)[["new_hours", "nurtured_hours", "active", "new", "outcomes_won", "value_won"]]
            .sum().reset_index())

"""The unit x period investment panel, with the carryover `stock` of minutes.

Everything is vectorised over rows (no Python loop over units or rows): string
columns are reduced to integer codes over their few distinct values (units,
channels and directions are worked out once per distinct value), each
interaction is added to its row of the dense grid (`np.bincount`; minutes in
the order pandas' groupby adds them, see `_sums`), the grid is built with
`np.repeat`, and the stock recursion runs over all units at once, one month of
tenure at a time (see `_stock`).

`panel_columns` builds the panel as plain columns, in batches of units when it
is large; `build_panel` wraps them in the DataFrame that notebooks use, and
`netanalysis panel` (netanalysis/scale.py) writes them straight to Parquet.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from netanalysis.dates import as_timestamp, month_ordinal, ordinal_to_timestamp
from netanalysis.errors import UserError
from netanalysis.io.vocabulary import PANEL_COLUMNS, invested_minutes
from netanalysis.modes import Freq, Period, Unit, values

# Months per period, by every name a frequency goes by (pandas' aliases too).
FREQS = {**dict.fromkeys((Freq.M.value, Period.MONTH.value, "ME", "MS"), 1),
         **dict.fromkeys((Freq.Q.value, Period.QUARTER.value, "QE", "QS"), 3)}
UNITS = values(Unit)
COLUMNS = PANEL_COLUMNS  # after the unit column


def decay_per_month(half_life_months: float) -> float:
    """The share of last month's stock that is kept: 0.5 ** (1 / half_life)."""
    return 0.5 ** (1.0 / half_life_months)


def _units_of_contacts(contact_ids: pd.Series, contacts: pd.DataFrame, unit: str) -> pd.Series:
    """The unit of each contact id: the id itself, or the contact's (stripped) company."""
    if unit == "contact":
        return contact_ids.astype("string")
    company = contacts.set_index("contact_id")["company"]
    return contact_ids.map(company).astype("string").str.strip()


def unit_of_interactions(ds, unit: str) -> pd.Series:
    """The unit (contact_id, or the contact's company) of each interaction."""
    return _units_of_contacts(ds.interactions["contact_id"], ds.contacts, unit)


def _units_of_outcomes(outcomes: pd.DataFrame, contacts: pd.DataFrame, unit: str) -> pd.Series:
    if unit == "contact":
        return outcomes["contact_id"].astype("string")
    company = contacts.set_index("contact_id")["company"]
    by_contact = outcomes["contact_id"].map(company).astype("string")
    return outcomes["account"].astype("string").fillna(by_contact).str.strip()


def unit_of_outcomes(ds, unit: str) -> pd.Series:
    """The unit of each outcome; for accounts, the outcome's account else its contact's company."""
    return _units_of_outcomes(ds.outcomes, ds.contacts, unit)


def _stock(minutes: np.ndarray, starts: np.ndarray, decay: float) -> np.ndarray:
    """stock_t = stock_{t-1} * decay + minutes_t, restarted at each unit's first row.

    `starts` are the rows where the units begin (increasing, the first is 0).
    The recursion is run exactly as written, the same floating-point operations
    in the same order as a plain loop over each unit's rows, but for all units
    at once: the rows are laid out month of tenure by month of tenure (longest
    units first), so that step k is one vectorised
    ``stock[k] = stock[k-1] * decay + minutes[k]`` over the units that have a
    k-th row. That is as many numpy steps as the longest unit has rows.
    Negative stock (possible only with negative minutes) is clipped at 0.
    """
    minutes = np.asarray(minutes, dtype="float64")
    if len(minutes) == 0:
        return np.zeros(0)
    starts = np.asarray(starts, dtype="int64")
    lengths = np.diff(np.append(starts, len(minutes)))
    return _recursion(minutes, lengths, np.arange(len(minutes)) - np.repeat(starts, lengths), decay)


def _recursion(minutes: np.ndarray, lengths: np.ndarray, k: np.ndarray, decay: float) -> np.ndarray:
    """`_stock` for units of `lengths` rows, `k` being each row's place in its unit."""
    return StockLayout(minutes, lengths, k)(decay)


class StockLayout:
    """The rows of `_stock` laid out month of tenure by month of tenure (longest units first), made once so that
    the recursion can run at any decay (the delayed-returns profiles run it for every half-life on the same rows).

    `lengths` are the units' numbers of rows, `k` each row's place in its unit.
    """

    def __init__(self, minutes: np.ndarray, lengths: np.ndarray, k: np.ndarray):
        minutes = np.asarray(minutes, dtype="float64")
        lengths = np.asarray(lengths, dtype="int64")
        order = np.argsort(-lengths, kind="stable")  # longest first: the units with a k-th row are a prefix
        rank = np.empty(len(lengths), dtype="int64")
        rank[order] = np.arange(len(lengths))
        # active[k]: the number of units with a k-th row
        self.active = np.bincount(lengths)[::-1].cumsum()[::-1][1:] if len(minutes) else np.zeros(0, dtype="int64")
        self.offset = np.concatenate([[0], np.cumsum(self.active)[:-1]]).astype("int64")
        # each row's place in the tenure-major layout
        self.where = self.offset[k] + np.repeat(rank, lengths) if len(minutes) else np.zeros(0, dtype="int64")
        self.laid_out = np.empty(len(minutes))
        self.laid_out[self.where] = minutes

    def __call__(self, decay: float) -> np.ndarray:
        t = self.laid_out.copy()
        offset, active = self.offset, self.active
        for step in range(1, len(active)):
            cur, prev, m = offset[step], offset[step - 1], active[step]
            t[cur:cur + m] = t[prev:prev + m] * decay + t[cur:cur + m]
        return np.maximum(t[self.where], 0.0)


# -- the interactions, reduced to integer codes ---------------------------------------

@dataclass
class Interactions:
    """What the panel needs of the interactions, one entry per row.

    `contact` indexes `contact_ids`, the distinct contact ids (missing included,
    as a value of its own) in the interactions' own dtype; `timestamp` is the
    tz-aware timestamp Series; `minutes` the invested minutes
    (:func:`netanalysis.io.vocabulary.invested_minutes`); `inbound` and `outbound` the
    direction flags.
    """

    contact: np.ndarray
    contact_ids: pd.Series
    timestamp: pd.Series
    minutes: np.ndarray
    inbound: np.ndarray
    outbound: np.ndarray

    @classmethod
    def from_frame(cls, inter: pd.DataFrame, minutes_by_channel: dict | None = None) -> Interactions:
        """From an interactions DataFrame (contact_id, timestamp, channel, direction, duration_minutes)."""
        contact, contact_ids = pd.factorize(inter["contact_id"], use_na_sentinel=False)
        channel, channels = pd.factorize(inter["channel"], use_na_sentinel=False)
        direction, directions = pd.factorize(inter["direction"], use_na_sentinel=False)
        return cls.from_codes(contact, pd.Series(contact_ids), inter["timestamp"], channel, pd.Series(channels),
                              inter["duration_minutes"], direction, pd.Series(directions), minutes_by_channel)

    @classmethod
    def from_codes(cls, contact, contact_ids, timestamp, channel, channels, duration, direction, directions,
                   minutes_by_channel=None) -> Interactions:
        """From integer codes into distinct values; the minutes and directions are worked out per distinct value."""
        ch = pd.DataFrame({"channel": channels.reset_index(drop=True), "duration_minutes": np.nan})
        fallback = invested_minutes(ch, minutes_by_channel).to_numpy(dtype="float64")
        d = pd.Series(duration).astype(float).to_numpy()
        minutes = np.where(np.isnan(d), fallback[channel], d)
        text = directions.astype(str).to_numpy()
        return cls(np.asarray(contact, dtype="int64"), contact_ids.reset_index(drop=True),
                   pd.Series(timestamp).reset_index(drop=True), minutes,
                   (text == "inbound")[direction], (text == "outbound")[direction])


_PER_DAY = {"ns": 86_400 * 10**9, "us": 86_400 * 10**6, "ms": 86_400 * 10**3, "s": 86_400}


def _month_ordinals(ts: pd.Series) -> np.ndarray:
    """`month_ordinal(ts)`, by a look-up per distinct day for UTC timestamps (no calendar fields per row)."""
    if not (isinstance(ts.dtype, pd.DatetimeTZDtype) and str(ts.dtype.tz) == "UTC") or len(ts) == 0:
        return month_ordinal(ts)
    values = ts.dt.tz_convert(None).to_numpy()  # the UTC instants, datetime64
    unit = np.datetime_data(values.dtype)[0]
    if unit not in _PER_DAY or ts.isna().any():
        return month_ordinal(ts)
    day = values.view("int64") // _PER_DAY[unit]
    lo, hi = int(day.min()), int(day.max())
    if hi - lo > 1_000_000:
        return month_ordinal(ts)
    table = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").astype("int64") + 1970 * 12
    return table[day - lo]


def _exact_sums(w: np.ndarray) -> bool:
    """True when every sum of these values is exact in any order (multiples of 1/1024, in all below 2**43)."""
    scaled = w * 1024.0
    return bool(np.abs(w).sum() < 2.0**43) and np.array_equal(np.floor(scaled), scaled)


def _sums(pos: np.ndarray, w: np.ndarray, n: int, in_order: bool) -> np.ndarray:
    """The sum of `w` per `pos` in 0..n-1: the numbers pandas' ``groupby(...).sum()`` gives.

    With `pos` sorted (`in_order`, decided on all the rows) pandas adds each
    group with ``np.add.reduceat``; otherwise its Kahan-compensated loop, row
    by row. Both are reproduced here, so the sums do not depend on how the
    rows are batched. When every sum is exact (`_exact_sums`) the order does
    not matter and `np.bincount` adds them.

    Kept instead of a library call: pandas chooses reduceat or Kahan from each
    batch's own order, so a batch that happens to be sorted would add differently.
    """
    if len(w) == 0 or _exact_sums(w):
        return np.bincount(pos, weights=w, minlength=n)
    out = np.zeros(n)
    if in_order:
        first = np.flatnonzero(np.r_[True, pos[1:] != pos[:-1]])
        out[pos[first]] = np.add.reduceat(w, first)
        return out
    order = np.argsort(pos, kind="stable")
    p, v = pos[order], w[order]
    first = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    sizes = np.diff(np.r_[first, len(p)])
    by_size = np.argsort(-sizes, kind="stable")  # largest first: the groups with a j-th value are a prefix
    first, sizes = first[by_size], sizes[by_size]
    total, comp = np.zeros(len(first)), np.zeros(len(first))
    with np.errstate(invalid="ignore"):  # inf - inf in the compensation of an infinite value
        for j in range(int(sizes[0])):
            m = int(np.searchsorted(-sizes, -j, side="left"))  # groups with more than j values
            y = v[first[:m] + j] - comp[:m]
            t = total[:m] + y
            c = (t - total[:m]) - y
            c[np.isnan(c)] = 0.0  # as pandas does: no compensation after an infinite value
            comp[:m], total[:m] = c, t
    out[p[first]] = total
    return out


def check_parameters(freq, half_life_months, unit) -> float:
    """The half-life as a float; a UserError naming the parameter when one is not valid."""
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
    return half_life_months


@dataclass
class PanelColumns:
    """The panel as columns: `unit_col`, `attrs`, and `batches` (an iterator of dicts, column -> values).

    Each batch holds consecutive units (sorted) and all their rows. The unit
    column is a pyarrow string array, `period` a pandas DatetimeArray (UTC),
    the others numpy arrays. `empty` is True when no interaction falls in the
    panel (then there are no batches); `rows` is the number of rows of all batches.
    """

    unit_col: str
    attrs: dict
    batches: object
    empty: bool
    rows: int = 0


def panel_columns(inter: Interactions, contacts: pd.DataFrame, outcomes: pd.DataFrame, cut: pd.Timestamp,
                  freq: str = "M", half_life_months: float = 3.0, unit: str = "contact",
                  batch_rows: int | None = None) -> PanelColumns:
    """The columns of `build_panel`, in batches of consecutive units of about `batch_rows` rows.

    The numbers do not depend on the batches (the running sums that
    `cum_minutes` is taken from are carried from one batch to the next).
    """
    half_life_months = check_parameters(freq, half_life_months, unit)
    step = FREQS[freq]
    unit_col = "contact_id" if unit == "contact" else "account"
    attrs = {"as_of": cut.isoformat(), "half_life_months": half_life_months, "freq": freq, "unit": unit}
    cut_p = int(month_ordinal(pd.Series([cut]))[0]) // step
    rows = _rows_in_panel(inter, contacts, unit, cut)
    if rows is None:
        return PanelColumns(unit_col, {**attrs, "outcomes_outside_panel": 0}, iter(()), True)
    grid = _grid(rows, cut_p, step)
    won = _won_outcomes(outcomes, contacts, unit, cut, step, rows.units, grid)
    attrs["outcomes_outside_panel"] = won.outside
    unit_bounds = _batch_bounds(grid.ends, batch_rows)
    months = ordinal_to_timestamp(np.arange(grid.first_month, cut_p + 1) * step).array
    decay = decay_per_month(half_life_months) ** step
    batches = _batches(rows, grid, won, unit_bounds, unit_col, months, decay, step)
    return PanelColumns(unit_col, attrs, batches, False, int(grid.ends[-1]))


@dataclass
class _PanelRows:
    """The interactions that enter the panel: each one's unit code, timestamp, minutes and direction."""

    unit: np.ndarray  # code into `units`
    timestamp: pd.Series
    minutes: np.ndarray
    inbound: np.ndarray
    outbound: np.ndarray
    units: np.ndarray  # the distinct units, sorted


def _rows_in_panel(inter: Interactions, contacts: pd.DataFrame, unit: str, cut: pd.Timestamp) -> _PanelRows | None:
    """The interactions up to the cut-off whose contact has a unit (None when there are none).

    The unit of each distinct contact id is worked out once; rows without one are dropped.
    """
    keep = (inter.timestamp <= cut).to_numpy(dtype=bool)
    all_kept = bool(keep.all())
    seen = np.zeros(len(inter.contact_ids), dtype=bool)
    seen[inter.contact if all_kept else inter.contact[keep]] = True
    seen_ids = np.flatnonzero(seen)
    units = _units_of_contacts(inter.contact_ids.iloc[seen_ids], contacts, unit)
    has_unit = units.notna().to_numpy() & (units != "").fillna(False).to_numpy()
    codes, uniques = pd.factorize(units[has_unit], sort=True)
    unit_of_id = np.full(len(inter.contact_ids), -1, dtype="int64")
    unit_of_id[seen_ids[has_unit]] = codes
    u = unit_of_id[inter.contact]
    valid = keep & (u >= 0)
    if not valid.any():
        return None
    unit_values = np.asarray(uniques, dtype=object)
    if all_kept and has_unit.all():  # every row is in the panel: no copies
        return _PanelRows(u, inter.timestamp, inter.minutes, inter.inbound, inter.outbound, unit_values)
    rows = np.flatnonzero(valid)
    return _PanelRows(u[rows], inter.timestamp.iloc[rows], inter.minutes[rows], inter.inbound[rows],
                      inter.outbound[rows], unit_values)


@dataclass
class _Grid:
    """The dense unit x period grid: each unit's rows run from its first period to the cut-off."""

    first_p: np.ndarray  # each unit's first period
    lengths: np.ndarray  # each unit's number of rows
    starts: np.ndarray  # each unit's first row
    ends: np.ndarray  # one past each unit's last row
    pos: np.ndarray  # each interaction's row
    in_order: bool  # the interactions come sorted by unit and period
    first_month: int  # the earliest period of all

    def row(self, unit: np.ndarray, period: np.ndarray) -> np.ndarray:
        """The grid row of each (unit code, period)."""
        return self.starts[unit] + (period - self.first_p[unit])


def _grid(rows: _PanelRows, cut_p: int, step: int) -> _Grid:
    """Lay the units out one after the other, a row per period from each one's first interaction."""
    p = _month_ordinals(rows.timestamp) // step
    first_p = np.full(len(rows.units), cut_p, dtype="int64")
    np.minimum.at(first_p, rows.unit, p)
    lengths = (cut_p - first_p + 1).astype("int64")
    ends = np.cumsum(lengths)
    starts = ends - lengths
    pos = starts[rows.unit] + (p - first_p[rows.unit])
    return _Grid(first_p, lengths, starts, ends, pos, bool(np.all(pos[1:] >= pos[:-1])), int(first_p.min()))


@dataclass
class _WonOutcomes:
    """Won outcomes up to the cut-off that fall inside the panel: their unit code, grid row and value."""

    unit: np.ndarray
    pos: np.ndarray
    value: np.ndarray
    outside: int  # won outcomes of no unit, or before their unit's first interaction


def _won_outcomes(outcomes: pd.DataFrame, contacts: pd.DataFrame, unit: str, cut: pd.Timestamp, step: int,
                  units: np.ndarray, grid: _Grid) -> _WonOutcomes:
    """Won outcomes placed in the grid; those before a unit's first interaction fall outside the panel."""
    won = (outcomes["status"] == "won").to_numpy() & (outcomes["timestamp"] <= cut).to_numpy()
    o_units = _units_of_outcomes(outcomes, contacts, unit)[won]
    code = pd.Index(units).get_indexer(o_units.astype(object).where(o_units.notna(), None))
    period = month_ordinal(outcomes.loc[won, "timestamp"]) // step
    value = outcomes.loc[won, "value"].fillna(0.0).to_numpy()
    inside = code >= 0
    inside[inside] &= period[inside] >= grid.first_p[code[inside]]
    return _WonOutcomes(code[inside], grid.row(code[inside], period[inside]), value[inside], int((~inside).sum()))


def _batch_bounds(ends: np.ndarray, batch_rows: int | None) -> np.ndarray:
    """The first unit of each batch, then the number of units: cut where the rows pass a multiple of batch_rows."""
    cuts = np.flatnonzero(np.diff((ends - 1) // batch_rows)) + 1 if batch_rows else []
    return np.concatenate([[0], cuts, [len(ends)]]).astype("int64")


def _batch_members(rows: _PanelRows, grid: _Grid, won: _WonOutcomes, unit_bounds: np.ndarray):
    """Yield, per batch, the positions of its interactions and the selector of its won outcomes.

    With one batch that is everything; otherwise the interactions are grouped by
    batch (a stable sort, so they keep their order within a batch).
    """
    n_batches = len(unit_bounds) - 1
    if n_batches == 1:
        yield slice(None), slice(None)
        return
    unit_batch = np.repeat(np.arange(n_batches), np.diff(unit_bounds))  # 0, 1, 2, ... by unit
    row_batch = unit_batch[rows.unit]
    order = np.argsort(row_batch.astype(np.int16 if n_batches < 2**15 else np.int64), kind="stable")
    row_bounds = np.concatenate([[0], np.cumsum(np.bincount(row_batch, minlength=n_batches))])
    won_batch = unit_batch[won.unit]
    for i in range(n_batches):
        yield order[row_bounds[i]:row_bounds[i + 1]], won_batch == i


def _batches(rows: _PanelRows, grid: _Grid, won: _WonOutcomes, unit_bounds: np.ndarray, unit_col: str,
             months, decay: float, step: int):
    """Yield the panel's columns batch by batch, carrying the running sum of minutes across batches."""
    carry = 0.0  # the running sum of minutes over all rows before the batch
    for i, (members, won_members) in enumerate(_batch_members(rows, grid, won, unit_bounds)):
        first_unit, end_unit = unit_bounds[i], unit_bounds[i + 1]
        row0 = int(grid.starts[first_unit])
        columns, carry = _batch_columns(
            grid, first_unit, end_unit, carry, decay, step,
            pos=grid.pos[members] - row0, minutes=rows.minutes[members],
            inbound=rows.inbound[members], outbound=rows.outbound[members],
            won_pos=won.pos[won_members] - row0, won_value=won.value[won_members])
        columns = {unit_col: pa.array(rows.units[first_unit:end_unit], type=pa.large_string()).take(
            pa.array(np.repeat(np.arange(end_unit - first_unit), grid.lengths[first_unit:end_unit]))),
            "period": months.take(columns.pop("_grid_p") - grid.first_month), **columns}
        yield columns


def _batch_columns(grid: _Grid, first_unit: int, end_unit: int, carry: float, decay: float, step: int, *,
                   pos, minutes, inbound, outbound, won_pos, won_value) -> tuple[dict, float]:
    """The numeric columns of one batch of units, and the running sum of minutes after it.

    `pos` and `won_pos` are rows within the batch; `_grid_p` (each row's period)
    is returned for the caller to turn into timestamps.
    """
    n = int(grid.ends[end_unit - 1]) - int(grid.starts[first_unit])
    lengths = grid.lengths[first_unit:end_unit]
    starts = grid.starts[first_unit:end_unit] - grid.starts[first_unit]
    k = np.arange(n) - np.repeat(starts, lengths)  # periods since the unit's first
    grid_p = np.repeat(grid.first_p[first_unit:end_unit], lengths) + k
    mins = _sums(pos, minutes, n, grid.in_order)
    cum = np.cumsum(np.concatenate([[carry], mins]))
    carry = cum[-1]
    cum = cum[1:] - np.repeat(cum[starts], lengths)  # minus the running sum before the unit's first row
    touches = np.bincount(pos, minlength=n)
    last = np.maximum.accumulate(np.where(touches > 0, np.arange(n), 0))  # each unit's first row is touched
    outcomes_won = np.zeros(n, dtype="int64")
    np.add.at(outcomes_won, won_pos, 1)
    value_won = np.zeros(n, dtype="float64")
    np.add.at(value_won, won_pos, won_value)
    return {
        "_grid_p": grid_p,
        "touches": touches.astype("int64"), "minutes": mins,
        "inbound": np.bincount(pos[inbound], minlength=n).astype("int64"),
        "outbound": np.bincount(pos[outbound], minlength=n).astype("int64"),
        "cum_minutes": np.round(cum, 9), "stock": _recursion(mins, lengths, k, decay),
        "months_since_first": (k * step).astype("int64"),
        "months_since_last": ((grid_p - grid_p[last]) * step).astype("int64"),
        "outcomes_won": outcomes_won, "value_won": value_won,
    }, carry


def panel_frame(unit_col: str, columns: dict) -> pd.DataFrame:
    """The panel DataFrame of one batch of `panel_columns` (no `attrs`); the columns' arrays are not copied."""
    out = pd.DataFrame({unit_col: pd.array(columns[unit_col], dtype="string"),
                        **{c: columns[c] for c in COLUMNS}}, copy=False)
    out["period"] = pd.to_datetime(out["period"], utc=True)
    return out


FRAME_BATCH_ROWS = 2_000_000  # rows built at a time by `build_panel`: its scratch arrays stay this size


def _joined(cols: PanelColumns) -> dict:
    """The columns of every batch of `cols`, one after the other, each filled into one array of all the rows."""
    first = next(cols.batches)
    if len(first["touches"]) == cols.rows:
        return first
    numeric = [c for c in COLUMNS if c != "period"]
    out = {c: np.empty(cols.rows, dtype=first[c].dtype) for c in numeric}
    units, periods, at = [], [], 0
    for batch in itertools.chain([first], cols.batches):
        n = len(batch["touches"])
        for c in numeric:
            out[c][at:at + n] = batch[c]
        units.append(batch[cols.unit_col])
        periods.append(pd.Series(batch["period"]))
        at += n
    out[cols.unit_col] = pa.concat_arrays(units)
    out["period"] = pd.concat(periods, ignore_index=True).array
    return out


def build_panel(ds, freq: str = "M", half_life_months: float = 3.0, unit: str = "contact",
                as_of: pd.Timestamp | None = None, minutes_by_channel: dict | None = None) -> pd.DataFrame:
    """One row per unit and period, dense from the unit's first interaction to `as_of`.

    Columns: the unit (`contact_id` or `account`), `period` (period start, UTC),
    `touches`, `minutes`, `inbound`, `outbound`, `cum_minutes`, `stock` (the
    carryover of invested minutes: each month keeps ``0.5 ** (1/half_life)`` of
    the previous stock and adds this month's minutes), `months_since_first`,
    `months_since_last` (months since the last period with a touch),
    `outcomes_won`, `value_won`.
    """
    half_life_months = check_parameters(freq, half_life_months, unit)
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    inter = Interactions.from_frame(ds.interactions, minutes_by_channel)
    cols = panel_columns(inter, ds.contacts, ds.outcomes, cut, freq=freq, half_life_months=half_life_months,
                         unit=unit, batch_rows=FRAME_BATCH_ROWS)
    out = empty_panel(cols.unit_col) if cols.empty else panel_frame(cols.unit_col, _joined(cols))
    out.attrs.update(cols.attrs)
    return out


def empty_panel(unit_col: str) -> pd.DataFrame:
    """The panel with no rows (the dtypes of an empty build)."""
    return pd.DataFrame({
        unit_col: pd.Series([], dtype="string"), "period": pd.Series([], dtype="datetime64[ns, UTC]"),
        **{c: pd.Series([], dtype="int64") for c in ("touches", "inbound", "outbound")},
        **{c: pd.Series([], dtype="float64") for c in ("minutes", "cum_minutes", "stock")},
        **{c: pd.Series([], dtype="int64") for c in ("months_since_first", "months_since_last", "outcomes_won")},
        "value_won": pd.Series([], dtype="float64"),
    })[[unit_col, *COLUMNS]]


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

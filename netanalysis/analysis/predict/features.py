"""Features for predicting outcomes: one row per unit and decision month, using only the past.

A row for decision month ``t`` describes a relationship with data from *before*
``t`` only (the panel row of month ``t - 1``), and its label says whether a won
outcome came in the ``horizon_months`` months from ``t`` on. Everything is
vectorised over the dense panel (no Python loop over units): window sums are
differences of one running sum, reset at each unit's first row.

The last decision month, the month after `as_of`, has no label: those rows are
what the follow-up list scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.analysis.predict.sample import UnitSample, only_units
from netanalysis.dates import as_timestamp, month_ordinal, ordinal_to_timestamp
from netanalysis.errors import UserError
from netanalysis.panel.build import UNITS, _stock, decay_per_month, unit_of_interactions

HALF_LIVES = (1.0, 3.0, 6.0, 12.0)
WINDOWS = (1, 3, 6, 12)
# Channel mix: the share of past touches in each group of channels.
CHANNEL_GROUPS = {"meeting": "meetings", "event": "meetings", "call": "calls", "email": "written",
                  "message": "written"}
MIX = ("meetings", "calls", "written", "other")


def _hl_name(h: float) -> str:
    return f"stock_hl{h:g}".replace(".", "_")


def feature_columns(half_lives=HALF_LIVES) -> list[str]:
    """The names of the feature columns, in order."""
    return ([_hl_name(h) for h in half_lives] + ["cum_hours"] + [f"touches_{w}m" for w in WINDOWS]
            + ["months_since_first", "months_since_last", "inbound_share"] + [f"share_{g}" for g in MIX]
            + ["past_outcomes", "outcomes_12m", "dormant_6m", "dormant_12m"])


MIX_WORDS = {"meetings": "meetings", "calls": "calls", "written": "emails or messages", "other": "other channels"}


def _months(n: float) -> str:
    return f"{n:g} month" + ("" if n == 1 else "s")


def feature_labels(half_lives=HALF_LIVES) -> dict[str, str]:
    """Each feature column's name in words, for charts and tables: the one place they are written.

    >>> feature_labels()["stock_hl6"]
    'time invested still working (half-life 6 months)'
    """
    words = {_hl_name(h): f"time invested still working (half-life {_months(h)})" for h in half_lives}
    words["cum_hours"] = "hours invested so far"
    words.update({f"touches_{w}m": "touches last month" if w == 1 else f"touches in the last {w} months"
                  for w in WINDOWS})
    words.update({"months_since_first": "months since the first touch", "months_since_last": "months since the last touch",
                  "inbound_share": "share of touches they started"})
    words.update({f"share_{g}": f"share of touches: {MIX_WORDS[g]}" for g in MIX})
    words.update({"past_outcomes": "won outcomes so far", "outcomes_12m": "won outcomes in the last 12 months",
                  "dormant_6m": "no touch for 6 months", "dormant_12m": "no touch for 12 months"})
    return words


def feature_label(name: str) -> str:
    """One feature column's name in words (the column name itself when it is not a known feature)."""
    return feature_labels().get(name, str(name))


def _running(x: np.ndarray, row_start: np.ndarray) -> np.ndarray:
    """Running sum of `x` within each unit (rows of a unit are contiguous; `row_start` per row)."""
    cs = np.cumsum(x, dtype="float64")
    base = np.where(row_start > 0, cs[np.maximum(row_start - 1, 0)], 0.0)
    return cs - base


def _window(x: np.ndarray, row_start: np.ndarray, w: int) -> np.ndarray:
    """Sum of `x` over each row and the `w - 1` rows before it, within the unit."""
    run = _running(x, row_start)
    i = np.arange(len(x))
    lo = i - w
    before = np.where(lo >= row_start, run[np.maximum(lo, 0)], 0.0)
    return run - before


def known_at(ds, cut: pd.Timestamp):
    """The dataset as known at `cut`: `ds.until(cut)`, or `ds` itself when it holds nothing `until` would drop
    (no record after `cut`; every contact first seen by then or met in a record), sparing a copy of every table."""
    last = ds.last_timestamp
    if last is not None and last > cut:
        return ds.until(cut)
    later = ds.contacts.loc[~(ds.contacts["first_seen"] <= cut), "contact_id"]
    if later.empty:
        return ds
    met = pd.Index(pd.concat([ds.interactions["contact_id"], ds.outcomes["contact_id"].dropna()]).unique())
    return ds if (met.get_indexer(later) >= 0).all() else ds.until(cut)


def complete_months_end(cut: pd.Timestamp) -> int:
    """The month ordinal of the first month not fully observed at `cut` (labels must end before it)."""
    return int(month_ordinal(pd.Series([cut + pd.Timedelta(seconds=1)]))[0])


def feature_table(ds, as_of: pd.Timestamp | None = None, horizon_months: int = 6, unit: str = "contact",
                  half_lives=HALF_LIVES, minutes_by_channel: dict | None = None, sample="auto", seed: int = 0,
                  score_every_unit: bool = True) -> pd.DataFrame:
    """One row per unit and decision month `period`, with features from before it and the label after it.

    Features (all from data strictly before `period`): the carryover `stock_hl<H>`
    of invested minutes at half-lives H months, `cum_hours`, `touches_<w>m` in
    the last w months, `months_since_first` / `months_since_last` touch,
    `inbound_share` of touches (reciprocity), the channel mix `share_*`,
    `past_outcomes` and `outcomes_12m` (won), `dormant_6m` / `dormant_12m` (no
    touch for 6 / 12 months). `label` is 1.0 when a won outcome came in the
    `horizon_months` months from `period` on, 0.0 when none came, and NaN when
    that window is not over at `as_of`. `scoring` marks the month after `as_of`
    (what the follow-up list ranks); `info_time` is the instant the features are
    known (`period`, exclusive).

    `sample`: the `sample.UnitSample` of units whose months are kept, None for
    every unit, or "auto": a sample drawn with `seed` when the panel has more than
    `sample.SAMPLE_ABOVE_ROWS` rows (`attrs["unit_sample"]` says what was kept).
    With a sample, the other units keep only their scoring row, unless
    `score_every_unit` is False (then they have no row at all).
    """
    horizon_months = _check_horizon(horizon_months)
    if unit not in UNITS:
        raise UserError(f"unit: {unit!r} is not one of {', '.join(UNITS)}")
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    ds = known_at(ds, cut)
    unit_col = "contact_id" if unit == "contact" else "account"
    if isinstance(sample, UnitSample) and not score_every_unit and unit == "contact":
        ds = only_units(ds, sample)  # the other contacts' rows would all be dropped: do not build them
    panel = ds.panel(freq="M", half_life_months=3.0, unit=unit, as_of=cut, minutes_by_channel=minutes_by_channel)
    cols = feature_columns(half_lives)
    attrs = _attrs(cut, horizon_months, unit, cols)
    if panel.empty:
        return _empty_table(unit_col, cols, attrs)

    codes, uniques = pd.factorize(panel[unit_col])
    n = len(panel)
    new_unit = np.r_[True, codes[1:] != codes[:-1]]
    starts = np.flatnonzero(new_unit)
    row_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    row_end = np.repeat(np.r_[starts[1:], n] - 1, np.diff(np.r_[starts, n]))
    p = month_ordinal(panel["period"])  # panel month p describes decision month t = p + 1
    scoring = np.arange(n) == row_end
    if isinstance(sample, str):
        sample = UnitSample.for_rows(n, seed)
    keep = None
    if sample is not None:
        drawn = sample.keeps(uniques)
        keep = drawn[codes] | (scoring if score_every_unit else False)
        attrs["unit_sample"] = sample.describe(drawn.sum(), len(uniques), int((drawn[codes]).sum()), n)

    f = _features(ds, panel, unit, cut, half_lives, starts, row_start, p, keep)
    won = panel["outcomes_won"].to_numpy(dtype="float64")

    # Label: won outcomes in panel months p+1 .. p+h, i.e. decision months t .. t+h-1.
    run_won = _running(won, row_start)
    ahead = np.arange(n) + horizon_months
    labelled = (p + horizon_months < complete_months_end(cut)) & (ahead <= row_end)
    later = np.where(labelled, run_won[np.minimum(ahead, n - 1)], np.nan)
    label = np.where(labelled, (later - run_won > 0).astype("float64"), np.nan)
    units = panel[unit_col].astype("string").array
    if keep is not None:
        label, scoring, p, units = label[keep], scoring[keep], p[keep], units[keep]

    # Columns are handed over as arrays: a tz-aware column passed through numpy would become Python objects.
    period = pd.to_datetime(ordinal_to_timestamp(p + 1), utc=True).array
    out = pd.DataFrame({unit_col: units, "period": period,
                        **{c: f[c] for c in cols}, "label": label, "scoring": scoring,
                        "info_time": period})
    out.attrs.update(attrs)
    return out



def _empty_table(unit_col: str, cols, attrs: dict) -> pd.DataFrame:
    """The feature table with its columns and no rows (no interaction before `as_of`)."""
    out = pd.DataFrame({unit_col: pd.Series([], dtype="string"), "period": pd.Series([], dtype="datetime64[ns, UTC]"),
                        **{c: pd.Series([], dtype="float64") for c in cols},
                        "label": pd.Series([], dtype="float64"), "scoring": pd.Series([], dtype=bool),
                        "info_time": pd.Series([], dtype="datetime64[ns, UTC]")})
    out.attrs.update(attrs)
    return out


def _features(ds, panel: pd.DataFrame, unit: str, cut, half_lives, starts: np.ndarray, row_start: np.ndarray,
              p: np.ndarray, keep: np.ndarray | None = None) -> dict:
    """The feature columns by name, each row from the panel months up to its own (see `feature_table`);
    only the rows where `keep` is True (every row when None), each column cut as soon as it is made."""
    unit_col = "contact_id" if unit == "contact" else "account"
    f = {}

    def put(name, values):
        f[name] = values if keep is None else values[keep]

    minutes = panel["minutes"].to_numpy(dtype="float64")
    for h in half_lives:
        put(_hl_name(h), _stock(minutes, starts, decay_per_month(h)))
    put("cum_hours", panel["cum_minutes"].to_numpy(dtype="float64") / 60.0)
    touches = panel["touches"].to_numpy(dtype="float64")
    for w in WINDOWS:
        put(f"touches_{w}m", _window(touches, row_start, w))
    put("months_since_first", panel["months_since_first"].to_numpy(dtype="float64") + 1.0)
    put("months_since_last", panel["months_since_last"].to_numpy(dtype="float64") + 1.0)
    cum_touches = _running(touches, row_start)
    put("inbound_share", _running(panel["inbound"].to_numpy(dtype="float64"), row_start) / cum_touches)
    rows = _channel_rows(ds, unit, cut, panel[unit_col], p, starts)
    for g in MIX:
        counts = np.bincount(rows.pop(g), minlength=len(p)).astype("float64")
        put(f"share_{g}", _running(counts, row_start) / cum_touches)
    won = panel["outcomes_won"].to_numpy(dtype="float64")
    put("past_outcomes", _running(won, row_start))
    put("outcomes_12m", _window(won, row_start, 12))
    f["dormant_6m"] = (f["touches_6m"] == 0).astype("float64")
    f["dormant_12m"] = (f["touches_12m"] == 0).astype("float64")
    return f


def _attrs(cut, horizon, unit, cols) -> dict:
    return {"as_of": cut.isoformat(), "horizon_months": horizon, "unit": unit, "feature_columns": list(cols)}


def _check_horizon(horizon_months) -> int:
    try:
        h = int(horizon_months)
    except (TypeError, ValueError):
        raise UserError(f"horizon_months: {horizon_months!r} is not a whole number of months") from None
    if h != horizon_months or not 1 <= h <= 60:
        raise UserError(f"horizon_months: must be a whole number of months from 1 to 60, got {horizon_months!r}")
    return h


def _channel_rows(ds, unit: str, cut, panel_units: pd.Series, panel_p: np.ndarray, starts: np.ndarray) -> dict:
    """For each channel group, the panel row (unit, month) of every touch in it up to `cut`.

    The panel is dense from each unit's first month (`starts`: each unit's first
    row, units in the order they appear), so a touch's row is its unit's first
    row plus its months since that unit's first month. Distinct units and
    channels are looked up once each: far fewer than the touches.
    """
    inter = ds.interactions
    unit_codes, unit_ids = pd.factorize(unit_of_interactions(ds, unit))  # a missing unit: -1
    known = pd.Index(panel_units.to_numpy()[starts]).get_indexer(unit_ids.astype(object))  # -1: not in the panel
    known[np.asarray(unit_ids == "", dtype=bool)] = -1  # an empty unit is no unit
    code = np.where(unit_codes >= 0, np.r_[known, -1][unit_codes], -1)
    channel_codes, channels = pd.factorize(inter["channel"])
    group_of = np.array([MIX.index(CHANNEL_GROUPS.get(str(c), "other")) for c in channels] + [MIX.index("other")])
    group = group_of[channel_codes]  # a missing channel (code -1) takes the last entry: other
    first = starts[np.maximum(code, 0)]
    row = first + (month_ordinal(inter["timestamp"]) - panel_p[first])
    ends = np.r_[starts[1:], len(panel_p)][np.maximum(code, 0)]
    inside = (code >= 0) & (row >= first) & (row < ends) & (inter["timestamp"] <= cut).to_numpy()
    return {name: row[inside & (group == k)] for k, name in enumerate(MIX)}

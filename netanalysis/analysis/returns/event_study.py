"""Event study: activity in the months around each won outcome.

For every won outcome, the unit's minutes and touches are read in each month
from `window` months before to `window` months after it (month 0 is the
outcome's month; only months in which the unit is observed, from its first
interaction to `as_of`, count). Each point is the mean over outcomes, with a
95% interval from a bootstrap that resamples units (one unit's outcomes are not
independent), and the number of outcomes and units behind it.

The baseline is the same units' mean in months more than `window` months from
any of their won outcomes. Activity that piles up in the last months before a
win, far above the months further back, is what reverse causation looks like:
meetings held *because* a deal is closing. Time invested well before a win,
with no last-minute spike, is what carryover would look like. Neither pattern
proves a cause.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from netanalysis.dates import as_timestamp, month_ordinal
from netanalysis.panel.build import build_panel, unit_of_outcomes

ALIGNS = ("outcome", "opened")
NEAR = (-1, 0)  # the month of the win and the one before
FAR = (-6, -4)  # months 4 to 6 before it


@dataclass
class EventStudy:
    """Mean activity by months from an event, with its baseline.

    Attributes
    ----------
    table : one row per event month: `event_month`, `outcomes`, `units`, `minutes`,
        `minutes_low`, `minutes_high`, `touches`, `touches_low`, `touches_high`
    baseline : `minutes`, `minutes_low`, `minutes_high`, `touches`, `unit_months`, `units`
        (NaN where no month is far enough from every outcome)
    near_to_far : mean minutes in event months -1..0 over months -6..-4, with `near_to_far_ci`
    align : "outcome" (month 0 = the outcome's month) or "opened" (= the opening month)
    """

    table: pd.DataFrame
    baseline: dict
    near_to_far: float | None
    near_to_far_ci: list | None
    align: str = "outcome"
    notes: list[str] = field(default_factory=list)

    @property
    def n_outcomes(self) -> int:
        return int(self.table["outcomes"].max()) if len(self.table) else 0

    def sentence(self, who: str = "relationships") -> str:
        """What the curve shows, in plain words (no causal claim)."""
        return describe_event_study(self, who)


def event_study_panel(ds, unit: str = "contact", as_of: pd.Timestamp | None = None,
                      align: str = "outcome", panel: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The unit-month activity (`unit`, `month`, `minutes`, `touches`) of the units with an event, and the events
    (`unit`, `month`).

    Events are the won outcomes up to `as_of`; with `align="opened"`, those with
    an opening date, placed in their opening month. Only the units with an event
    enter `event_study`, so only their months are kept. `panel`: the monthly
    panel up to `as_of` when already built (`ds.panel(freq="M", unit=unit, as_of=as_of)`).
    """
    if align not in ALIGNS:
        raise ValueError(f"align: {align!r} is not one of {', '.join(ALIGNS)}")
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    events = _events(ds, unit, cut, align)
    panel = build_panel(ds, freq="M", unit=unit, as_of=cut) if panel is None else panel
    unit_col = "contact_id" if unit == "contact" else "account"
    panel = panel[panel[unit_col].isin(events["unit"].unique()).to_numpy()]
    activity = pd.DataFrame({"unit": panel[unit_col].astype(str).to_numpy(),
                             "month": month_ordinal(panel["period"]) if len(panel) else np.zeros(0, dtype="int64"),
                             "minutes": panel["minutes"].to_numpy(dtype=float),
                             "touches": panel["touches"].to_numpy(dtype=float)})
    return activity, events


def _events(ds, unit: str, cut: pd.Timestamp, align: str) -> pd.DataFrame:
    """The won outcomes up to `cut` as (`unit`, `month`): of the win, or of the opening with `align="opened"`."""
    won = ds.outcomes[(ds.outcomes["status"] == "won") & (ds.outcomes["timestamp"] <= cut)]
    owner = unit_of_outcomes(ds, unit)[won.index]
    when = won["timestamp"]
    if align == "opened":
        opened = won["opened_at"] if "opened_at" in won else pd.Series(pd.NaT, index=won.index)
        keep = opened.notna().to_numpy()
        owner, when = owner[keep], opened[keep]
    keep = owner.notna().to_numpy()
    return pd.DataFrame({"unit": owner[keep].astype(str).to_numpy(),
                         "month": month_ordinal(when[keep]) if keep.any() else np.zeros(0, dtype="int64")})


def event_study(activity: pd.DataFrame, events: pd.DataFrame, window: int = 6, n_boot: int = 500, seed: int = 0,
                align: str = "outcome") -> EventStudy:
    """Mean minutes and touches per unit-month by months from each event, against the baseline.

    Parameters
    ----------
    activity : `unit`, `month` (ordinal), `minutes`, `touches`: the months each unit is observed
    events : `unit`, `month`: one row per event (a unit may have several)
    window : months shown before and after the event
    n_boot : bootstrap resamples of units

    Examples
    --------
    >>> act = pd.DataFrame({"unit": ["a"] * 3, "month": [0, 1, 2], "minutes": [0.0, 60.0, 0.0],
    ...                     "touches": [0.0, 1.0, 0.0]})
    >>> es = event_study(act, pd.DataFrame({"unit": ["a"], "month": [2]}), window=2, n_boot=10)
    >>> float(es.table.set_index("event_month").loc[-1, "minutes"])
    60.0
    """
    ks = np.arange(-int(window), int(window) + 1)
    cols = ["event_month", "outcomes", "units", "minutes", "minutes_low", "minutes_high", "touches", "touches_low",
            "touches_high"]
    base = {"minutes": np.nan, "minutes_low": np.nan, "minutes_high": np.nan, "touches": np.nan, "unit_months": 0,
            "units": 0}
    if events.empty or activity.empty:
        return EventStudy(pd.DataFrame(columns=cols), base, None, None, align, ["event study: no won outcomes"])
    units, codes = np.unique(events["unit"].astype(str).to_numpy(), return_inverse=True)
    sums, counts, far = _event_sums(activity, events, units, codes, ks, int(window))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(units), np.full(len(units), 1.0 / len(units)), size=int(n_boot)).astype(float)
    table = pd.DataFrame({"event_month": ks, "outcomes": counts["events"].sum(axis=0).astype(int),
                          "units": (counts["events"] > 0).sum(axis=0).astype(int)})
    for what in ("minutes", "touches"):
        mean, boot = _ratio(sums[what], counts["events"], draws)
        table[what] = mean
        table[[f"{what}_low", f"{what}_high"]] = _percentiles(boot)
    fm, fboot = _ratio(far["minutes"][:, None], far["months"][:, None], draws)
    ft, _ = _ratio(far["touches"][:, None], far["months"][:, None], draws)
    lo, hi = _percentiles(fboot)[0]
    base.update(minutes=float(fm[0]), minutes_low=lo, minutes_high=hi, touches=float(ft[0]),
                unit_months=int(far["months"].sum()), units=int((far["months"] > 0).sum()))
    ratio, ratio_ci, notes = _near_to_far(sums["minutes"], counts["events"], ks, draws)
    if base["unit_months"] == 0:
        notes.append(f"event study baseline: no month is more than {window} months from every won outcome")
    return EventStudy(table[cols], base, ratio, ratio_ci, align, notes)


def _event_sums(activity, events, units, codes, ks, window):
    """Per unit (rows) and event month (columns): summed minutes, touches and events observed; far months."""
    act = activity[activity["unit"].astype(str).isin(units)]
    key = pd.MultiIndex.from_arrays([act["unit"].astype(str).to_numpy(), act["month"].to_numpy()])
    lookup = pd.Series(np.arange(len(act)), index=key)
    ev_units = np.repeat(units[codes], len(ks))
    ev_months = np.repeat(events["month"].to_numpy(dtype="int64"), len(ks)) + np.tile(ks, len(events))
    row = lookup.reindex(pd.MultiIndex.from_arrays([ev_units, ev_months])).to_numpy()
    seen = ~np.isnan(row)
    pos = (np.repeat(codes, len(ks))[seen], np.tile(np.arange(len(ks)), len(events))[seen])
    take = row[seen].astype(int)
    shape = (len(units), len(ks))
    sums = {w: np.zeros(shape) for w in ("minutes", "touches")}
    for w in sums:
        np.add.at(sums[w], pos, act[w].to_numpy(dtype=float)[take])
    n = np.zeros(shape)
    np.add.at(n, pos, 1.0)
    # Months more than `window` from every event of the same unit.
    ucode = pd.Index(units).get_indexer(act["unit"].astype(str))
    ev = pd.DataFrame({"u": codes, "m": events["month"].to_numpy(dtype="int64")})
    near = np.zeros(len(act), dtype=bool)
    for k in range(-window, window + 1):
        near |= pd.MultiIndex.from_arrays([ucode, act["month"].to_numpy() - k]).isin(
            pd.MultiIndex.from_arrays([ev["u"], ev["m"]]))
    far = {w: np.bincount(ucode[~near], weights=act[w].to_numpy(dtype=float)[~near], minlength=len(units))
           for w in ("minutes", "touches")}
    far["months"] = np.bincount(ucode[~near], minlength=len(units)).astype(float)
    return sums, {"events": n}, far


def _ratio(num: np.ndarray, den: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sum(num) / sum(den) by column, and the same for each bootstrap draw of units (NaN where den is 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = den.sum(axis=0)
        mean = np.where(d > 0, num.sum(axis=0) / np.where(d > 0, d, 1), np.nan)
        bd = draws @ den
        boot = np.where(bd > 0, (draws @ num) / np.where(bd > 0, bd, 1), np.nan)
    return mean, boot


def _percentiles(boot: np.ndarray) -> np.ndarray:
    """2.5% and 97.5% of each column's finite draws (NaN for a column with none)."""
    out = np.full((boot.shape[1], 2), np.nan)
    for j in range(boot.shape[1]):
        col = boot[:, j][np.isfinite(boot[:, j])]
        if col.size:
            out[j] = np.quantile(col, [0.025, 0.975])
    return out


def _near_to_far(minutes, n, ks, draws):
    """Mean minutes in the win month and the one before, over months 4-6 before it (bootstrap interval)."""
    near = (ks >= NEAR[0]) & (ks <= NEAR[1])
    far = (ks >= FAR[0]) & (ks <= FAR[1])
    if not far.any() or n[:, far].sum() == 0 or n[:, near].sum() == 0:
        return None, None, ["event study: too few months before the outcomes to compare near and far"]
    m_near, b_near = _ratio(minutes[:, near].sum(axis=1, keepdims=True), n[:, near].sum(axis=1, keepdims=True), draws)
    m_far, b_far = _ratio(minutes[:, far].sum(axis=1, keepdims=True), n[:, far].sum(axis=1, keepdims=True), draws)
    if not m_far[0] > 0:
        return None, None, ["event study: no minutes at all 4-6 months before the outcomes"]
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = b_near / b_far
    boot[~np.isfinite(boot)] = np.nan
    lo, hi = _percentiles(boot)[0]
    return float(m_near[0] / m_far[0]), [float(lo), float(hi)], []


def describe_event_study(es: EventStudy, who: str = "relationships") -> str:
    """Plain sentences: the spike before outcomes against the months further back and the baseline."""
    if es.table.empty or es.near_to_far is None:
        return "There are too few won outcomes with months of history before them to show activity around them."
    t = es.table.set_index("event_month")
    near = t.loc[list(NEAR), "minutes"].mean()
    far = t.loc[list(range(FAR[0], FAR[1] + 1)), "minutes"].mean()
    lo, hi = es.near_to_far_ci
    anchor = "the opportunity opened" if es.align == "opened" else "the outcome was won"
    text = (f"Around **{es.n_outcomes:,}** won outcomes, the {who} had on average **{near:.0f}** minutes per month in the "
            f"month {anchor} and the month before, against **{far:.0f}** four to six months before "
            f"(ratio {es.near_to_far:.1f}, 95% interval {lo:.1f} to {hi:.1f})")
    if np.isfinite(es.baseline["minutes"]):
        text += f"; far from any outcome the same {who} had **{es.baseline['minutes']:.0f}** minutes per month"
    text += ". "
    if lo > 1.5:
        text += ("Activity piles up just before the outcomes. That is what reverse causation looks like: meetings held "
                 "because a deal is closing, not time that paid off later. Time counted in the last months before a "
                 "win says little about delayed returns.")
    elif hi < 1.5 and lo > 1:
        text += ("Activity is somewhat higher just before the outcomes, but short of a pile-up (1.5 times or "
                 "more); whether time invested earlier goes with them is for the verdict at the top of the page.")
    elif hi < 1.5:
        text += ("There is no last-minute pile-up, so the outcomes are not simply bringing their own meetings; whether "
                 "time invested earlier goes with them is for the verdict at the top of the page.")
    else:
        text += "The data cannot tell whether activity piles up just before the outcomes."
    return text

"""Tie strength (Granovetter) and dormant ties (Levin, Walter and Murnighan, 2011).

A *tie* is a relationship with one contact. At each month it is *active* when
minutes were invested in it in the previous 12 months (the month itself not
included, so a tie's class never knows about the month it is judged on). Active
ties are split into terciles of those minutes, pooled over all tie-months:
weak (at or below the lower threshold), medium, strong (above the upper one).

A *dormant tie* is one that was silent for 12 months or more and then touched
again (a *reactivation*). Its outcome rate in the months after the reactivation
is compared with that of ties that were kept active all along.

Rates are per tie-month: the share of tie-months in which the contact produced
at least one won outcome. Intervals come from a bootstrap that resamples
contacts (a contact's months are not independent of one another).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from netanalysis.analysis.network.bootstrap import cluster_bootstrap_ratio, rate_interval
from netanalysis.analysis.words import describe_hours, plural
from netanalysis.dates import DAYS_PER_MONTH, as_timestamp, month_ordinal
from netanalysis.panel.build import build_panel

CLASSES = ("weak", "medium", "strong")


def tie_months(ds, as_of: pd.Timestamp | None = None, window_months: int = 12) -> pd.DataFrame:
    """One row per contact and month, from the contact's first interaction to `as_of`.

    Columns: `contact_id`, `period` (month start), `month` (month ordinal),
    `minutes`, `touches`, `outcomes_won`, and `recent_minutes`, the minutes
    invested in the `window_months` months before this one (this month not included).
    """
    panel = build_panel(ds, freq="M", unit="contact", as_of=as_of)
    k = panel["months_since_first"].to_numpy()
    cum = panel["cum_minutes"].to_numpy(dtype=float)
    idx = np.arange(len(panel))
    w = int(window_months)
    before = np.where(k >= 1, cum[np.maximum(idx - 1, 0)], 0.0)
    before_window = np.where(k >= w + 1, cum[np.maximum(idx - w - 1, 0)], 0.0)
    recent = np.round(before - before_window, 6)
    out = pd.DataFrame({
        "contact_id": panel["contact_id"], "period": panel["period"],
        "month": month_ordinal(panel["period"]) if len(panel) else np.array([], dtype="int64"),
        "minutes": panel["minutes"], "touches": panel["touches"], "outcomes_won": panel["outcomes_won"],
        "recent_minutes": np.maximum(recent, 0.0),
    })
    out.attrs.update(panel.attrs)
    return out


def classify_ties(recent_minutes: pd.Series, thresholds: tuple[float, float]) -> pd.Series:
    """weak / medium / strong by recent minutes; NA for inactive ties (no recent minutes).

    >>> classify_ties(pd.Series([0, 10, 30, 90]), (10, 30)).tolist()
    [<NA>, 'weak', 'medium', 'strong']
    """
    r = recent_minutes.to_numpy(dtype=float)
    low, high = thresholds
    label = np.where(r <= low, "weak", np.where(r <= high, "medium", "strong")).astype(object)
    label[~(r > 0)] = None
    return pd.Series(label, index=recent_minutes.index, dtype="string")


def tercile_thresholds(recent_minutes: pd.Series) -> tuple[float, float] | None:
    """The 1/3 and 2/3 quantiles of recent minutes among active tie-months (None if there are none)."""
    active = recent_minutes[recent_minutes > 0].to_numpy(dtype=float)
    if active.size == 0:
        return None
    low, high = np.quantile(active, [1 / 3, 2 / 3])
    return float(low), float(high)


@dataclass
class TieStrength:
    """Outcomes by tie strength.

    Attributes
    ----------
    thresholds : (low, high) recent minutes that split weak / medium / strong, or None
    table : one row per class: tie_months, ties, months_with_outcome, outcomes_won,
        outcome_rate (+ _low/_high), outcome_share (+ _low/_high)
    outcomes_from_inactive : won outcomes of ties with no minutes in the previous 12 months
    outcomes_without_contact : won outcomes known only by their account (not in any tie)
    notes : why a figure is missing, including the reasons for null metrics
    window_months : the months of invested time that set a tie's strength
    has_outcomes : False when the data holds no outcome at all: only the classes are shown
    """

    thresholds: tuple[float, float] | None
    table: pd.DataFrame
    outcomes_from_inactive: int = 0
    outcomes_without_contact: int = 0
    notes: list[str] = field(default_factory=list)
    window_months: int = 12
    has_outcomes: bool = True

    @property
    def captions(self) -> dict:
        """The figure's caption, only when ties could be called weak or strong (else no figure is drawn)."""
        if not self.thresholds or not self.has_outcomes:
            return {}
        return {"05_tie_strength": "Share of won outcomes from weak, medium and strong ties, and the monthly chance "
                                   "that a tie of each strength produces a won outcome (95% intervals, resampling "
                                   "relationships)."}

    def rates(self) -> dict:
        return _by_class(self.table, "outcome_rate")

    def shares(self) -> dict:
        return _by_class(self.table, "outcome_share")

    def _interval(self, column: str) -> dict:
        t = self.table
        return {c: (None if pd.isna(t.at[c, column + "_low"]) else [float(t.at[c, column + "_low"]),
                                                                  float(t.at[c, column + "_high"])]) for c in CLASSES}

    def metrics(self) -> dict:
        """The `summary.json` metrics `outcome_rate_by_tie_strength`, `outcome_share_by_tie_strength`
        (each with `_ci` and `_n` when computed) and `tie_strength_thresholds_minutes`."""
        rates, shares = self.rates(), self.shares()
        if not self.has_outcomes:
            rates, shares = dict.fromkeys(rates), dict.fromkeys(shares)
        m: dict = {}
        if all(v is None for v in rates.values()):
            m["outcome_rate_by_tie_strength"] = None
        else:
            m["outcome_rate_by_tie_strength"] = rates
            m["outcome_rate_by_tie_strength_ci"] = self._interval("outcome_rate")
            m["outcome_rate_by_tie_strength_n"] = {c: int(self.table.at[c, "ties"]) for c in CLASSES}
        if all(v is None for v in shares.values()):
            m["outcome_share_by_tie_strength"] = None
        else:
            m["outcome_share_by_tie_strength"] = shares
            m["outcome_share_by_tie_strength_ci"] = self._interval("outcome_share")
            m["outcome_share_by_tie_strength_n"] = int(self.table["outcomes_won"].sum())
        m["tie_strength_thresholds_minutes"] = list(self.thresholds) if self.thresholds else None
        return m

    def summary(self) -> pd.DataFrame:
        """The table to read: one row per strength, with hours, counts, chances and shares."""
        t = self.table.assign(hours_from=[0.0, *(np.array(self.thresholds) / 60 if self.thresholds else [np.nan, np.nan])])
        outcome_cols = ["outcomes_won", "outcome_rate", "outcome_rate_low", "outcome_rate_high", "outcome_share",
                        "outcome_share_low", "outcome_share_high"] if self.has_outcomes else []
        return t[["hours_from", "tie_months", "ties", *outcome_cols]].round(4).rename(columns={
            "hours_from": f"hours in {self.window_months} months, above", "tie_months": "relationship-months",
            "ties": "relationships", "outcomes_won": "won outcomes", "outcome_rate": "monthly chance",
            "outcome_rate_low": "chance low", "outcome_rate_high": "chance high", "outcome_share": "share of outcomes",
            "outcome_share_low": "share low", "outcome_share_high": "share high"})

    def plot(self, axes=None):
        """Share of won outcomes and monthly chance by strength, two panels side by side; returns the Figure.

        `axes` is a pair of Axes to draw into (a new figure when None).
        """
        from netanalysis.plots.network import tie_strength_outcomes

        return tie_strength_outcomes(self.table, self.thresholds, axes=axes)

    def sentence(self) -> str:
        """What the thresholds and rates say, with the association caveat (empty without active ties)."""
        if not self.thresholds:
            return (f"No relationship had time invested in a previous {self.window_months}-month window yet, so no tie "
                    "can be called weak or strong, and there is no figure.")
        lo_h, hi_h = (t / 60 for t in self.thresholds)
        w = self.window_months
        if not self.has_outcomes:
            n = self.table["ties"]
            return (f"A tie counts as **weak** up to {describe_hours(lo_h)} in the previous {w} months, **strong** above "
                    f"{describe_hours(hi_h)}: in at least one month, {n['weak']} relationships were weak, "
                    f"{n['medium']} medium and {n['strong']} strong. There is no won outcome in this data (no outcomes were loaded), so which "
                    "kind of tie they come from cannot be shown.")
        total_won = int(self.table["outcomes_won"].sum()) + self.outcomes_from_inactive + self.outcomes_without_contact
        if total_won == 0:
            return (f"A tie counts as **weak** up to {describe_hours(lo_h)} in the previous {w} months, **strong** "
                    f"above {describe_hours(hi_h)}. There is no won outcome in this data, so tie strength cannot be "
                    "related to outcomes.")
        left_out = []
        if self.outcomes_from_inactive:
            left_out.append(f"{plural(self.outcomes_from_inactive, 'won outcome', ',')} came from relationships with no "
                            f"time invested in the previous {w} months (new or long-silent ones)")
        if self.outcomes_without_contact:
            left_out.append(f"{plural(self.outcomes_without_contact, 'won outcome', ',')} "
                            f"{'is' if self.outcomes_without_contact == 1 else 'are'} known only by their account")
        tail = ("; ".join(left_out) + (" (not in the shares)." if left_out else "")).strip()
        return (f"A tie counts as **weak** up to {describe_hours(lo_h)} in the previous {w} months, **strong** above "
                f"{describe_hours(hi_h)}. " + describe_tie_rates(self.rates()) + (tail[0].upper() + tail[1:] if tail else "")).strip()


def _with_metric_notes(ts: TieStrength) -> TieStrength:
    """Add the reasons why the rate or share metrics are null to the result's notes."""
    if not ts.has_outcomes:
        ts.notes[:] = [n for n in ts.notes if "won outcome" not in n] + [
            f"{key}: {NO_OUTCOMES}" for key in ("outcome_rate_by_tie_strength", "outcome_share_by_tie_strength")]
        return ts
    if all(v is None for v in ts.rates().values()):
        ts.notes.append("outcome_rate_by_tie_strength: no tie was active in a previous window, so no rate can be computed")
    if all(v is None for v in ts.shares().values()):
        ts.notes.append("outcome_share_by_tie_strength: no won outcome came from a tie with time invested in the previous "
                        f"{ts.window_months} months")
    return ts


def _by_class(table: pd.DataFrame, column: str) -> dict:
    return {c: (None if pd.isna(table.at[c, column]) else float(table.at[c, column])) for c in CLASSES}


def tie_strength(ds, as_of: pd.Timestamp | None = None, window_months: int = 12, n_boot: int = 1000,
                 seed: int = 0, months: pd.DataFrame | None = None) -> TieStrength:
    """Outcome rate and share of won outcomes by tie strength, with contact-bootstrap intervals.

    `months` is :func:`tie_months` for the same `as_of` and `window_months` when
    already made (dormant ties use it too).
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    tm = tie_months(ds, cut, window_months) if months is None else months
    known = bool((ds.outcomes["timestamp"] <= cut).any())
    won = ds.outcomes[(ds.outcomes["status"] == "won") & (ds.outcomes["timestamp"] <= cut)]
    without_contact = int(won["contact_id"].isna().sum())
    thresholds = tercile_thresholds(tm["recent_minutes"])
    notes = []
    empty = pd.DataFrame(index=pd.Index(CLASSES, name="tie_strength"), columns=[
        "tie_months", "ties", "months_with_outcome", "outcomes_won", "outcome_rate", "outcome_rate_low",
        "outcome_rate_high", "outcome_share", "outcome_share_low", "outcome_share_high"], dtype=float)
    if thresholds is None:
        notes.append(f"tie strength: no contact had minutes invested in a previous {window_months}-month window yet")
        return _with_metric_notes(TieStrength(None, empty, int(tm["outcomes_won"].sum()), without_contact, notes,
                                              window_months, known))
    recent = tm["recent_minutes"].to_numpy(dtype=float)
    is_active = recent > 0
    active = tm[is_active]
    inactive_outcomes = int(tm.loc[~is_active, "outcomes_won"].sum())
    codes, _ = pd.factorize(active["contact_id"])
    n = int(codes.max()) + 1 if len(codes) else 0
    low, high = thresholds  # the classes of `classify_ties`, as positions in CLASSES
    cls = np.where(recent[is_active] <= low, 0, np.where(recent[is_active] <= high, 1, 2))
    hit = (active["outcomes_won"].to_numpy() > 0).astype(float)
    outs = active["outcomes_won"].to_numpy(dtype=float)
    months = np.zeros((n, 3))
    hits = np.zeros((n, 3))
    won_n = np.zeros((n, 3))
    np.add.at(months, (codes, cls), 1.0)
    np.add.at(hits, (codes, cls), hit)
    np.add.at(won_n, (codes, cls), outs)
    rate_ci = cluster_bootstrap_ratio(hits, months, n_boot, seed)
    share_ci = cluster_bootstrap_ratio(won_n, np.repeat(won_n.sum(axis=1, keepdims=True), 3, axis=1), n_boot, seed + 1)
    table = empty.copy()
    total_won = won_n.sum()
    for j, c in enumerate(CLASSES):
        m = months[:, j].sum()
        table.loc[c, ["tie_months", "ties", "months_with_outcome", "outcomes_won"]] = [
            m, (months[:, j] > 0).sum(), hits[:, j].sum(), won_n[:, j].sum()]
        if m > 0:
            table.loc[c, ["outcome_rate", "outcome_rate_low", "outcome_rate_high"]] = [
                hits[:, j].sum() / m, *rate_interval(hits[:, j].sum(), m, rate_ci[j])]
        else:
            notes.append(f"tie strength: no tie-month falls in the {c} class (many ties share the same minutes)")
        if total_won > 0:
            table.loc[c, ["outcome_share", "outcome_share_low", "outcome_share_high"]] = [
                won_n[:, j].sum() / total_won, *rate_interval(won_n[:, j].sum(), total_won, share_ci[j])]
    if total_won == 0:
        notes.append("tie strength: no won outcome came from a tie active in the previous "
                     f"{window_months} months, so the shares cannot be computed")
    for c in ("tie_months", "ties", "months_with_outcome", "outcomes_won"):
        table[c] = table[c].astype("int64")
    return _with_metric_notes(TieStrength(thresholds, table, inactive_outcomes, without_contact, notes, window_months,
                                          known))


NO_OUTCOMES = "the data has no outcomes (won deals, referrals, job offers...) to relate ties to"
ASSOCIATION_CAVEAT = (
    "These rates are an association, not an effect of tie strength: a deal in progress brings meetings, so a tie "
    "is often strong *because* a deal is under way, and the relationships worth more time are also the ones more "
    "likely to buy. Whether time invested goes with later outcomes at all is judged on the delayed-returns page "
    "(section 3, its verdict at the top)."
)


def describe_tie_rates(rates: dict) -> str:
    """The strong and weak outcome rates in one sentence, always followed by the association caveat.

    >>> describe_tie_rates({"weak": 0.01, "medium": 0.02, "strong": 0.05}).startswith("Strong ties")
    True
    """
    if rates.get("weak") is None or rates.get("strong") is None:
        return ""
    return (f"Strong ties produced a won outcome in **{rates['strong']:.1%}** of their months, weak ties in "
            f"**{rates['weak']:.1%}**. " + ASSOCIATION_CAVEAT + " ")


def reactivations(ds, as_of: pd.Timestamp | None = None, silent_months: float = 12) -> pd.DataFrame:
    """Every interaction that ends a silence of `silent_months` or more with the same contact.

    Columns: `contact_id`, `timestamp` (the reactivation), `previous` (the last
    interaction before the silence), `silent_months` (days / 30.4375).

    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    inter = ds.interactions.loc[ds.interactions["timestamp"] <= cut, ["contact_id", "timestamp"]]
    # Sorted by contact, then time: contacts as the codes of their sorted ids (integers sort much faster than text).
    codes = pd.factorize(inter["contact_id"], sort=True)[0]
    inter = inter.iloc[np.lexsort((inter["timestamp"].to_numpy(dtype="int64"), codes))]
    codes = np.sort(codes)
    same = np.r_[False, (codes[1:] == codes[:-1]) & (codes[1:] >= 0)]  # the row before is the same contact's
    previous = inter["timestamp"].shift(1).where(same)
    gap = (inter["timestamp"] - previous).dt.total_seconds() / 86400.0 / DAYS_PER_MONTH
    back = gap >= silent_months
    out = pd.DataFrame({"contact_id": inter.loc[back, "contact_id"], "timestamp": inter.loc[back, "timestamp"],
                        "previous": previous[back], "silent_months": gap[back]})
    return out.reset_index(drop=True)


@dataclass
class DormantTies:
    """Outcome rate after reactivating a dormant tie against that of continuously active ties.

    `table` has one row per group (`reactivated`, `active`): reactivations (events),
    ties, tie_months, months_with_outcome, outcome_rate, outcome_rate_low, outcome_rate_high.
    """

    reactivations: pd.DataFrame
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    silent_months: float = 12
    has_outcomes: bool = True  # False: the data holds no outcome, so only the reactivations are shown
    won_outcomes: int | None = None  # won outcomes in the data up to as_of (0: nothing to compare)

    @property
    def captions(self) -> dict:
        """The figure's caption, only when there is a reactivation to compare (else no figure is drawn)."""
        if not len(self.reactivations) or not self.has_outcomes:
            return {}
        return {"05_dormant_ties": f"Monthly chance of a won outcome after reactivating a tie silent for "
                                   f"{self.silent_months:g}+ months, against ties kept active (95% intervals)."}

    def _rate(self, group: str) -> float | None:
        if not self.has_outcomes or self.table.at[group, "tie_months"] == 0:
            return None
        return float(self.table.at[group, "outcome_rate"])

    def metrics(self) -> dict:
        """`dormant_reactivations`, and the outcome rates after a reactivation and of active ties (with `_ci`, `_n`)."""
        m: dict = {"dormant_reactivations": int(len(self.reactivations))}
        for key, group in (("dormant_reactivation_outcome_rate", "reactivated"), ("active_tie_outcome_rate", "active")):
            m[key] = self._rate(group)
            if m[key] is not None:
                m[key + "_ci"] = [float(self.table.at[group, "outcome_rate_low"]),
                                  float(self.table.at[group, "outcome_rate_high"])]
                m[key + "_n"] = int(self.table.at[group, "ties"])
        return m

    def summary(self) -> pd.DataFrame:
        """The two groups side by side, with readable column names."""
        table = self.table if self.has_outcomes else self.table[["reactivations", "ties", "tie_months"]]
        return table.round(4).rename(columns={
            "tie_months": "relationship-months", "ties": "relationships", "months_with_outcome": "months with a won outcome",
            "outcome_rate": "monthly chance", "outcome_rate_low": "low", "outcome_rate_high": "high"})

    def plot(self, ax=None):
        """The monthly chance after a reactivation against ties kept active, on `ax` (a new figure when None);
        returns the Figure."""
        from netanalysis.plots.network import dormant_vs_active

        return dormant_vs_active(self.table, ax=ax)

    def sentence(self) -> str:
        """How often reactivated ties paid against active ones (empty without reactivations)."""
        if not len(self.reactivations):
            return (f"No tie was silent for {self.silent_months:g} months or more and then touched again, so there is "
                    "no reactivation to compare with the ties kept active, and no figure.")
        if not self.has_outcomes:
            return (f"**{len(self.reactivations)}** times a tie silent for {self.silent_months:g}+ months was touched "
                    f"again ({self.reactivations['contact_id'].nunique()} relationships), but there is no won outcome in "
                    "this data to compare (no outcomes were loaded).")
        r, a = self._rate("reactivated"), self._rate("active")
        n, ties = len(self.reactivations), self.reactivations["contact_id"].nunique()
        times = "Once" if n == 1 else f"**{n}** times"
        if self.won_outcomes == 0:
            return (f"{times} a tie silent for {self.silent_months:g}+ months was touched again "
                    f"({plural(ties, 'relationship')}), but there is no won outcome in this data to compare.")
        return (f"{times} a tie silent for {self.silent_months:g}+ months was touched again "
                f"({plural(ties, 'relationship')}). In the months after, {'it' if n == 1 else 'they'} produced a won "
                f"outcome in **{r:.1%}** of months" + (f", against **{a:.1%}** for ties kept active." if a is not None else ".")
                + (" With so few reactivations the interval is wide: read it as a hint, not a finding."
                   if self.table.at["reactivated", "ties"] < 30 else ""))


def dormant_ties(ds, as_of: pd.Timestamp | None = None, silent_months: float = 12, follow_months: int = 12,
                 window_months: int = 12, n_boot: int = 1000, seed: int = 0,
                 months: pd.DataFrame | None = None) -> DormantTies:
    """Compare the months after a reactivation with the months of ties kept active.

    The follow-up of a reactivation is its month and the `follow_months - 1`
    months after it (cut at `as_of`). Continuously active tie-months are those
    with minutes in the previous `window_months` months that are not in a
    follow-up window. `months` is :func:`tie_months` for the same `as_of` and
    `window_months` when already made.
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    react = reactivations(ds, cut, silent_months)
    tm = tie_months(ds, cut, window_months) if months is None else months
    in_window = np.zeros(len(tm), dtype=bool)
    if len(react):
        start = month_ordinal(react["timestamp"])
        span = np.repeat(start, follow_months) + np.tile(np.arange(follow_months), len(react))
        tie_codes, contacts = pd.factorize(tm["contact_id"])
        who = np.repeat(contacts.get_indexer(react["contact_id"]), follow_months)  # -1: a contact with no tie-month
        month = tm["month"].to_numpy(dtype=np.int64)
        base = int(min(month.min(initial=span.min()), span.min())) - 1  # (contact, month) as one integer:
        width = int(max(month.max(initial=span.max()), span.max())) - base + 1  # contact * width + month - base
        windows = np.unique(who * width + (span - base))
        in_window = np.isin(tie_codes * width + (month - base), windows[windows >= 0])
    groups = np.where(in_window, 0, np.where(tm["recent_minutes"].to_numpy() > 0, 1, -1))
    keep = groups >= 0
    codes, _ = pd.factorize(tm.loc[keep, "contact_id"])
    n = int(codes.max()) + 1 if len(codes) else 0
    g = groups[keep]
    months = np.zeros((n, 2))
    hits = np.zeros((n, 2))
    np.add.at(months, (codes, g), 1.0)
    np.add.at(hits, (codes, g), (tm.loc[keep, "outcomes_won"].to_numpy() > 0).astype(float))
    ci = cluster_bootstrap_ratio(hits, months, n_boot, seed)
    notes = []
    rows = []
    for j, name in enumerate(("reactivated", "active")):
        m = months[:, j].sum()
        rate = hits[:, j].sum() / m if m > 0 else np.nan
        low, high = rate_interval(hits[:, j].sum(), m, ci[j]) if m > 0 else (np.nan, np.nan)
        rows.append({"group": name, "reactivations": len(react) if j == 0 else 0, "ties": int((months[:, j] > 0).sum()),
                     "tie_months": int(m), "months_with_outcome": int(hits[:, j].sum()), "outcome_rate": rate,
                     "outcome_rate_low": low, "outcome_rate_high": high})
    known = bool((ds.outcomes["timestamp"] <= cut).any())
    if not known:
        notes += [f"{key}: {NO_OUTCOMES}" for key in ("dormant_reactivation_outcome_rate", "active_tie_outcome_rate")]
    elif len(react) == 0:
        notes.append(f"dormant_reactivation_outcome_rate: no tie was silent for {silent_months:g}+ months and then "
                     "touched again, so there is nothing to compare")
    if known and months[:, 1].sum() == 0:
        notes.append("active_tie_outcome_rate: no tie was active in a previous 12-month window")
    won = ds.outcomes[(ds.outcomes["status"] == "won") & (ds.outcomes["timestamp"] <= cut)]
    return DormantTies(react, pd.DataFrame(rows).set_index("group"), notes, silent_months, known,
                       won_outcomes=int(len(won)))

"""Time to first outcome split by a segment, with a log-rank test.

Each segment gets its own Kaplan-Meier curve (statsmodels' `SurvfuncRight`,
through :class:`netanalysis.analysis.returns.first_outcome.KaplanMeier`); whether the curves differ is
tested with the log-rank test of `statsmodels.duration.survfunc.survdiff`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from statsmodels.duration.survfunc import survdiff

from netanalysis.analysis.returns.kaplan_meier import KaplanMeier
from netanalysis.errors import UserError

# segment names a user may pass -> columns of `first_outcome_table`
SEGMENTS = {"source": "source", "first_channel": "first_channel", "company": "company",
            "first_contact_year": "first_contact_year"}
OTHER = "other"


@dataclass
class SegmentComparison:
    """Kaplan-Meier curves by segment and the log-rank test of their equality."""

    segment: str
    curves: dict
    summary: pd.DataFrame
    chi2: float | None
    p_value: float | None
    n_units: int
    reason: str | None = None

    def sentence(self, who: str = "relationships") -> str:
        if self.p_value is None:
            return f"The segments by {self.segment.replace('_', ' ')} cannot be compared: {self.reason}."
        verdict = ("differ more than chance would explain" if self.p_value < 0.05 else
                   "do not differ by more than chance would explain")
        return (f"By {self.segment.replace('_', ' ')}, the curves {verdict} "
                f"(log-rank test, p = {self.p_value:.3g}, {self.n_units} {who}).")


def segment_labels(table: pd.DataFrame, segment: str, max_groups: int = 6, min_units: int = 10) -> pd.Series:
    """Each unit's segment label; small segments (and all beyond the largest `max_groups - 1`) become 'other'."""
    if segment not in SEGMENTS:
        raise UserError(f"segment: {segment!r} is not one of {', '.join(SEGMENTS)}")
    raw = table[SEGMENTS[segment]].astype("string").fillna("(unknown)")
    sizes = raw.value_counts()
    big = sizes[sizes >= min_units].index
    keep = big if (len(big) == len(sizes) and len(big) <= max_groups) else big[: max(max_groups - 1, 1)]
    return raw.where(raw.isin(keep), OTHER)


def compare_segments(table: pd.DataFrame, segment: str, max_groups: int = 6, min_units: int = 10,
                     months=(12, 24)) -> SegmentComparison:
    """Kaplan-Meier curve per segment and a log-rank test of their equality.

    Parameters
    ----------
    table : from :func:`netanalysis.analysis.returns.first_outcome.first_outcome_table` (`months`, `event` and the segment columns).
    segment : source, first_channel, company or first_contact_year.
    """
    labels = segment_labels(table, segment, max_groups, min_units)
    curves, rows = {}, []
    for label in sorted(labels.unique(), key=lambda s: (s == OTHER, s)):
        part = table[labels == label]
        km = KaplanMeier().fit(part["months"], part["event"])
        curves[str(label)] = km.survival_
        row = {"segment": str(label), "units": km.n_units_, "with a won outcome": km.n_events_}
        for m in months:
            p, lo, hi = km.probability_by(m)
            ok = km.n_events_ > 0 and km.followed_long_enough(m)
            row[f"chance within {m} months (95% interval)"] = (f"{p:.0%} ({lo:.0%} to {hi:.0%})" if ok else
                                                               "not enough follow-up" if km.n_events_ else "none yet")
        rows.append(row)
    summary = pd.DataFrame(rows)
    n = int(len(table))
    if labels.nunique() < 2:
        return SegmentComparison(segment, curves, summary, None, None, n,
                                 reason=f"fewer than two segments with at least {min_units} relationships")
    if int(table["event"].sum()) == 0:
        return SegmentComparison(segment, curves, summary, None, None, n, reason="no won outcomes yet")
    groups = pd.factorize(labels)[0]
    chi2, p = survdiff(table["months"].to_numpy(float), table["event"].to_numpy(int), groups)
    return SegmentComparison(segment, curves, summary, float(chi2), float(p), n)

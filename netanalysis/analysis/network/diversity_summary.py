"""Diversity of invested time, as the report shows it: over time, now, and against later outcomes.

:func:`diversity_summary` runs the three measures of `diversity` on one data set;
the :class:`Diversity` result knows its `summary.json` metrics, the reasons for
the ones left empty, its caption and its sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from netanalysis.analysis.network.diversity import (
    describe_diversity_and_outcomes,
    diversity_and_outcomes,
    diversity_over_time,
    network_diversity,
)
from netanalysis.analysis.words import plural


@dataclass
class Diversity:
    """Diversity across companies (and sources) over time, at the as-of date, and against later outcomes.

    Attributes
    ----------
    by_company, by_source : :func:`diversity_over_time` by company and by data source
    won_per_month : won outcomes per calendar month (UTC month starts)
    network : :func:`network_diversity` at the as-of date (a dict)
    outcomes : :func:`diversity_and_outcomes` (a dict)
    window_months, ahead_months : the months of time looked at, and of outcomes ahead
    notes : why a metric is empty
    """

    by_company: pd.DataFrame
    by_source: pd.DataFrame
    won_per_month: pd.Series
    network: dict
    outcomes: dict
    window_months: int = 12
    ahead_months: int = 6
    notes: list[str] = field(default_factory=list)

    @property
    def has_figure(self) -> bool:
        """Whether any month has a diversity value to draw."""
        return bool(len(self.by_company)) and bool(pd.to_numeric(self.by_company["entropy_bits"]).notna().any())

    @property
    def captions(self) -> dict:
        """The figure's caption, only when there is a diversity line to draw."""
        if not self.has_figure:
            return {}
        return {"05_diversity": f"Diversity of invested time across companies (bits, {self.window_months} months up to "
                                "each month), with won outcomes per month."}

    def metrics(self) -> dict:
        """`network_diversity` (with `_ci`, `_n`, effective companies, unknown share) and
        `diversity_outcome_correlation` (with `_ci`, `_n`, `_levels`)."""
        nd, rel = self.network, self.outcomes
        m: dict = {}
        if nd["entropy_bits"] is None:
            m["network_diversity"] = None
        else:
            m["network_diversity"] = nd["entropy_bits"]
            m["network_diversity_ci"] = nd["ci"]
            m["network_diversity_n"] = nd["contacts"]
            m["network_diversity_effective_companies"] = nd["effective_number"]
            m["network_diversity_unknown_company_share"] = nd["unknown_share"]
        m["diversity_outcome_correlation"] = rel["rho"]
        if rel["rho"] is not None:
            m["diversity_outcome_correlation_ci"] = rel["ci"]
            m["diversity_outcome_correlation_n"] = rel["months"]
            m["diversity_outcome_correlation_levels"] = rel["rho_raw"]
        return m

    def plot(self, ax=None):
        """Diversity across companies (and sources) over time with won outcomes per month behind it, on `ax`
        (a new figure when None); returns the Figure."""
        from netanalysis.plots.network import diversity_over_time

        return diversity_over_time(self.by_company, self.won_per_month, self.by_source, ax=ax)

    def sentence(self) -> str:
        """Diversity now, in bits and effective companies, and how it moves with later outcomes."""
        nd = self.network
        if nd["entropy_bits"] is None:
            return f"Diversity cannot be measured: {nd['note']}."
        text = (f"Over the last {self.window_months} months your time went to **{nd['groups']}** "
                f"{'company' if nd['groups'] == 1 else 'companies'} through {plural(nd['contacts'], 'contact')}: a diversity of **{nd['entropy_bits']:.2f} bits**, as even as "
                f"**{nd['effective_number']:.1f}** equally weighted companies")
        text += (f" (95% interval {nd['ci'][0]:.2f} to {nd['ci'][1]:.2f} bits, leaving out one contact at a time)."
                 if nd["ci"] else ".")
        if nd["unknown_share"]:
            text += f" {nd['unknown_share']:.0%} of the minutes went to contacts whose company is unknown and are left out."
        return text + describe_diversity_and_outcomes(self.outcomes, ahead_months=self.ahead_months)


def _metric_notes(nd: dict, rel: dict) -> list[str]:
    notes = []
    if nd["entropy_bits"] is None:
        notes.append(f"network_diversity: {nd['note']}")
    elif nd["ci"] is None:
        notes.append("network_diversity_ci: one contact only, so no interval")
    if rel["rho"] is None:
        notes.append(f"diversity_outcome_correlation: {rel['note']}")
    return notes


def diversity_summary(ds, as_of: pd.Timestamp | None = None, window_months: int = 12, ahead_months: int = 6,
                      n_boot: int = 1000, seed: int = 0) -> Diversity:
    """Diversity by company and by source over time, at `as_of`, and its link with outcomes `ahead_months` later.

    The bootstrap of the outcome correlation uses `n_boot` resamples and `seed`;
    the diversity at `as_of` carries a jackknife interval.
    """
    by_company = diversity_over_time(ds, as_of, "company", window_months)
    by_source = diversity_over_time(ds, as_of, "source", window_months)
    won = ds.outcomes[ds.outcomes["status"] == "won"]
    month = won["timestamp"].dt.tz_convert(None).dt.to_period("M").dt.to_timestamp().dt.tz_localize("UTC")
    nd = network_diversity(ds, as_of, "company", window_months)
    rel = diversity_and_outcomes(ds, by_company, as_of, ahead_months=ahead_months, n_boot=n_boot, seed=seed)
    return Diversity(by_company, by_source, won.groupby(month).size(), nd, rel, window_months, ahead_months,
                     _metric_notes(nd, rel))

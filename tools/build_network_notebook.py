"""Writes notebooks/05_network_structure.ipynb (run from the repository root; developers only)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbbuild import build  # noqa: E402

CELLS = [
    ("md", """
# 5. Quality and diversity of relationships
Success is said to follow the *quality* and the *diversity* of one's relationships. This page asks what your own
data says about four ideas from network research: **strong and weak ties** (Granovetter), **diversity** of the
people you spend time with, **dormant ties** that come back to life (Levin, Walter and Murnighan), and
**structural holes** (Burt): whether the people you know also know one another, and who links groups that
otherwise do not meet. Every figure says how many relationships it rests on; where the data cannot support a
figure, it is left empty and the reason is given at the end of the page.
"""),
    ("params", """
data_dir: str = ""      # folder written by `netanalysis load`; empty: the bundled sample
output_dir: str = ""    # where figures and metrics go; empty: a temporary folder
as_of: str = ""         # last date of data to use (YYYY-MM-DD); empty: the last timestamp in the data
period: str = "month"   # month or quarter (tie strength is always judged month by month)
anonymize: bool = False # set by `netanalysis report --anonymize` (the data is already pseudonymised)
seed: int = 0           # seed for the bootstrap intervals and the network layout
tie_window_months: int = 12  # tie strength and diversity look at the minutes invested in this many months
dormant_months: int = 12     # a tie silent for this many months or more is dormant
followup_months: int = 12    # months after a reactivation in which its outcomes are counted
max_group_size: int = 25     # occasions with more contacts than this (conferences, mass mailings) do not link contacts
n_boot: int = 1000           # bootstrap resamples for the intervals
"""),
    ("code", """
import numpy as np
import pandas as pd
from IPython.display import display, Markdown
from netanalysis.session import open_report_data
from netanalysis.report import save_figure, record_metrics
from netanalysis import plots_network
from netanalysis.ties import tie_strength, dormant_ties, describe_tie_rates, CLASSES
from netanalysis.diversity import diversity_over_time, network_diversity, diversity_and_outcomes, describe_diversity_and_outcomes
from netanalysis.network import structural_holes, check_network_parameters, EGO

pd.set_option("display.max_colwidth", 60)
check_network_parameters(tie_window_months, dormant_months, followup_months, max_group_size, n_boot)
nb = open_report_data(data_dir, as_of, output_dir, period)
ds = nb.ds
metrics, notes, captions = {}, [], {}
"""),
    ("md", """
## Strong and weak ties
Each month, every relationship you had invested time in during the previous 12 months (that month itself not
counted) is called **weak**, **medium** or **strong** by the hours invested: the lower, middle or upper third of
all such relationship-months. Left: which kind of tie the won outcomes came from; if strength made no difference,
each would hold about a third (dashed line). Right: the chance that a tie of each kind produced a won outcome in a
given month. Bars show 95% intervals from resampling relationships. These are associations, not effects: deals in
progress bring meetings, so strong ties are partly made by deals (see the verdict of section 3).
"""),
    ("code", """
ties = tie_strength(ds, nb.as_of, window_months=tie_window_months, n_boot=n_boot, seed=seed)
notes += ties.notes
table = ties.table
fig = save_figure(plots_network.tie_strength_outcomes(table, ties.thresholds), nb.output_dir, "05_tie_strength")
captions["05_tie_strength"] = ("Share of won outcomes from weak, medium and strong ties, and the monthly chance that a tie "
                               "of each strength produces a won outcome (95% intervals, resampling relationships).")
rates, shares = ties.rates(), ties.shares()
ci = lambda col: {c: (None if pd.isna(table.at[c, col + "_low"]) else [float(table.at[c, col + "_low"]), float(table.at[c, col + "_high"])]) for c in CLASSES}
if all(v is None for v in rates.values()):
    metrics["outcome_rate_by_tie_strength"] = None
    notes.append("outcome_rate_by_tie_strength: no tie was active in a previous window, so no rate can be computed")
else:
    metrics["outcome_rate_by_tie_strength"] = rates
    metrics["outcome_rate_by_tie_strength_ci"] = ci("outcome_rate")
    metrics["outcome_rate_by_tie_strength_n"] = {c: int(table.at[c, "ties"]) for c in CLASSES}
if all(v is None for v in shares.values()):
    metrics["outcome_share_by_tie_strength"] = None
    notes.append("outcome_share_by_tie_strength: no won outcome came from a tie with time invested in the previous "
                 f"{tie_window_months} months")
else:
    metrics["outcome_share_by_tie_strength"] = shares
    metrics["outcome_share_by_tie_strength_ci"] = ci("outcome_share")
    metrics["outcome_share_by_tie_strength_n"] = int(table["outcomes_won"].sum())
metrics["tie_strength_thresholds_minutes"] = list(ties.thresholds) if ties.thresholds else None
shown = table.assign(hours_from=[0.0, *(np.array(ties.thresholds) / 60 if ties.thresholds else [np.nan, np.nan])])
display(shown[["hours_from", "tie_months", "ties", "outcomes_won", "outcome_rate", "outcome_rate_low", "outcome_rate_high",
               "outcome_share", "outcome_share_low", "outcome_share_high"]].round(4).rename(columns={
    "hours_from": "hours in 12 months, above", "tie_months": "relationship-months", "ties": "relationships",
    "outcomes_won": "won outcomes", "outcome_rate": "monthly chance", "outcome_rate_low": "chance low",
    "outcome_rate_high": "chance high", "outcome_share": "share of outcomes", "outcome_share_low": "share low",
    "outcome_share_high": "share high"}))
if ties.thresholds:
    lo_h, hi_h = (t / 60 for t in ties.thresholds)
    text = (f"A tie counts as **weak** up to {lo_h:.1f} hours in the previous {tie_window_months} months, **strong** above "
            f"{hi_h:.1f} hours. ")
    text += describe_tie_rates(rates)
    text += (f"{ties.outcomes_from_inactive} won outcomes came from relationships with no time invested in the previous "
             f"{tie_window_months} months (new or long-silent ones), {ties.outcomes_without_contact} are known only by their "
             "account; neither is in the shares.")
    display(Markdown(text))
"""),
    ("md", """
## Diversity
How evenly is your time spread across companies? The measure is the Shannon entropy of the shares of invested
minutes, in *bits*: 0 means all the time went to one company, 1 bit is an even split between two, and
2<sup>bits</sup> is the *effective number* of companies. The line follows the 12 months up to each month; the grey
bars are won outcomes per month. The dashed line is the same measure across the data sources (calendar, mail,
LinkedIn, CRM) when there are several.
"""),
    ("code", """
by_company = diversity_over_time(ds, nb.as_of, "company", tie_window_months)
by_source = diversity_over_time(ds, nb.as_of, "source", tie_window_months)
won = ds.outcomes[ds.outcomes["status"] == "won"]
won_per_month = won.groupby(won["timestamp"].dt.tz_convert(None).dt.to_period("M").dt.to_timestamp().dt.tz_localize("UTC")).size()
fig = save_figure(plots_network.diversity_over_time(by_company, won_per_month, by_source), nb.output_dir, "05_diversity")
captions["05_diversity"] = ("Diversity of invested time across companies (bits, 12 months up to each month), "
                            "with won outcomes per month.")
nd = network_diversity(ds, nb.as_of, "company", tie_window_months)
if nd["entropy_bits"] is None:
    metrics["network_diversity"] = None
    notes.append(f"network_diversity: {nd['note']}")
else:
    metrics["network_diversity"] = nd["entropy_bits"]
    metrics["network_diversity_ci"] = nd["ci"]
    metrics["network_diversity_n"] = nd["contacts"]
    metrics["network_diversity_effective_companies"] = nd["effective_number"]
    metrics["network_diversity_unknown_company_share"] = nd["unknown_share"]
    if nd["ci"] is None:
        notes.append("network_diversity_ci: one contact only, so no interval")
rel = diversity_and_outcomes(ds, by_company, nb.as_of, ahead_months=6, n_boot=n_boot, seed=seed)
metrics["diversity_outcome_correlation"] = rel["rho"]
if rel["rho"] is None:
    notes.append(f"diversity_outcome_correlation: {rel['note']}")
else:
    metrics["diversity_outcome_correlation_ci"] = rel["ci"]
    metrics["diversity_outcome_correlation_n"] = rel["months"]
    metrics["diversity_outcome_correlation_levels"] = rel["rho_raw"]
if nd["entropy_bits"] is not None:
    text = (f"Over the last {tie_window_months} months your time went to **{nd['groups']}** companies through "
            f"{nd['contacts']} contacts: a diversity of **{nd['entropy_bits']:.2f} bits**, as even as "
            f"**{nd['effective_number']:.1f}** equally weighted companies")
    text += (f" (95% interval {nd['ci'][0]:.2f} to {nd['ci'][1]:.2f} bits, leaving out one contact at a time)." if nd["ci"] else ".")
    if nd["unknown_share"]:
        text += f" {nd['unknown_share']:.0%} of the minutes went to contacts whose company is unknown and are left out."
    text += describe_diversity_and_outcomes(rel, ahead_months=6)
    display(Markdown(text))
"""),
    ("md", """
## Dormant ties
A tie is **dormant** when it has been silent for 12 months or more; touching it again *reactivates* it. Research
on executives found that reconnecting with dormant ties can be as valuable as keeping ties active, because they
bring news you have not heard. Here: the monthly chance of a won outcome in the 12 months after each reactivation,
against the months of ties you kept active (95% intervals, resampling relationships).
"""),
    ("code", """
dormant = dormant_ties(ds, nb.as_of, silent_months=dormant_months, follow_months=followup_months,
                       window_months=tie_window_months, n_boot=n_boot, seed=seed)
notes += dormant.notes
dt = dormant.table
metrics["dormant_reactivations"] = int(len(dormant.reactivations))
for key, group in (("dormant_reactivation_outcome_rate", "reactivated"), ("active_tie_outcome_rate", "active")):
    if dt.at[group, "tie_months"] == 0:
        metrics[key] = None
    else:
        metrics[key] = float(dt.at[group, "outcome_rate"])
        metrics[key + "_ci"] = [float(dt.at[group, "outcome_rate_low"]), float(dt.at[group, "outcome_rate_high"])]
        metrics[key + "_n"] = int(dt.at[group, "ties"])
fig = save_figure(plots_network.dormant_vs_active(dt), nb.output_dir, "05_dormant_ties")
captions["05_dormant_ties"] = ("Monthly chance of a won outcome after reactivating a tie silent for 12+ months, "
                               "against ties kept active (95% intervals).")
display(dt.round(4).rename(columns={"tie_months": "relationship-months", "ties": "relationships",
                                    "months_with_outcome": "months with a won outcome", "outcome_rate": "monthly chance",
                                    "outcome_rate_low": "low", "outcome_rate_high": "high"}))
if len(dormant.reactivations):
    r = metrics["dormant_reactivation_outcome_rate"]
    a = metrics["active_tie_outcome_rate"]
    display(Markdown(f"**{len(dormant.reactivations)}** times a tie silent for {dormant_months}+ months was touched again "
                     f"({dormant.reactivations['contact_id'].nunique()} relationships). In the months after, they produced a won outcome "
                     f"in **{r:.1%}** of months" + (f", against **{a:.1%}** for ties kept active." if a is not None else ".")
                     + (" With so few reactivations the interval is wide: read it as a hint, not a finding." if dt.at['reactivated', 'ties'] < 30 else "")))
"""),
    ("md", """
## Structural holes: who knows whom
Two of your contacts are linked when they were in the same meeting, on the same mail or message, or in the same
deal; the more such occasions, the stronger the link. You are at the centre, linked to everyone you met.
**Constraint** (Burt) is low, near 1 / (number of contacts), when your contacts do not know one another (you bridge
*structural holes* and hear from many separate circles) and rises towards 1 when they all know each other (a
closed circle). **Effective size** is the number of contacts who are not redundant: your contacts minus the links
among them. **Brokers** are contacts who link groups of your contacts that otherwise do not meet.
"""),
    ("code", """
sh = structural_holes(ds, nb.as_of, max_group_size=max_group_size, seed=seed)
notes += sh.notes
metrics["ego_constraint"] = sh.ego_constraint
metrics["ego_effective_size"] = sh.ego_effective_size
if sh.ego_constraint is not None:
    metrics["ego_constraint_n"] = metrics["ego_effective_size_n"] = int(sh.contacts)
    metrics["ego_constraint_if_unlinked"] = sh.constraint_if_unlinked
metrics["ego_network_contacts"] = int(sh.contacts)
metrics["ego_network_contact_links"] = int(sh.contact_edges)
metrics["brokers"] = int(len(sh.brokers))
names = ds.contacts.set_index("contact_id")["name"].astype("string")
companies = ds.contacts.set_index("contact_id")["company"].astype("string")
top = sh.brokers.head(10)
fig = save_figure(plots_network.ego_network(sh.graph, EGO, names=names.to_dict(),
                                            groups=sh.groups, highlight=list(top["contact_id"].head(6)), seed=seed), nb.output_dir, "05_network")
captions["05_network"] = ("Your contacts linked by shared meetings, messages and deals, around you; colours mark groups that "
                          "meet together, labels the brokers between groups.")
if sh.ego_constraint is not None:
    n = sh.contacts
    display(Markdown(f"Your network has **{n}** contacts and **{sh.contact_edges}** links between them. Constraint is "
                     f"**{sh.ego_constraint:.4f}** (it would be {sh.constraint_if_unlinked:.4f} with your time spread as it is but none of "
                     f"them knowing another, and near 1 if all your time went into one closed circle); effective size **{sh.ego_effective_size:.1f}** of {n} contacts. "
                     f"**{len(sh.brokers)}** contacts link groups that otherwise do not meet."))
    if len(top):
        display(pd.DataFrame({"name": top["contact_id"].map(names).to_numpy(), "company": top["contact_id"].map(companies).to_numpy(),
                              "groups reached": top["groups_reached"].to_numpy(), "shared occasions": top["shared_occasions"].to_numpy(),
                              "betweenness": top["betweenness"].round(3).to_numpy()}))
else:
    display(Markdown("No two of your contacts share a meeting, a message or a deal in this data (a LinkedIn connection "
                     "list alone has none of those), so the structure of your network cannot be measured here. "
                     "Calendar, mail or CRM exports would show it."))
"""),
    ("md", """
## What could not be computed, and why
"""),
    ("code", """
display(Markdown("\\n".join(f"- {n}" for n in notes) if notes else "Every figure on this page could be computed."))
record_metrics(nb.output_dir, "05_network_structure", metrics, notes, captions=captions);
"""),
]

if __name__ == "__main__":
    build(Path("notebooks/05_network_structure.ipynb"), CELLS)

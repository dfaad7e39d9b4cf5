"""Write notebooks/03_delayed_returns.ipynb (run: .venv/bin/python tools/build_returns_notebook.py)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from nbbuild import build  # noqa: E402

CELLS = [
    ("md", """
# 3. Delayed returns
How long do relationships take to pay, and how long does invested time keep working? This page follows every
relationship from its first interaction: the chance it has produced a won outcome by each month (relationships
still without one are *censored* at the as-of date, not counted as failures), how rare instant results are,
how outcomes keep arriving cohort after cohort, and how long an invested hour keeps raising the chance of a win.
"""),
    ("params", """
data_dir: str = ""      # folder written by `netanalysis load`; empty: the bundled sample
output_dir: str = ""    # where figures and metrics go; empty: a temporary folder
as_of: str = ""         # last date of data to use (YYYY-MM-DD); empty: the last timestamp in the data
period: str = "month"   # month or quarter
anonymize: bool = False # set by `netanalysis report --anonymize` (the data is already pseudonymised)
unit: str = "contact"  # contact or account
seed: int = 0
segment: str = "first_contact_year"  # split the curves by: source, first_channel, company or first_contact_year
half_life_min: float = 0.25     # shortest carryover half-life tried (months)
half_life_max: float = 36.0     # longest carryover half-life tried (months)
half_life_steps: int = 64       # how many half-lives to try between them (log-spaced)
reverse_causation_gap_months: int = 1  # sensitivity check: leave out the minutes of this many months before each month
max_lag_months: int = 12        # distributed lag: invested minutes 0..this many months earlier
"""),
    ("code", """
import numpy as np
import pandas as pd
from IPython.display import display, Markdown
from netanalysis.session import open_report_data
from netanalysis.report import save_figure, record_metrics
from netanalysis import plots, plots_returns
from netanalysis.returns import (first_outcome_table, KaplanMeier, outcome_lags, within_days_share,
                                 outcome_share_by_month, month_when_share_reached, check_returns_parameters)
from netanalysis.survival import compare_segments
from netanalysis.cohorts import cohort_table, cohort_triangle
from netanalysis.carryover import (hazard_rows, profile_half_life, dose_response, lag_profile, describe_lag_profile,
                                   describe_dose_response)
from netanalysis.lagshape import LagShapeFit
from netanalysis.deals import deal_cycles

pd.set_option("display.max_colwidth", 60)
grid = check_returns_parameters(unit=unit, segment=segment, half_life_min=half_life_min, half_life_max=half_life_max,
                                half_life_steps=half_life_steps, reverse_causation_gap_months=reverse_causation_gap_months,
                                max_lag_months=max_lag_months)
nb = open_report_data(data_dir, as_of, output_dir, period)
ds = nb.ds
who = "relationships" if unit == "contact" else "accounts"
table = first_outcome_table(ds, unit=unit, as_of=nb.as_of)
km = KaplanMeier.fit(table["months"], table["event"])
lags = outcome_lags(ds, unit=unit, as_of=nb.as_of)
instant = within_days_share(lags, 30, seed=seed)
metrics, notes, captions = {}, [], {}
"""),
    ("md", "## Chance of a first won outcome, by months since first contact"),
    ("code", """
fig = save_figure(plots.kaplan_meier({"": km.curve()}), nb.output_dir, "03_time_to_first_outcome")
for m in (12, 24):
    p, lo, hi = km.probability_by(m)
    key = f"first_outcome_probability_{m}m"
    if km.n_events == 0:
        metrics[key] = None; notes.append(f"{key}: no won outcomes in the data, so no chance can be estimated")
    elif not km.followed_long_enough(m):
        metrics[key] = None; notes.append(f"{key}: no relationship has been followed for {m} months yet")
    else:
        metrics[key], metrics[key + "_ci"], metrics[key + "_n"] = p, [lo, hi], km.n_units
med = km.median()
if med is None:
    metrics["time_to_first_outcome_median_months"] = None
    notes.append("time_to_first_outcome_median_months: fewer than half of the relationships have reached a won outcome, so the median is not reached")
else:
    metrics["time_to_first_outcome_median_months"], metrics["time_to_first_outcome_median_months_ci"] = med[0], [med[1], med[2]]
    metrics["time_to_first_outcome_median_months_n"] = km.n_units
captions["03_time_to_first_outcome"] = "Chance that a new relationship has produced a won outcome, by months since the first interaction (95% band)."
pd.DataFrame({"within": ["12 months", "24 months"],
              "chance of a won outcome": [f"{metrics[k]:.0%}" if metrics.get(k) is not None else "not enough data"
                                          for k in ("first_outcome_probability_12m", "first_outcome_probability_24m")],
              "95% interval": [f"{metrics[k + '_ci'][0]:.0%} to {metrics[k + '_ci'][1]:.0%}" if metrics.get(k) is not None else ""
                               for k in ("first_outcome_probability_12m", "first_outcome_probability_24m")]})
"""),
    ("code", """
p12 = metrics.get("first_outcome_probability_12m")
med_text = (f" Half of them had one within **{med[0]:.1f} months**." if med is not None else
            " Fewer than half have produced one so far, so there is no median time yet.")
Markdown(f"Out of **{km.n_units}** {who}, **{km.n_events}** have produced a won outcome so far. "
         + (f"A new one has about a **{p12:.0%}** chance of producing one within a year." if p12 is not None else "There is not enough history to estimate the chance within a year.")
         + med_text)
"""),
    ("md", """
### By segment
The same curve for each segment (the largest ones; small segments are pooled as *other*), with a log-rank test of
whether the differences are larger than chance. A difference between segments is a description, not a cause: the
segments differ in more than the label.
"""),
    ("code", """
by_segment = compare_segments(table, segment)
fig = save_figure(plots.kaplan_meier(by_segment.curves, title=f"Chance of a first won outcome by {segment.replace('_', ' ')}"),
                  nb.output_dir, "03_time_to_first_outcome_by_segment")
captions["03_time_to_first_outcome_by_segment"] = f"The chance of a first won outcome, split by {segment.replace('_', ' ')}, with 95% bands."
metrics["first_outcome_segments_logrank_p"] = by_segment.p_value
metrics["first_outcome_segments_logrank_n"] = by_segment.n_units
if by_segment.p_value is None:
    notes.append(f"first_outcome_segments_logrank_p: {by_segment.reason}")
display(Markdown(by_segment.sentence(who)))
by_segment.summary
"""),
    ("md", """
## How rare are instant results?
The share of won outcomes that came within 30 days of the first interaction (with a bootstrap interval that
resamples whole relationships), the months from the first interaction to every won outcome, and how the outcomes
and their value pile up month after month.
"""),
    ("code", """
if instant["share"] is None:
    metrics["outcomes_within_30d_share"] = None
    notes.append("outcomes_within_30d_share: no won outcomes in the data")
else:
    metrics["outcomes_within_30d_share"] = instant["share"]
    metrics["outcomes_within_30d_share_ci"] = instant["ci"]
    metrics["outcomes_within_30d_share_n"] = instant["n_units"]
fig = save_figure(plots.lag_distribution(lags["lag_months"]), nb.output_dir, "03_outcome_lags")
captions["03_outcome_lags"] = "Months from the first interaction to each won outcome, and their cumulative share."
share = outcome_share_by_month(lags)
fig = save_figure(plots_returns.outcome_share_by_month(share), nb.output_dir, "03_outcome_share_by_month")
captions["03_outcome_share_by_month"] = "Cumulative share of won outcomes, and of their value, by months since the first interaction."
half_value = month_when_share_reached(lags, 0.5, "value")
half_count = month_when_share_reached(lags, 0.5, "count")
metrics["outcome_value_half_arrived_months"] = half_value
metrics["outcome_count_half_arrived_months"] = half_count
if len(lags):
    display(Markdown(f"Only **{instant['share']:.{0 if instant['share'] >= 0.01 or instant['share'] == 0 else 1}%}** of {instant['n_outcomes']} won outcomes came within 30 days of the first meeting "
                     f"(95% interval {instant['ci'][0]:.0%} to {instant['ci'][1]:.0%}, {instant['n_units']} {who}); "
                     + (f"half of the eventual value arrived after month **{half_value:.0f}**." if half_value is not None else
                        f"half of the outcomes arrived after month **{half_count:.0f}**.")))
else:
    notes.append("outcome_value_half_arrived_months: no won outcomes in the data")
    notes.append("outcome_count_half_arrived_months: no won outcomes in the data")
"""),
    ("md", """
## Cohorts: outcomes keep arriving
Each row is the group of relationships first met in one quarter; each column is a month since that first contact;
each cell is the share of the group that has produced a won outcome by then. A cell is filled only once every
relationship in the group has been followed that long.
"""),
    ("code", """
long = cohort_table(ds, unit=unit, as_of=nb.as_of)
fig = save_figure(plots_returns.cohort_curves(long), nb.output_dir, "03_cohorts")
captions["03_cohorts"] = "For each quarter of first contact, the share of relationships with a won outcome by months since first contact."
triangle = cohort_triangle(long, max_months=24)
if triangle.empty:
    display(Markdown("No cohorts yet."))
else:
    display(triangle.style.format("{:.0%}", subset=[c for c in triangle.columns if c != "relationships"], na_rep=""))
"""),
    ("md", """
## How long does invested time keep working? (carryover half-life)
Each month, the chance of a won outcome is related to the time invested in the relationship *before* that month,
where older time counts less and less: its weight halves every *half-life* months. The model (a discrete-time
hazard, complementary log-log, with months since first contact as a control) is fitted for many half-lives; the
one that explains best when outcomes happen is the estimate, and the 95% interval holds every half-life that fits
almost as well (likelihood-ratio test).
"""),
    ("code", """
rows = hazard_rows(ds, unit=unit, as_of=nb.as_of)
profile = profile_half_life(rows, grid=grid)
m, n = profile.metrics("carryover_half_life_months")
metrics.update(m); notes.extend(n)
fig = save_figure(plots_returns.half_life_profile(profile.table(), profile.best, profile.ci if profile.identified else None),
                  nb.output_dir, "03_carryover_profile")
captions["03_carryover_profile"] = "How much worse the model fits for each half-life than for the best one; half-lives under the dashed line are within the 95% interval."
Markdown(profile.sentence(who))
"""),
    ("code", """
curve = dose_response(rows, profile)
fig = save_figure(plots_returns.dose_response(curve), nb.output_dir, "03_dose_response")
captions["03_dose_response"] = "Monthly chance of a won outcome against the invested hours still working at the start of the month (95% band; dots: observed)."
Markdown(describe_dose_response(curve))
"""),
    ("md", """
### Where the return on an hour arrives (distributed lag)
The same hazard model with the minutes of each earlier month as separate inputs: how much one hour invested
*k* months before goes with a higher chance of a win this month (1 means no difference). Months far back with
ratios above 1 are the delayed returns; the same-month bar is the most exposed to reverse causation.
"""),
    ("code", """
lag_table = lag_profile(rows, max_lag=max_lag_months)
fig = save_figure(plots_returns.lag_profile(lag_table), nb.output_dir, "03_lag_profile")
captions["03_lag_profile"] = "Chance of a won outcome this month with one hour invested k months earlier, against none (95% intervals)."
display(Markdown(describe_lag_profile(lag_table)))
if lag_table["hazard_ratio_1h"].isna().all():
    notes.append("lag profile: too few won outcomes to fit it")
(lag_table.rename(columns={"months_earlier": "months before", "hazard_ratio_1h": "chance × (one hour vs none)",
                           "low": "95% low", "high": "95% high"})
 .drop(columns=["coef", "p_value", "clearly_higher"]).rename(columns={"p_value_holm": "p (Holm)"}).round(2))
"""),
    ("md", """
## When do returns arrive? (lag shape)
The half-life above assumes that an hour goes with the largest rise in the chance of a win in the very next month,
fading month after month (a *geometric* lag). Returns can also arrive late: little at first, most several months
on. Both shapes are fitted in the same hazard model, with the months 1 to 18 before each month as inputs; the
better fit (AIC) is chosen, and a delayed shape is claimed only when invested time is linked with wins at all and the
delayed shape fits clearly better. The line is the fitted shape, the dots each month on its own (as above).
"""),
    ("code", """
shape_fit = LagShapeFit().fit(rows)
metrics.update(shape_fit.metrics()); notes.extend(shape_fit.notes())
fig = save_figure(shape_fit.plot(), nb.output_dir, "03_lag_shape")
captions["03_lag_shape"] = "The fitted lag shape (line) over each earlier month's own estimate (dots, 95% intervals); the shaded band is the 95% interval of the peak month."
if shape_fit.shape_ == "delayed" and metrics.get("carryover_half_life_months") is not None:
    # a half-life describes a geometric lag; with a delayed one it would say returns come early
    metrics["carryover_half_life_months"] = None
    metrics.pop("carryover_half_life_months_ci", None)
    notes.append("carryover_half_life_months: the lag is delayed (it peaks months later), so a half-life would "
                 "misdescribe when returns arrive; see lag_peak_months")
display(Markdown(shape_fit.sentence(who)))
shape_fit.summary().round(1)
"""),
    ("md", """
## What this can and cannot claim
- **Reverse causation.** People spend time on relationships that already look promising: meetings pile up just
  before a deal closes *because* it is closing. So the half-life is estimated again leaving out the minutes of the
  month(s) just before each outcome month. If the estimate holds, the link is not only the last-minute rush.
- **No "ever high-investment" labels.** Comparing people who were *eventually* heavily invested in with the rest
  would credit the investment with outcomes that came before it (immortal-time bias). Every input here is
  time-varying and lagged: an outcome in a month is compared only with time invested before that month.
- **Association, not proof.** The model controls for how long a relationship has run, but not for everything that
  makes a relationship both worth the time and likely to pay. Treat the half-life as how long invested time *goes
  with* better chances, not as a guaranteed effect of adding hours.
"""),
    ("code", """
sensitivity = profile_half_life(rows, grid=grid, gap_months=reverse_causation_gap_months)
m, n = sensitivity.metrics("carryover_half_life_months_without_last_months")
metrics.update(m); notes.extend(n)
metrics["carryover_half_life_months_without_last_months_gap"] = reverse_causation_gap_months
pd.DataFrame({"check": ["all time invested before the month",
                        f"leaving out the {reverse_causation_gap_months} month(s) just before"],
              "half-life (95% interval)": [profile.short(), sensitivity.short()],
              "note": [profile.reason or "", sensitivity.reason or ""]})
"""),
    ("md", """
## Deal cycles (CRMs that record when each deal was engaged)
When the data has deals with an engagement date and a close date (for example a CRM sales pipeline), the time
from engagement to a won deal, and the chance that an engaged deal is decided (won or lost) by each month, with
deals still open counted as censored.
"""),
    ("code", """
cycles = deal_cycles(ds, unit=unit, as_of=nb.as_of)
won_deals = cycles[cycles["status"] == "won"]
if won_deals.empty:
    display(Markdown("This data has no deals with their own engagement date, so this section is empty."))
    metrics["deal_engage_to_won_median_days"] = None
    notes.append("deal_engage_to_won_median_days: no deals with an engagement date in the data")
else:
    fig = save_figure(plots_returns.deal_cycle_lags(won_deals["days"]), nb.output_dir, "03_deal_cycle_lags")
    captions["03_deal_cycle_lags"] = "Days from engagement to each won deal."
    decided = KaplanMeier.fit(cycles["months"], cycles["status"] != "open")
    fig = save_figure(plots_returns.deal_decided(decided.curve()),
                      nb.output_dir, "03_deal_decided")
    captions["03_deal_decided"] = "Chance that an engaged deal has been decided (won or lost), by months since engagement; open deals are censored."
    metrics["deal_engage_to_won_median_days"] = float(won_deals["days"].median())
    metrics["deal_engage_to_won_median_days_n"] = int(len(won_deals))
    metrics["deal_win_rate_of_closed"] = float((cycles["status"] == "won").sum() / max((cycles["status"] != "open").sum(), 1))
    within30 = float((won_deals["days"] <= 30).mean())
    display(Markdown(f"Of **{len(won_deals)}** won deals, half took more than **{won_deals['days'].median():.0f} days** from engagement "
                     f"to close, and only **{within30:.0%}** closed within 30 days. "
                     f"{metrics['deal_win_rate_of_closed']:.0%} of decided deals were won; {int((cycles['status'] == 'open').sum())} are still open."))
"""),
    ("md", "## In short"),
    ("code", """
from netanalysis.returns import headline
Markdown(headline(metrics, who))
"""),
    ("code", """
record_metrics(nb.output_dir, "03_delayed_returns", metrics, notes, captions=captions);
"""),
]

if __name__ == "__main__":
    build(ROOT / "notebooks" / "03_delayed_returns.ipynb", CELLS)

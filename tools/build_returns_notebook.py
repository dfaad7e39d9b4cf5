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
how outcomes keep arriving cohort after cohort, and whether time invested goes with wins months later. That last
question is easy to get wrong: meetings pile up *because* a deal is under way (reverse causation), and the
relationships you meet most may be the ones that would buy anyway (confounding). So the page starts with a verdict
that weighs several designs, and every later sentence about delayed returns follows it.
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
reverse_causation_gap_months: int = 1  # also leave out this many months before each month (besides 1, 2 and 3)
link_test_redraws: int = 199    # bootstrap redraws of the calibrated "any link" tests
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
                                 outcome_share_by_month, month_when_share_reached, check_returns_parameters,
                                 constant_rate_reference, followup_months, describe_arrival)
from netanalysis.survival import compare_segments
from netanalysis.cohorts import cohort_table, cohort_triangle
from netanalysis.carryover import hazard_rows, profile_half_life, dose_response, lag_profile, describe_dose_response
from netanalysis.lagview import adjusted_lag_table, describe_adjusted_lags
from netanalysis.lagshape import LagShapeFit
from netanalysis.returns_truth import assess_delayed_returns, opened_rows
from netanalysis.returns import headline
from netanalysis.deals import deal_cycles
from netanalysis.eventstudy import event_study_panel, event_study
from netanalysis.dealwork import deal_work, deal_work_summary

pd.set_option("display.max_colwidth", 60)
grid = check_returns_parameters(unit=unit, segment=segment, half_life_min=half_life_min, half_life_max=half_life_max,
                                half_life_steps=half_life_steps, reverse_causation_gap_months=reverse_causation_gap_months,
                                max_lag_months=max_lag_months, link_test_redraws=link_test_redraws)
nb = open_report_data(data_dir, as_of, output_dir, period)
ds = nb.ds
who = "relationships" if unit == "contact" else "accounts"
table = first_outcome_table(ds, unit=unit, as_of=nb.as_of)
km = KaplanMeier.fit(table["months"], table["event"])
lags = outcome_lags(ds, unit=unit, as_of=nb.as_of)
instant = within_days_share(lags, 30, seed=seed)
metrics, notes, captions = {}, [], {}
"""),
    ("md", """
## The verdict on delayed returns
Four questions, each answered by its own design on the relationship x month panel, in this order:
1. **Any link at all?** A calibrated test of whether time invested before a month goes with a higher chance of a win
   that month, for any half-life of the carryover (its p-value comes from redrawing outcomes where there is no link,
   so it is wrong 5% of the time when there is none, not more).
2. **Within the same relationships?** The same question, comparing each relationship only with itself, so a hidden
   quality that makes some relationships both busy and lucrative cannot produce the link.
3. **Not just the months before an outcome?** The same test leaving out the minutes of the last 1, 2 and 3 months
   before each month (and, where the data records when opportunities opened, with each win dated by its opening).
   A link that disappears was the meetings a deal in progress brings.
4. Only when all three hold is the verdict *supported*, and even then it is a link that time *goes with*, not proof.
"""),
    ("code", """
rows = hazard_rows(ds, unit=unit, as_of=nb.as_of)
profile = profile_half_life(rows, grid=grid)
shape_fit = LagShapeFit().fit(rows)  # geometric or delayed lag: the verdict words a delayed one by its peak month
metrics.update(shape_fit.metrics()); notes.extend(shape_fit.notes())
lag_shape = metrics.get("lag_shape") or "geometric"
opened, cycle_months = opened_rows(ds, rows, as_of=nb.as_of)
evidence = assess_delayed_returns(rows, pooled=profile, lag_shape=lag_shape, opened=opened,
                                  cycle_months=cycle_months or reverse_causation_gap_months, grid=grid,
                                  n_boot=link_test_redraws, seed=seed)
metrics.update(evidence.metrics()); notes.extend(evidence.notes())
metrics["carryover_half_life_months_n"] = profile.n_units
display(Markdown("**Verdict: " + evidence.verdict.code.replace("_", " ") + ".** " + evidence.verdict.headline()))
display(Markdown("Why: " + "; ".join(evidence.verdict.reasons) + "."))
evidence.designs_table()
"""),
    ("code", """
display(Markdown("Leaving out the months just before each month: if the link lives only there, deals under way bring "
                 "the meetings, not the other way round."
                 + ("" if opened is None else f" Wins dated by when their opportunity opened: link p-value "
                    f"{evidence.opened.short()}.")))
evidence.window_table()
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
## How soon do outcomes come?
The share of won outcomes that came within 30 days of the first interaction (with a bootstrap interval that
resamples whole relationships), the months from the first interaction to every won outcome, and how the outcomes
and their value pile up month after month. Each figure is set against what outcomes arriving at one constant rate
over each relationship's own follow-up would give: a relationship followed for three years can have outcomes in
year three, one met last month cannot, so "half of the value arrived after month N" measures how long the
relationships have been followed as much as any delay. Only a difference from that reference says something.
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
reference = constant_rate_reference(followup_months(table, nb.as_of))
metrics["outcomes_within_30d_share_constant_rate"] = reference["share_within_days"]
metrics["outcome_value_half_arrived_months_constant_rate"] = reference["half_arrived_months"]
if len(lags):
    display(Markdown(describe_arrival(instant, half_value if half_value is not None else half_count, reference, who,
                                      "value" if half_value is not None else "count")))
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
## How long does invested time go with better chances? (carryover half-life)
Each month, the chance of a won outcome is related to the time invested in the relationship *before* that month,
where older time counts less and less: its weight halves every *half-life* months. The model (a discrete-time
hazard, complementary log-log, with months since first contact as a control) is fitted for many half-lives; the
one that explains best when outcomes happen is the estimate, and the 95% interval holds every half-life that fits
almost as well (likelihood-ratio test). Read it through the verdict above: without a *supported* verdict it
describes when wins and meetings coincide, not how long time pays.
"""),
    ("code", """
fig = save_figure(plots_returns.half_life_profile(profile.table(), profile.best, profile.ci if profile.identified else None),
                  nb.output_dir, "03_carryover_profile")
captions["03_carryover_profile"] = "How much worse the model fits for each half-life than for the best one; half-lives under the dashed line are within the 95% interval."
Markdown(f"Verdict: **{evidence.verdict.code.replace('_', ' ')}**. All comparisons: {profile.short()}; "
         f"within the same {who}: {evidence.within.short()} ({profile.n_units} {who}, {profile.n_events} months with a win).")
"""),
    ("code", """
curve = dose_response(rows, profile)
fig = save_figure(plots_returns.dose_response(curve), nb.output_dir, "03_dose_response")
captions["03_dose_response"] = "Monthly chance of a won outcome against the invested hours still working at the start of the month (95% band; dots: observed)."
Markdown(describe_dose_response(curve))
"""),
    ("md", """
### Which earlier months go with wins (distributed lag)
The same hazard model with the minutes of each earlier month as separate inputs: how much one hour invested
*k* months before goes with a higher chance of a win this month (1 means no difference). Twelve months are tested
at once, so a month is named only if it passes after Holm's correction for multiple testing; the same-month bar
is shown but not tested (it is the most exposed to reverse causation).
"""),
    ("code", """
lag_table = adjusted_lag_table(lag_profile(rows, max_lag=max_lag_months))
fig = save_figure(plots_returns.lag_profile(lag_table), nb.output_dir, "03_lag_profile")
captions["03_lag_profile"] = "Chance of a won outcome this month with one hour invested k months earlier, against none (95% intervals)."
display(Markdown(describe_adjusted_lags(lag_table)))
if lag_table["hazard_ratio_1h"].isna().all():
    notes.append("lag profile: too few won outcomes to fit it")
(lag_table.rename(columns={"months_earlier": "months before", "hazard_ratio_1h": "chance × (one hour vs none)",
                           "low": "95% low", "high": "95% high", "p_adjusted": "p (Holm)"})
 .drop(columns=["coef", "p_value"]).round(3))
"""),
    ("md", """
### When do returns arrive? (lag shape)
The half-life above assumes that an hour goes with the largest rise in the chance of a win in the very next month,
fading month after month (a *geometric* lag). Returns can also arrive late: little at first, most several months
on. Both shapes are fitted in the same hazard model, with the months 1 to 18 before each month as inputs; the
better fit (AIC) is chosen, and a delayed shape is claimed only when invested time is linked with wins at all and
the delayed shape fits clearly better. The line is the fitted shape, the dots each month on its own.
"""),
    ("code", """
fig = save_figure(shape_fit.plot(), nb.output_dir, "03_lag_shape")
captions["03_lag_shape"] = "The fitted lag shape (line) over each earlier month's own estimate (dots, 95% intervals); the shaded band is the 95% interval of the peak month."
display(Markdown(shape_fit.sentence(who)))
shape_fit.summary().round(1)
"""),
    ("md", """
## What this can and cannot claim
- **Reverse causation.** People spend time on relationships that already look promising: meetings pile up just
  before a deal closes *because* it is closing. The verdict tests the link again leaving out the minutes of the
  1, 2 and 3 months before each month (table at the top); where the data records when each opportunity opened, wins
  are also dated by their opening, so only time invested before the opportunity counts.
- **Confounding.** Some relationships are both met often and likely to buy, for reasons the data does not show.
  Comparing each relationship only with itself (the within-relationship design) removes anything about a
  relationship that does not change over time; it cannot remove what changes over time.
- **No "ever high-investment" labels.** Comparing people who were *eventually* heavily invested in with the rest
  would credit the investment with outcomes that came before it (immortal-time bias). Every input here is
  time-varying and lagged: an outcome in a month is compared only with time invested before that month.
- **Calibrated, not searched.** Trying many half-lives and picking the best makes an ordinary test find links that
  are not there; the link p-value comes from redrawing outcomes with no link and repeating the whole search.
- **Association, not proof.** Even a *supported* verdict says that more time *goes with* more wins later in the
  same relationships, not that adding hours will bring wins.
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
    ("md", """
## Activity around each won outcome (event study)
Each point is the mean minutes invested in a relationship in one month, counted from the month of each won outcome
(month 0) back six months and on six months, with a 95% interval from resampling relationships; the small numbers
are the outcomes behind each point. The dashed line is the same relationships in months far (more than six months)
from any of their outcomes. **Activity that piles up just before the outcomes is what reverse causation looks
like**: meetings held because a deal is closing, which any "time before a win" measure would count as investment.
Activity spread over the months before, with no last-minute pile-up, fits time that goes with later outcomes.
"""),
    ("code", """
activity, events = event_study_panel(ds, unit=unit, as_of=nb.as_of)
study = event_study(activity, events, window=6, seed=seed)
notes.extend(study.notes)
fig = save_figure(plots_returns.event_study(study), nb.output_dir, "03_event_study")
captions["03_event_study"] = "Mean minutes per month around each won outcome (month 0), with 95% bands, against the same relationships far from outcomes."
metrics["event_study_near_to_far_ratio"] = study.near_to_far
if study.near_to_far is not None:
    metrics["event_study_near_to_far_ratio_ci"] = study.near_to_far_ci
    metrics["event_study_near_to_far_ratio_n"] = int(study.table["units"].max())
display(Markdown(study.sentence(who)))
activity_o, opened_events = event_study_panel(ds, unit=unit, as_of=nb.as_of, align="opened")
if len(opened_events):
    opened_study = event_study(activity_o, opened_events, window=6, seed=seed, align="opened")
    fig = save_figure(plots_returns.event_study(opened_study), nb.output_dir, "03_event_study_opened")
    captions["03_event_study_opened"] = "The same, counted from the month each won opportunity opened (CRM create date)."
    display(Markdown(opened_study.sentence(who)))
study.table.round(1).set_index("event_month")
"""),
    ("md", """
### Deal work apart from origination
Where the CRM records when each opportunity opened, the time invested in the 12 months before the opening
(*origination*) is shown apart from the time between opening and close (*deal work*). Deal work comes with a deal
in progress; counting it as investment that later paid would credit the relationship with the deal's own activity.
"""),
    ("code", """
work = deal_work(ds, unit=unit, as_of=nb.as_of)
if work.empty:
    display(Markdown("This data has no won or lost outcomes with an opening date, so deal work cannot be told apart."))
    metrics["deal_work_share_of_hours"] = None
    notes.append("deal_work_share_of_hours: no closed outcomes with an opening date (opened_at) in the data")
else:
    work_summary = deal_work_summary(work)
    share_work = work_summary.loc["opening to close (deal work)", "share_of_hours"]
    metrics["deal_work_share_of_hours"] = float(share_work) if pd.notna(share_work) else None
    metrics["deal_work_share_of_hours_n"] = int(work_summary["outcomes"].iloc[0])
    display(work_summary.round(2))
"""),
    ("md", "## In short"),
    ("code", """
Markdown(headline(metrics, who))
"""),
    ("code", """
record_metrics(nb.output_dir, "03_delayed_returns", metrics, notes, captions=captions);
"""),
]

if __name__ == "__main__":
    build(ROOT / "notebooks" / "03_delayed_returns.ipynb", CELLS)

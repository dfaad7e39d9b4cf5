"""Templated sentences on edge data: every one reads true and grammatical, with numbers worked out by hand.

Edge cases: all outcomes in one month (none within 30 days), one outcome, every
window positive, one contact, a CRM-only export (Maven), a LinkedIn-only export
(no outcomes) and a six-month classroom run.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netanalysis
from netanalysis.analysis.returns.first_outcome import (
    constant_rate_reference,
    describe_arrival,
    describe_first_outcome,
    first_outcome_table,
    followup_months,
    headline,
    month_when_share_reached,
    outcome_lags,
    within_days_share,
)
from netanalysis.dates import parse_as_of

MAVEN = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "maven_crm"
DAYS_PER_MONTH = 30.4375
# Python's words for nothing, and plurals after one, never belong in prose.
BAD = re.compile(r"\bnan\b|\bNone\b(?!\*\* of| of)|\bn/a\b|(?<![\d.,])1 (months|relationships|contacts|days|hours|companies)\b|"
                 r"month none|\(s\)")


def assert_reads_well(text: str) -> None:
    assert text.strip(), "an empty sentence"
    assert not BAD.search(text), text


def write_canonical(folder: Path, contacts: list[str], interactions: list[str], outcomes: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "contacts.csv").write_text("contact_id,name,email,company\n" + "\n".join(contacts) + "\n")
    (folder / "interactions.csv").write_text("contact_id,timestamp,channel,direction,duration_minutes\n"
                                             + "\n".join(interactions) + "\n")
    (folder / "outcomes.csv").write_text("contact_id,timestamp,kind,status,value\n" + "\n".join(outcomes) + "\n")
    return folder


# -- all outcomes in one month, none within 30 days ---------------------------------------------
@pytest.fixture(scope="module")
def one_month(tmp_path_factory):
    """Three contacts first met Jan 10, Feb 10 and Mar 10; all three deals won on Jun 15 2025."""
    folder = write_canonical(
        tmp_path_factory.mktemp("one_month"),
        ["c1,Ann,,Acme", "c2,Bob,,Beta", "c3,Cy,,Core"],
        ["c1,2025-01-10T10:00:00Z,meeting,outbound,60", "c2,2025-02-10T10:00:00Z,meeting,outbound,60",
         "c3,2025-03-10T10:00:00Z,meeting,outbound,60"],
        [f"{c},2025-06-15T10:00:00Z,deal,won,100" for c in ("c1", "c2", "c3")])
    return netanalysis.load([folder])


def test_all_outcomes_in_one_month_none_within_30_days(one_month):
    as_of = parse_as_of("2025-06-30")
    lags = outcome_lags(one_month, as_of=as_of)
    instant = within_days_share(lags, 30)
    # by hand: 156, 125 and 97 days from the first meeting to June 15
    assert sorted(lags["lag_days"].round().astype(int)) == [97, 125, 156]
    assert instant["share"] == 0.0
    # follow-up from 10:00 on Jan 10, Feb 10, Mar 10 to the end of Jun 30: 171, 140, 112 days and 14 hours
    follow = (np.array([171.0, 140.0, 112.0]) + 14 / 24) / DAYS_PER_MONTH
    ref = constant_rate_reference(followup_months(first_outcome_table(one_month, as_of=as_of), as_of))
    expected_ref = np.minimum(follow, 30 / DAYS_PER_MONTH).sum() / follow.sum()
    assert ref["share_within_days"] == pytest.approx(expected_ref, rel=1e-3)
    half = month_when_share_reached(lags, 0.5, "value")
    assert half == pytest.approx(125 / DAYS_PER_MONTH, abs=0.05)  # the middle of three equal values
    text = describe_arrival(instant, half, ref)
    assert text.startswith("**None** of the 3 won outcomes came within 30 days of the first interaction")
    assert "0%" not in text.split("(")[0] and "by month **4**" in text
    assert_reads_well(text)
    summary = headline({"outcomes_within_30d_share": 0.0, "outcomes_within_30d_share_ci": [0.0, 0.0],
                        "outcomes_within_30d_share_constant_rate": ref["share_within_days"],
                        "outcome_value_half_arrived_months": half})
    assert "none of the won outcomes came within 30 days" in summary and "only 0%" not in summary
    assert_reads_well(summary)


def test_first_outcome_sentence_when_all_units_won():
    text = describe_first_outcome(3, 3, 1.0, 4.1)
    assert "Out of **3** relationships, **all 3** have produced" in text
    assert "Nearly every new relationship produces one within a year" in text and "about a **100%**" not in text
    assert "Half of them had one within **4.1 months**" in text
    assert_reads_well(text)


def test_one_outcome_within_and_one_not():
    came = describe_arrival({"share": 1.0, "ci": [1.0, 1.0], "n_outcomes": 1, "n_units": 1}, None, {})
    assert came.startswith("The only won outcome **came** within 30 days") and "(1 relationships)" not in came
    missed = describe_arrival({"share": 0.0, "ci": [0.0, 0.0], "n_outcomes": 1, "n_units": 1}, 0.2, {})
    assert "**did not come**" in missed and "within the first month" in missed and "month **0**" not in missed


def test_first_outcome_sentence_one_contact_without_outcome():
    text = describe_first_outcome(1, 0, None, None)
    assert text.startswith("Out of **1** relationship, **none** has produced a won outcome so far.")
    assert "Fewer than half" not in text
    assert_reads_well(text)


# -- every window positive, one contact ----------------------------------------------------------
@pytest.fixture(scope="module")
def one_contact(tmp_path_factory):
    """One contact, met on the 5th of every month of 2024, with a won deal on the 20th of every month."""
    folder = write_canonical(
        tmp_path_factory.mktemp("one_contact"), ["c1,Ann Lee,ann@x.com,Acme"],
        [f"c1,2024-{m:02d}-05T10:00:00Z,meeting,outbound,60" for m in range(1, 13)],
        [f"c1,2024-{m:02d}-20T00:00:00Z,deal,won,100" for m in range(1, 13)])
    return netanalysis.load([folder])


@pytest.mark.slow
def test_follow_up_note_when_every_window_is_positive(one_contact):
    from netanalysis.analysis.predict.holdout import predict_outcomes

    pred = predict_outcomes(one_contact, as_of=parse_as_of("2024-12-31"), horizon_months=1, n_boot=20, check_leakage=False)
    note = next(n for n in pred.notes if n.startswith("follow-up list:"))
    # decision months Jan..Nov have a complete 1-month window, and each was followed by a win
    assert "every one of the 11 past 1-month windows had a won outcome" in note and "too few" not in note
    text = pred.followup_sentence()
    assert "1 relationship: 1 active, 0 cooling, 0 dormant." in text and "top 20" not in text
    assert pred.holdout.sentence().startswith("**Not enough data to judge a prediction:** only")
    assert pred.captions == {}  # no held-out or rolling figure is drawn
    for t in (note, text, pred.holdout.sentence()):
        assert_reads_well(t)


def test_follow_up_note_counts_windows_in_words():
    from netanalysis.analysis.predict.followup import _why_no_model

    assert "every one of the 666 past 6-month windows" in _why_no_model(666, 666, 6)
    assert "only 1 past 6-month window with a won outcome" in _why_no_model(1, 40, 6)
    assert "no past 6-month window is complete yet" in _why_no_model(0, 0, 6)


def test_network_sentences_with_one_contact(one_contact):
    from netanalysis.analysis.investment import investment_over_time
    from netanalysis.analysis.network.diversity_summary import diversity_summary
    from netanalysis.analysis.network.structural_holes import structural_holes
    from netanalysis.analysis.network.ties import dormant_ties, tie_strength

    cut = parse_as_of("2024-12-31")
    inv = investment_over_time(one_contact, as_of=cut).sentence()
    # stock at a 3-month half-life after 12 monthly hours is well above one hour
    assert "**1** of 1 relationship still holds more than one hour" in inv
    div = diversity_summary(one_contact, cut, n_boot=20)
    assert "**1** company through 1 contact: a diversity of **0.00 bits**" in div.sentence()
    dormant = dormant_ties(one_contact, cut, n_boot=20)
    assert dormant.sentence().startswith("No tie was silent for 12 months or more") and dormant.captions == {}
    holes = structural_holes(one_contact, cut)
    assert holes.captions == {} and "CRM exports would show" not in holes.sentence()
    ties = tie_strength(one_contact, cut, n_boot=20)
    for text in (inv, div.sentence(), dormant.sentence(), holes.sentence(), ties.sentence()):
        assert_reads_well(text)


# -- a CRM-only export (Maven) -------------------------------------------------------------------
@pytest.fixture(scope="module")
def maven():
    if not (MAVEN / "sales_pipeline.csv").exists():
        pytest.skip("Maven CRM dataset not present")
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv")
    return netanalysis.load([MAVEN]), raw


@pytest.mark.slow
def test_maven_deal_cycles_and_30_day_share_do_not_contradict(maven):
    from netanalysis.analysis.returns.deal_cycles import deal_cycles, describe_deal_cycles

    ds, raw = maven
    raw = raw[raw["account"].notna() & raw["engage_date"].notna()].copy()
    raw["engage"], raw["close"] = pd.to_datetime(raw["engage_date"]), pd.to_datetime(raw["close_date"])
    won = raw[raw["deal_stage"] == "Won"]
    days = (won["close"] - won["engage"]).dt.days
    text = describe_deal_cycles(deal_cycles(ds, unit="account"), "accounts")
    assert f"Of **{len(won):,}** won deals, half took more than **{days.median():.0f} days**" in text
    assert f"**{(days <= 30).mean():.0%}** closed within 30 days of it" in text
    assert "first interaction with the account" in text and "only" not in text
    decided = raw["deal_stage"].isin(["Won", "Lost"]).sum()
    assert f"{len(won) / decided:.0%} of {decided:,} decided deals were won" in text
    # the other 30-day share, counted from each account's first engagement, worked out on the raw file
    first = raw.groupby("account")["engage"].min()
    lag = (won["close"] - won["account"].map(first)).dt.days
    lags = outcome_lags(ds, unit="account")
    instant = within_days_share(lags, 30, n_boot=50)
    assert instant["n_outcomes"] == len(won)
    assert instant["share"] == pytest.approx(float((lag <= 30).mean()), abs=1e-9)
    arrival = describe_arrival(instant, None, {}, "accounts")
    lead = "**None** of the" if (lag <= 30).sum() == 0 else f"**{(lag <= 30).mean():.0%}** of"
    assert arrival.startswith(f"{lead} {len(won):,} won outcomes came within 30 days of the first interaction with "
                              "their account")
    for t in (text, arrival):
        assert_reads_well(t)


@pytest.mark.slow
def test_maven_network_sentences_give_no_crm_advice(maven):
    from netanalysis.analysis.network.structural_holes import structural_holes
    from netanalysis.analysis.network.ties import dormant_ties

    ds, _ = maven
    holes = structural_holes(ds)
    assert "CRM exports would show" not in holes.sentence() and holes.captions == {}
    dormant = dormant_ties(ds, n_boot=20)
    if not len(dormant.reactivations):
        assert dormant.captions == {} and dormant.sentence().startswith("No tie was silent")
    for t in (holes.sentence(), dormant.sentence()):
        assert_reads_well(t)


# -- a LinkedIn-only export (no outcomes) --------------------------------------------------------
@pytest.fixture(scope="module")
def linkedin_only():
    from netanalysis.paths import SAMPLE_DATA

    return netanalysis.load([SAMPLE_DATA / "linkedin"])


@pytest.mark.slow
def test_linkedin_only_sections_without_outcomes(linkedin_only):
    from netanalysis.analysis.investment import investment_over_time
    from netanalysis.analysis.network.diversity_summary import diversity_summary
    from netanalysis.analysis.network.structural_holes import structural_holes
    from netanalysis.analysis.network.ties import dormant_ties, tie_strength
    from netanalysis.analysis.overview import DataOverview

    ds = linkedin_only
    assert len(ds.outcomes) == 0  # the exports' outcomes come from the CRM, not from LinkedIn
    ties = tie_strength(ds, n_boot=20)
    dormant = dormant_ties(ds, n_boot=20)
    assert "no won outcome in this data" in ties.sentence() and "0.0%" not in ties.sentence()
    if len(dormant.reactivations):
        assert "no won outcome in this data to compare" in dormant.sentence() and "0.0%" not in dormant.sentence()
    holes = structural_holes(ds)
    texts = [DataOverview(ds).sentence(), investment_over_time(ds).sentence(), ties.sentence(), dormant.sentence(),
             diversity_summary(ds, n_boot=20).sentence(), holes.sentence()]
    for t in texts:
        assert_reads_well(t)


# -- the dose-response sentence reads the curve where it says ------------------------------------
def test_dose_response_sentence_reads_the_curve_at_the_hours_it_names():
    from netanalysis.analysis.returns.carryover import describe_dose_response

    curve = pd.DataFrame({"stock_hours": [0.0, 1.0, 2.0, 2.4], "hazard": [0.003, 0.010, 0.033, 0.045],
                          "low": 0.0, "high": 1.0})
    curve.attrs.update(half_life_months=4.31, read_at_hours=2.0, months_at_top=424)
    text = describe_dose_response(curve)
    assert "about **0.3%** of the time" in text and "with **2 hours** still working it is about **3.3%**" in text
    assert "the curve stops at 2.4 hours, as only 424 months had that much or more" in text
    assert "4.5%" not in text  # the curve's end is not the number read
    curve.attrs.update(half_life_months=1.0, read_at_hours=1.0, months_at_top=1)
    one = describe_dose_response(curve)
    assert "**1 hour**" in one and "about **1.0%**" in one and "half-life of 1.0 month;" in one
    assert "as only 1 month had" in one


def test_dose_response_stops_within_the_observed_stock():
    from netanalysis.analysis.returns.carryover import round_hours_below, supported_top_hours

    stock = np.r_[np.zeros(50), np.linspace(0.01, 3.5, 200)]
    top = supported_top_hours(stock)
    # 95th percentile of the 200 positive values, and at least 50 of them at or above it: the 151st smallest
    assert top == pytest.approx(min(np.quantile(stock[50:], 0.95), np.sort(stock[50:])[150]))
    assert (stock >= top).sum() >= 50 and round_hours_below(top) == 2.0


def test_lag_months_listed_in_words():
    from netanalysis.analysis.returns.lag_view import describe_adjusted_lags

    table = pd.DataFrame({"months_earlier": [0, 1, 2, 3, 4], "hazard_ratio_1h": 1.2, "p_value": [np.nan, .01, .5, .6, .01],
                          "clear": [False, True, False, False, True]})
    text = describe_adjusted_lags(table)
    assert "**1 and 4 months** before" in text and "the latest of these is **4 months**" in text
    table["clear"] = [False, True, False, False, False]
    assert "**1 month** before" in describe_adjusted_lags(table)
    assert_reads_well(text)


# -- the classroom at months=6 -------------------------------------------------------------------
def test_classroom_six_months_where_the_broadcaster_leads_throughout(tmp_path):
    from netanalysis.classroom.demo import figure_captions, headline, trap_card, write_classroom_index
    from netanalysis.classroom.strategies import simulate_classroom

    run = simulate_classroom(months=6, half_life_months=1.0, n_students=200, seed=0)
    b, c = run.mean_band("builder")[0], run.mean_band("broadcaster")[0]
    behind = int((c > b).sum())  # months in which the broadcaster is ahead, from the raw means
    m = run.metrics()
    assert behind == 6 and m["crossover_month"] is None  # this run is the case the teacher's guide describes
    text = headline(m)
    assert text.startswith("With a half-life of 1 month, the broadcaster is ahead in every one of the 6 months")
    assert trap_card(m) == ("6", "of all 6 months, with no crossover")
    assert figure_captions(m)["classroom_first_year"].endswith("the broadcaster is ahead in every month shown.")
    summary = {"metrics": m, "parameters": m["parameters"], "notes": [], "captions": figure_captions(m)}
    page = write_classroom_index(tmp_path, summary).read_text()
    assert "<h2>Notes</h2>" not in page and "n/a" not in page and "month none" not in page
    assert "after 6 months" in page and "1 months" not in page
    assert_reads_well(text)


def test_crossover_interval_in_words():
    from netanalysis.classroom.demo import crossover_interval_words

    assert crossover_interval_words([None, None], 36, 0.98) == (
        "no interval: in 98% of resamples the builder does not stay ahead within 36 months")
    assert crossover_interval_words([7, None], 36) == "95% interval: from month 7 to beyond month 36"
    assert crossover_interval_words([None, None], 1) .endswith("within 1 month")


@pytest.mark.parametrize("ci, words", [((1.1, 1.3), "somewhat higher just before the outcomes, but short of a pile-up"),
                                       ((0.8, 1.2), "There is no last-minute pile-up"),
                                       ((1.6, 2.0), "Activity piles up just before the outcomes")])
def test_event_study_sentence_follows_the_ratio_interval(ci, words):
    from netanalysis.analysis.returns.event_study import EventStudy

    months = np.arange(-6, 7)
    # 12 minutes a month in months -1 and 0, 10 in months -6..-4: a ratio of 1.2 worked out by hand
    minutes = np.where(np.isin(months, [-1, 0]), 12.0, 10.0)
    table = pd.DataFrame({"event_month": months, "minutes": minutes, "outcomes": 1200, "units": 40})
    study = EventStudy(table, {"minutes": float("nan")}, 1.2, list(ci))
    text = study.sentence()
    assert text.startswith("Around **1,200** won outcomes") and "**12** minutes per month" in text
    assert "against **10** four to six months before (ratio 1.2" in text and words in text
    assert "far from any outcome" not in text  # no baseline month: nothing said about it


def test_a_short_half_life_is_not_called_keeps_working():
    from netanalysis.analysis.returns.verdict import Evidence, decide, sentence_from_metrics

    m = {"delayed_returns_verdict": "supported", "carryover_within_contact_half_life_months": 0.4,
         "carryover_within_contact_half_life_months_ci": [0.3, 0.6], "lag_shape": "geometric"}
    text = sentence_from_metrics(m)
    assert "keeps working" not in text and "fades within weeks" in text and "about 0.4 months" in text
    e = Evidence(link_p=0.001, within_p=0.001, window_p={1: 0.001, 2: 0.001, 3: 0.001}, n_units=50, n_events=60,
                 n_within_units=30, half_life=0.4, half_life_ci=(0.3, 0.6))
    head = decide(e).headline()
    assert "keeps working" not in head and "half of it is gone after about 0.4 months (0.3 to 0.6" in head
    m["carryover_within_contact_half_life_months"] = 5.5
    assert "**Invested time keeps working**" in sentence_from_metrics(m)

"""On a simulated world where the carryover stock drives outcomes, the model must recover most of what
recency misses. The reference is the simulator's true monthly hazard, which is the best possible
score for a one-month horizon: the outcome of month t is drawn with exactly that probability."""

import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.predict.features import feature_table
from netanalysis.analysis.predict.holdout import evaluate_holdout
from netanalysis.analysis.predict.validation import ranking_metrics
from netanalysis.classroom.naive_readings import world_dataset
from netanalysis.dates import month_ordinal, ordinal_to_timestamp, parse_as_of
from netanalysis.simulate.world import simulate_world


def expected_auc(truth, score):
    """ROC AUC in expectation over the outcomes: each row is a positive with weight h and a negative with 1 - h.

    No score can do better than ranking by h itself (for any pair, putting the higher h first gains h_i - h_j),
    and the value has no outcome noise, so small gaps between scores are measured exactly.
    """
    truth = np.asarray(truth, dtype=float)
    y = np.r_[np.ones(len(truth)), np.zeros(len(truth))]
    return ranking_metrics(y, np.r_[score, score], np.r_[truth, 1 - truth])[0][0]


@pytest.fixture(scope="module")
def judged():
    w = simulate_world(contacts=2000, months=36, seed=11)
    table = feature_table(world_dataset(w), as_of=parse_as_of("2025-12-31"), horizon_months=1)
    holdout = evaluate_holdout(table, seed=0, n_boot=50, test_months=6)
    start = month_ordinal(pd.Series([pd.Timestamp(w.truth.start, tz="UTC")]))[0]
    hazard = w.monthly.assign(period=ordinal_to_timestamp(start + w.monthly["month"].to_numpy()).to_numpy())
    scores = holdout.scores.merge(hazard[["contact_id", "period", "hazard"]], on=["contact_id", "period"], how="left")
    return holdout, scores


@pytest.mark.slow
def test_true_hazard_is_joined_for_every_held_out_row(judged):
    _, scores = judged
    assert len(scores) > 5000 and scores["hazard"].notna().all()


@pytest.mark.slow
def test_model_recovers_most_of_the_gap_between_recency_and_the_truth(judged):
    holdout, s = judged
    truth = expected_auc(s["hazard"], s["hazard"])
    recency = expected_auc(s["hazard"], s["recency"])
    model = expected_auc(s["hazard"], s["logistic_regression"])
    gap = truth - recency
    # The world makes stock matter beyond recency, so there is a gap to recover ...
    assert gap > 0.01
    # ... and a model that learns the stock from the past alone must recover at least half of it.
    assert model >= recency + 0.5 * gap, (truth, recency, model)
    assert model <= truth + 1e-12  # nothing beats the true hazard in expectation


@pytest.mark.slow
def test_realised_holdout_auc_is_clearly_better_than_chance(judged):
    holdout, _ = judged
    row = holdout.table.set_index("model").loc["logistic_regression"]
    assert row["auc_low"] > 0.6 and row["n_units"] > 1500
    assert holdout.window["train_last"] < holdout.window["test_first"]


@pytest.mark.slow
def test_probabilities_are_calibrated_against_the_true_hazard(judged):
    _, s = judged
    # On average the predicted chance matches the true chance of an outcome (within 15%) ...
    assert s["logistic_regression"].mean() == pytest.approx(s["hazard"].mean(), rel=0.15)
    # ... and the relationships the model puts in its top fifth really do have a much higher true hazard
    # than those in its bottom fifth (the bottom fifths are nearly all dormant, with similar hazards).
    fifths = s.groupby(pd.qcut(s["logistic_regression"], 5, labels=False), observed=True)["hazard"].mean()
    assert fifths.iloc[-1] > 3 * fifths.iloc[0] and fifths.iloc[-2] > fifths.iloc[0]

"""Front-page tiles say how their number stands against its baseline, in the words of the section page."""

import pytest

from netanalysis.analysis.predict.holdout import versus_recency
from netanalysis.report.front_page import card, tile_comparison


def _prediction(gain_ci, auc=0.79, auc_ci=(0.72, 0.85), rec=0.76):
    return {"holdout_auc": auc, "holdout_auc_ci": list(auc_ci), "holdout_auc_n": 120,
            "holdout_auc_recency_baseline": rec, "holdout_auc_gain_over_recency": auc - rec,
            "holdout_auc_gain_over_recency_ci": None if gain_ci is None else list(gain_ci)}


@pytest.mark.parametrize("gain_ci, word", [((-0.02, 0.08), "no better"), ((0.01, 0.06), "better"),
                                           ((-0.09, -0.01), "worse")])
def test_prediction_tile_reads_the_gain_interval(gain_ci, word):
    # 0.79 against 0.76: the gain interval decides, not the point values
    m = _prediction(gain_ci)
    assert tile_comparison("holdout_auc", m) == f"{word} than recency (0.76)"
    assert f"{word} than recency (0.76)" in card("holdout_auc", m)


def test_prediction_tile_agrees_with_page_four_verb():
    # page 4 says "does not clearly beat" exactly when the tile says "no better": one function decides both
    assert versus_recency(-0.02, 0.08) == "no better"
    assert versus_recency(0.0, 0.08) == "no better"  # an interval touching 0 does not beat
    assert versus_recency(0.001, 0.08) == "better"


def test_prediction_tile_without_paired_gain_uses_the_model_interval():
    # an older summary: 0.72..0.85 contains 0.76, so no better; 0.77..0.85 lies above it, so better
    assert tile_comparison("holdout_auc", _prediction(None)) == "no better than recency (0.76)"
    assert tile_comparison("holdout_auc", _prediction(None, auc_ci=(0.77, 0.85))) == "better than recency (0.76)"


def test_prediction_tile_without_baseline_or_value_says_nothing():
    assert tile_comparison("holdout_auc", {"holdout_auc": 0.7}) is None
    assert tile_comparison("holdout_auc", {"holdout_auc": None}) is None
    assert "than recency" not in card("holdout_auc", {"holdout_auc": None})


@pytest.mark.parametrize("ci, ref, start", [((0.0, 0.0), 0.05, "fewer than"), ((0.04, 0.09), 0.05, "about what"),
                                            ((0.3, 0.5), 0.05, "more than")])
def test_thirty_day_tile_against_constant_rate(ci, ref, start):
    m = {"outcomes_within_30d_share": sum(ci) / 2, "outcomes_within_30d_share_ci": list(ci),
         "outcomes_within_30d_share_constant_rate": ref}
    text = tile_comparison("outcomes_within_30d_share", m)
    assert text.startswith(start) and "(5.0%)" in text


@pytest.mark.parametrize("code, words", [("association_only", "not a carryover"), ("no_link", "no link found"),
                                         ("reverse_causation_suspected", "months just before wins"),
                                         ("supported", "supported")])
def test_half_life_tile_follows_the_verdict(code, words):
    m = {"carryover_half_life_months": 0.4, "carryover_half_life_months_ci": [0.3, 0.6],
         "delayed_returns_verdict": code, "carryover_link_p_value": 0.01}
    assert words in tile_comparison("carryover_half_life_months", m)
    assert words in tile_comparison("carryover_link_p_value", m)


def test_tile_without_baseline_has_no_comparison():
    m = {"first_outcome_probability_12m": 0.4, "first_outcome_probability_12m_ci": [0.3, 0.5]}
    assert tile_comparison("first_outcome_probability_12m", m) is None
    assert 'class="vs"' not in card("first_outcome_probability_12m", m)

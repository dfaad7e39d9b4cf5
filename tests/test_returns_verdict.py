"""The delayed-returns verdict: right on worlds whose truth is known, and a pure function of the evidence."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from netanalysis.analysis.returns.carryover import HazardRows
from netanalysis.analysis.returns.evidence import assess_delayed_returns
from netanalysis.analysis.returns.link_test import ScoreTest
from netanalysis.analysis.returns.verdict import Evidence, decide
from netanalysis.analysis.returns.within_contact import fit_conditional_poisson, unit_groups

N_BOOT = 99
GRID = np.geomspace(0.25, 36.0, 32)


@pytest.fixture
def verdict_of(world_rows):
    """Factory: the evidence and verdict on one simulated world."""
    def assess(world, seed, contacts=400, months=36, **kw):
        return assess_delayed_returns(world_rows(world, contacts, months, seed, **kw), grid=GRID, within_grid=GRID,
                                      n_boot=N_BOOT, seed=seed)
    return assess


# -- on worlds with a known truth ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_null_world_finds_no_link(seed, verdict_of):
    ev = verdict_of("null", seed)
    assert ev.verdict.code == "no_link", ev.verdict.reasons
    m = ev.metrics()
    assert m["carryover_half_life_months"] is None
    assert "keeps working" not in ev.verdict.headline()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reverse_world_is_flagged(seed, verdict_of):
    ev = verdict_of("reverse", seed)
    assert ev.verdict.code in ("reverse_causation_suspected", "no_link"), ev.verdict.reasons
    assert "keeps working" not in ev.verdict.headline()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_confounded_world_is_an_association_only(seed, verdict_of):
    ev = verdict_of("confounded", seed)
    assert ev.verdict.code in ("association_only", "no_link"), ev.verdict.reasons
    assert "keeps working" not in ev.verdict.headline()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_true_carryover_is_supported_and_covers_the_half_life(seed, verdict_of):
    ev = verdict_of("carryover", seed, half_life_months=6.0, baseline_sd=0.7)
    assert ev.verdict.code == "supported", ev.verdict.reasons
    m = ev.metrics()
    lo, hi = m["carryover_within_contact_half_life_months_ci"]
    assert lo < 6.0 < hi
    assert m["carryover_half_life_months"] is not None
    assert "within the same contacts, and not just in the months before an outcome" in ev.verdict.headline()


@pytest.mark.slow
def test_link_test_false_positive_rate_on_null_worlds(world_rows):
    """Outcomes of two null worlds redrawn 200 times each at their true constant hazard: p < 0.05 in about 5%."""
    hits = total = 0
    for seed in (11, 12):
        rows = world_rows("null", 250, 30, seed)
        h = 1 - np.exp(-np.exp(-4.6))
        rng = np.random.default_rng(seed + 100)
        test = ScoreTest(rows, "pooled")
        for i in range(200):
            p = test.test((rng.random(rows.n_rows) < h).astype(float), seed=i).p_value
            hits += p < 0.05
            total += 1
    rate = hits / total
    print(f"false-positive rate of carryover_link_p_value < 0.05: {rate:.3f} over {total} null redraws")
    assert total >= 100 and rate <= 0.065


@pytest.mark.slow
def test_within_link_test_false_positive_rate(world_rows):
    """The within-unit test (two-way fixed effects) on two null worlds, 200 redraws each: about 6%."""
    hits = total = 0
    for seed in (13, 14):
        rows = world_rows("null", 250, 30, seed)
        h = 1 - np.exp(-np.exp(-4.6))
        rng = np.random.default_rng(seed + 7)
        test = ScoreTest(rows, "within")
        for i in range(200):
            hits += test.test((rng.random(rows.n_rows) < h).astype(float), seed=i).p_value < 0.05
            total += 1
    print(f"within-unit false-positive rate: {hits / total:.3f} over {total} null redraws")
    assert hits / total <= 0.075


# -- the decision on hand-made evidence ---------------------------------------------------------------------

ENOUGH = dict(n_units=300, n_events=120, n_within_units=80)


def test_decide_too_few_events_is_not_estimable():
    v = decide(Evidence(link_p=0.001, n_units=40, n_events=7))
    assert v.code == "not_estimable"
    assert "7 months with a win in 40 contacts" in v.reasons[0]
    assert "7 months with a win in 40 contacts" in v.headline()


def test_decide_no_link_when_the_calibrated_test_does_not_reject():
    v = decide(Evidence(link_p=0.05, within_p=0.001, window_p={1: 0.001}, **ENOUGH))
    assert v.code == "no_link" and not v.allows_half_life()
    assert "p = 0.05" in v.headline()


def test_decide_association_when_the_link_vanishes_within_units():
    v = decide(Evidence(link_p=0.001, within_p=0.4, window_p={1: 0.001, 2: 0.001}, **ENOUGH))
    assert v.code == "association_only"
    v2 = decide(Evidence(link_p=0.001, within_p=None, window_p={1: 0.001}, **ENOUGH))
    assert v2.code == "association_only"


def test_decide_reverse_when_a_window_or_the_opening_date_removes_the_link():
    v = decide(Evidence(link_p=0.001, within_p=0.001, window_p={1: 0.001, 2: 0.30, 3: 0.5}, **ENOUGH))
    assert v.code == "reverse_causation_suspected"
    assert any("last 2 months before" in r for r in v.reasons)
    v2 = decide(Evidence(link_p=0.001, within_p=0.001, window_p={1: 0.01, 2: 0.01}, opened_p=0.2, **ENOUGH))
    assert v2.code == "reverse_causation_suspected"
    assert v2.allows_half_life()  # a link exists, the words say what it is


def test_decide_supported_only_when_everything_holds():
    e = Evidence(link_p=0.001, within_p=0.01, window_p={1: 0.001, 2: 0.002, 3: 0.01}, opened_p=0.03,
                 half_life=5.5, half_life_ci=(3.0, 11.0), **ENOUGH)
    v = decide(e)
    assert v.code == "supported" and v.allows_half_life()
    assert v.headline() == ("Invested time keeps working, within the same contacts, and not just in the months before "
                            "an outcome: more time goes with more wins in later months, and half of that link is gone "
                            "after about 5.5 months (3.0 to 11.0, 95% interval).")
    delayed = decide(Evidence(**{**e.__dict__, "lag_shape": "delayed"}))
    assert delayed.code == "supported" and not delayed.allows_half_life()
    assert "half of that link" not in delayed.headline()


def test_no_verdict_speaks_of_effects_or_causes():
    cases = [Evidence(link_p=0.001, n_units=3, n_events=2), Evidence(link_p=0.5, **ENOUGH),
             Evidence(link_p=0.001, within_p=0.5, **ENOUGH), Evidence(link_p=0.001, within_p=0.01, window_p={2: 0.5}, **ENOUGH),
             Evidence(link_p=0.001, within_p=0.01, window_p={2: 0.01}, half_life=3.0, half_life_ci=(2.0, 4.0), **ENOUGH)]
    codes = set()
    for e in cases:
        v = decide(e)
        codes.add(v.code)
        text = (v.headline() + " ".join(v.reasons)).lower()
        assert "effect" not in text and "cause" not in text.replace("because", ""), text
        assert ("keeps working" in text) == (v.code == "supported")
    assert len(codes) == 5


# -- the within-unit estimator against statsmodels ------------------------------------------------------------

def _tiny_panel(seed=0, units=12, months=10):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(units), months)
    x = rng.gamma(1.0, 1.0, units * months)
    z = np.tile((np.arange(months) >= 5).astype(float), units)
    a = rng.normal(-1.5, 0.8, units)
    y = (rng.random(units * months) < 1 - np.exp(-np.exp(a[unit] + 0.6 * x - 0.3 * z))).astype(float)
    return unit, x, z, y


def test_conditional_poisson_matches_poisson_with_unit_dummies():
    unit, x, z, y = _tiny_panel()
    rows = HazardRows(unit=unit, period=np.zeros(len(unit)), minutes=x, event=y, tenure=np.zeros(len(unit), int),
                      starts=np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]]))
    g = unit_groups(rows)
    X = np.column_stack([z, x])[g.keep]
    b, ll, cov = fit_conditional_poisson(g, X)
    # Reference: the unconditional Poisson GLM with one dummy per unit (its slopes equal the conditional ones).
    keep_units = np.unique(unit[g.keep])
    dummies = (unit[g.keep][:, None] == keep_units[None, :]).astype(float)
    ref = sm.GLM(y[g.keep], np.column_stack([dummies, X]), family=sm.families.Poisson()).fit(tol=1e-12)
    assert np.allclose(b, ref.params[-2:], atol=1e-6)
    assert np.allclose(np.sqrt(np.diag(cov)), ref.bse[-2:], rtol=1e-4)
    # Units without a win drop out, exactly as the dummy model gives them a -inf intercept.
    assert g.n_groups == len(np.unique(unit[y > 0]))


def test_a_season_shared_by_all_units_is_not_a_within_unit_link():
    # Every unit is busier and wins more in the same calendar months; a unit's own minutes do nothing.
    rng = np.random.default_rng(3)
    units, months = 150, 36
    season = np.sin(2 * np.pi * np.arange(months) / 12.0)
    unit = np.repeat(np.arange(units), months)
    t = np.tile(np.arange(months), units)
    minutes = rng.poisson(40 * np.exp(season[t])).astype(float)
    event = (rng.random(units * months) < 1 - np.exp(-np.exp(-3.5 + 1.5 * season[t]))).astype(float)
    period = np.asarray(pd.date_range("2023-01-01", periods=months, freq="MS", tz="UTC")[t].to_pydatetime(), dtype=object)
    rows = HazardRows(unit=unit.astype(object), period=period, minutes=minutes, event=event, tenure=t.astype("int64"),
                      starts=np.arange(0, units * months, months))
    ev = assess_delayed_returns(rows, grid=GRID, within_grid=GRID, n_boot=N_BOOT)
    assert ev.link.p_value < 0.05  # the pooled model (calendar years only) sees the season
    assert ev.within_link.p_value >= 0.05
    assert ev.verdict.code == "association_only"

"""The scenario worlds carry the truth they claim (checked from the drawn data, not the code's flags)."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netanalysis.errors import UserError
from netanalysis.simulate.folder import simulate_to_folder
from netanalysis.simulate.world import delayed_kernel, simulate_world

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_default_world_draws_the_bundled_sample_unchanged(tmp_path):
    # The bundled sample was written before the other worlds existed: same seed, same files.
    simulate_to_folder(tmp_path, contacts=400, months=36, seed=7, fmt="exports")
    files = sorted(p.relative_to(SAMPLE) for p in SAMPLE.rglob("*") if p.is_file() and p.name not in ("README.md", "ground_truth.json"))
    assert files
    for rel in files:
        assert _digest(tmp_path / rel) == _digest(SAMPLE / rel), rel
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    old = json.loads((SAMPLE / "ground_truth.json").read_text())
    assert {k: truth[k] for k in ("half_life_months", "alpha", "beta", "hazard", "counts")} == \
        {k: old[k] for k in ("half_life_months", "alpha", "beta", "hazard", "counts")}
    assert truth["world"] == "carryover" and truth["causal_link"] is True


def _monthly_wins(w) -> pd.DataFrame:
    """Contact x month: minutes invested and whether the month had a win."""
    start = pd.Timestamp(w.truth.start, tz="UTC")
    won = w.outcomes[w.outcomes["status"] == "won"]
    mon = (won["timestamp"].dt.year - start.year) * 12 + won["timestamp"].dt.month - start.month
    key = set(zip(won["contact_id"], mon))
    m = w.monthly.copy()
    m["won"] = [(c, t) in key for c, t in zip(m["contact_id"], m["month"])]
    return m


def test_reverse_world_meets_people_just_before_their_wins():
    w = simulate_world(400, 36, seed=2, world="reverse")
    m = _monthly_wins(w).sort_values(["contact_id", "month"])
    g = m.groupby("contact_id")
    m["won_next_2"] = (g["won"].shift(-1, fill_value=False) | g["won"].shift(-2, fill_value=False))
    later = m[m["month"] > 0]
    before = later.loc[later["won_next_2"], "minutes"].mean()
    other = later.loc[~later["won_next_2"], "minutes"].mean()
    assert before > 2 * other
    # ...while the win months themselves follow the constant hazard: the share of met months with a win
    # is close to 1 - exp(-exp(alpha)).
    rate = m["won"].mean()
    assert abs(rate - (1 - np.exp(-np.exp(w.truth.alpha)))) < 0.004
    assert w.truth.causal_link is False and w.truth.reverse_months == [1, 2]


def test_null_world_outcomes_ignore_minutes():
    w = simulate_world(600, 36, seed=4, world="null")
    m = _monthly_wins(w)
    hi = m["stock_before"] > m["stock_before"].median()
    # Same constant hazard whatever was invested (two proportions within sampling error).
    p1, p0 = m.loc[hi, "won"].mean(), m.loc[~hi, "won"].mean()
    se = np.sqrt(p1 * (1 - p1) / hi.sum() + p0 * (1 - p0) / (~hi).sum())
    assert abs(p1 - p0) < 4 * se
    assert np.allclose(w.monthly["hazard"], 1 - np.exp(-np.exp(w.truth.alpha)))


def test_confounded_world_links_contacts_not_months():
    w = simulate_world(600, 36, seed=5, world="confounded")
    m = _monthly_wins(w)
    # Between contacts: those met more win more often.
    per = m.groupby("contact_id").agg(minutes=("minutes", "sum"), won=("won", "mean"))
    assert per["minutes"].corr(per["won"], method="spearman") > 0.1
    # Each contact's hazard is the same in every month, whatever was invested.
    assert (m.groupby("contact_id")["hazard"].nunique() == 1).all()


def test_delayed_kernel_peaks_late_and_starts_near_zero():
    w = delayed_kernel(6, 12.0, 36)
    assert int(np.argmax(w)) == 6 and w[6] == 1.0
    assert w[0] == 0 and w[1] < 1e-3 and w[2] < 0.01 and w[3] < 0.15
    # Worked by hand: w(3) = exp(12 * (log 0.5 - 0.5 + 1)) = exp(12 * -0.19315)
    assert abs(w[3] - np.exp(12 * (np.log(0.5) + 0.5))) < 1e-12


def test_delayed_world_hazard_follows_minutes_six_months_back():
    w = simulate_world(300, 36, seed=6, world="delayed")
    m = w.monthly
    piv = m.pivot(index="contact_id", columns="month", values="minutes").fillna(0.0).to_numpy()
    haz = m.pivot(index="contact_id", columns="month", values="hazard").to_numpy()
    # Recompute month 20's hazard from the minutes by the stated kernel: months 1-2 back count
    # (almost) nothing, month 6 back counts fully.
    d = np.arange(1, 21)
    wts = np.exp(12.0 * (np.log(d / 6.0) - d / 6.0 + 1.0))
    signal = piv[:, 19::-1] @ wts / 60.0
    expect = 1 - np.exp(-np.exp(w.truth.alpha + w.truth.beta * np.log1p(signal)))
    met = ~np.isnan(haz[:, 20])
    assert met.sum() > 100
    assert np.allclose(haz[met, 20], expect[met], rtol=1e-9, atol=1e-12)
    assert w.truth.lag_peak_months == 6.0 and w.truth.half_life_months is None


def test_linear_dose_and_contact_baselines():
    w = simulate_world(200, 24, seed=8, dose="linear", baseline_sd=1.0)
    m = w.monthly
    eta = np.log(-np.log1p(-m["hazard"].to_numpy()))
    x = m["stock_before"].to_numpy() / 60.0
    # Within one contact, eta - beta * stock / 60 is that contact's own constant baseline.
    resid = pd.Series(eta - w.truth.beta * x).groupby(m["contact_id"].to_numpy())
    assert resid.std().fillna(0).max() < 1e-9
    spread = resid.mean().std()
    assert 0.8 < spread < 1.2
    assert "stock_{t-1} / stock_scale_minutes" in w.truth.hazard and w.truth.dose == "linear"


def test_unknown_world_is_a_user_error():
    with pytest.raises(UserError, match="--world"):
        simulate_world(10, 6, world="magic")

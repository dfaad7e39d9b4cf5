"""The classroom demo: strategies with the same hours, the crossover, the command and its errors.

Expected numbers are worked out by hand from the simulator's stated model,
cloglog(h) = alpha + beta * log1p(stock / 60) with alpha = -5.5, beta = 2.2,
and the carryover stock_t = stock_{t-1} * 0.5 ** (1 / half_life) + minutes_t.
"""

import json
import math

import numpy as np
import pytest

from netanalysis.classroom.demo import BATCH_ENV, explore, run_classroom
from netanalysis.classroom.strategies import (
    classroom_metrics,
    crossover_month,
    investment_plan,
    simulate_classroom,
    strategies,
    trap_months,
)
from netanalysis.cli import main
from netanalysis.errors import UserError


def chance(stock_minutes):
    """The simulator's monthly chance, written out by hand."""
    return 1 - math.exp(-math.exp(-5.5 + 2.2 * math.log(1 + stock_minutes / 60)))


# -- strategies and the model -----------------------------------------------
def test_same_hours_and_who_is_met():
    plans = {name: investment_plan(s, 10, 8) for name, s in strategies(10).items()}
    spent = {name: p.hours_spent for name, p in plans.items()}
    assert np.allclose(spent["broadcaster"], 10)
    # builder: 3 new people a month, each met again for an hour every month, until 10 hours are used
    assert list(plans["builder"].size) == [3, 3, 3, 1]
    assert np.allclose(spent["builder"], [3, 6, 9, 10, 10, 10, 10, 10])
    # mixed: 5 new a month; the first 5 are kept up (5 hours), so from month 2 on 10 hours
    assert np.allclose(spent["mixed"], [5] + [10] * 7)
    for s in spent.values():
        assert (s <= 10 + 1e-9).all()


def test_hours_that_are_not_whole_are_all_spent():
    for name, s in strategies(7.5).items():
        spent = investment_plan(s, 7.5, 12).hours_spent
        assert (spent <= 7.5 + 1e-9).all() and np.allclose(spent[6:], 7.5), name


def test_expected_outcomes_match_the_model_by_hand():
    run = simulate_classroom(months=4, n_students=1)
    keep = 0.5 ** (1 / 4)
    h0, h60 = chance(0), chance(60)
    # broadcaster: 10 new people each month, never seen again
    want = [10 * h0, 10 * (h0 + h60), 10 * (h0 + h60 + chance(60 * keep)),
            10 * (h0 + h60 + chance(60 * keep) + chance(60 * keep ** 2))]
    assert np.allclose(np.diff(run.expected_cumulative("broadcaster"), prepend=0), want)
    # builder: 3 met in month 1, 3 more in month 2, 3 in month 3, 1 in month 4; everyone met again each month
    s2 = 60 * keep + 60
    want_builder = [3 * h0, 3 * h60 + 3 * h0, 3 * chance(s2) + 3 * h60 + 3 * h0,
                    3 * chance(s2 * keep + 60) + 3 * chance(s2) + 3 * h60 + 1 * h0]
    assert np.allclose(np.diff(run.expected_cumulative("builder"), prepend=0), want_builder)


def test_steady_builder_pays_at_the_rate_of_its_steady_stock():
    """The simulated outcome rate agrees with the model: 10 people at the steady stock 60 / (1 - keep)."""
    half_life = 3.0
    run = simulate_classroom(months=60, half_life_months=half_life, n_students=2000, seed=11)
    steady = 60 / (1 - 0.5 ** (1 / half_life))
    per_month = run.outcomes["builder"][:, 44:].astype(float)  # months 45-60: stock within 0.1% of steady
    expected = 10 * chance(steady)
    se = per_month.mean(axis=1).std(ddof=1) / math.sqrt(per_month.shape[0])
    assert abs(per_month.mean() - expected) < 4 * se
    assert run.stock["builder"][:, -1] == pytest.approx(steady, rel=1e-3)


def test_one_meeting_alone_rarely_pays():
    """A broadcaster relationship: chance of any outcome in the 12 months after the meeting, by hand."""
    run = simulate_classroom(months=13, n_students=1)
    keep = 0.5 ** (1 / 4)
    p_none = (1 - chance(0)) * np.prod([1 - chance(60 * keep ** k) for k in range(12)])
    first = run.chance["broadcaster"][0]
    assert 1 - np.prod(1 - first) == pytest.approx(1 - p_none)
    assert 1 - p_none < 0.15


# -- crossover and trap ------------------------------------------------------
def test_crossover_and_trap_by_hand():
    builder = np.array([0, 1, 3, 2, 6, 9])
    broadcaster = np.array([1, 2, 2, 3, 4, 5])
    assert crossover_month(builder, broadcaster) == 5  # ahead in month 3, behind in 4, ahead for good from 5
    assert trap_months(builder, broadcaster) == [1, 2, 4]
    assert crossover_month(np.array([1, 2]), np.array([0, 0])) == 1
    assert crossover_month(np.array([1, 2]), np.array([1, 2])) is None  # a tie is not ahead


def test_default_crossover_exists_after_month_1_with_a_trap_first():
    m, notes = classroom_metrics(simulate_classroom())
    assert m["crossover_month"] is not None and 1 < m["crossover_month"] <= 36
    assert m["trap_months"] and m["trap_months"][0] == 1 and max(m["trap_months"]) < m["crossover_month"]
    lo, hi = m["crossover_month_ci"]
    assert lo <= m["crossover_month"] <= hi
    assert set(m["mean_outcomes"]) == {"broadcaster", "builder", "mixed"}
    assert set(m["mean_outcomes"]["builder"]) == {"6", "12", "36"}
    assert m["mean_outcomes"]["builder"]["36"] > m["mean_outcomes"]["broadcaster"]["36"]


def test_short_half_life_crossover_comes_later_or_never():
    base = classroom_metrics(simulate_classroom(n_students=100))[0]["crossover_month"]
    fast, notes = classroom_metrics(simulate_classroom(half_life_months=0.5, n_students=100))
    assert fast["crossover_month"] is None or fast["crossover_month"] > base
    if fast["crossover_month"] is None:
        assert any(n.startswith("crossover_month:") for n in notes)


def test_same_seed_same_numbers_and_figures():
    from netanalysis.plots import classroom as plots_classroom

    a, b = simulate_classroom(months=12, n_students=30, seed=5), simulate_classroom(months=12, n_students=30, seed=5)
    for name in a.outcomes:
        assert np.array_equal(a.outcomes[name], b.outcomes[name])
    assert classroom_metrics(a) == classroom_metrics(b)
    c = simulate_classroom(months=12, n_students=30, seed=6)
    assert not np.array_equal(a.outcomes["broadcaster"], c.outcomes["broadcaster"])
    for fn in (plots_classroom.cumulative_outcomes, plots_classroom.builder_lead):
        fa, fb = fn(a), fn(b)
        fa.canvas.draw(); fb.canvas.draw()
        assert np.array_equal(np.asarray(fa.canvas.buffer_rgba()), np.asarray(fb.canvas.buffer_rgba()))


# -- the command -------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(classroom_demo):
    """The session's classroom demo (conftest): 14 months, 40 students, seed 3."""
    return classroom_demo


@pytest.mark.slow
def test_command_writes_the_demo(demo):
    assert (demo / "index.html").exists() and (demo / "classroom_delayed_gratification.html").exists()
    assert (demo / "classroom_delayed_gratification.ipynb").exists()
    # five figures of the strategies and two of "how a naive reading is fooled"
    assert len(list((demo / "figures").glob("*.png"))) == 7
    s = json.loads((demo / "summary.json").read_text())
    assert s["parameters"] == {"months": 14, "hours_per_month": 10.0, "half_life_months": 4.0, "n_students": 40,
                               "seed": 3}
    assert set(s["metrics"]["mean_outcomes"]["mixed"]) == {"6", "12", "14"}
    assert not (demo / "metrics").exists()
    assert s["metrics"]["fooled_reverse_near_to_far_ratio"] > 1.5
    page = (demo / "index.html").read_text()
    assert "<script" not in page and "Builder ahead for good" in page
    assert "sliders" in (demo / "classroom_delayed_gratification.html").read_text()


@pytest.mark.slow
def test_command_numbers_equal_an_in_process_run_with_the_same_seed(demo):
    s = json.loads((demo / "summary.json").read_text())
    m, notes = classroom_metrics(simulate_classroom(months=14, n_students=40, seed=3))
    assert s["metrics"]["crossover_month"] == m["crossover_month"]
    assert s["metrics"]["mean_outcomes"] == m["mean_outcomes"]
    assert s["notes"] == notes


@pytest.mark.slow
def test_bad_parameter_leaves_the_earlier_demo_untouched(demo):
    before = (demo / "summary.json").read_text()
    with pytest.raises(UserError, match="n_students"):
        run_classroom(out=demo, parameters={"n_students": "0"})
    assert (demo / "summary.json").read_text() == before


@pytest.mark.parametrize("param, word", [
    ("colour=red", "colour"), ("months=-3", "months"), ("months=2.5", "months"), ("n_students=0", "n_students"),
    ("hours_per_month=abc", "hours_per_month"), ("hours_per_month=1", "hours_per_month"), ("half_life_months=0", "half_life_months"),
    ("output_dir=/tmp/x", "output_dir"),
])
def test_bad_parameters_exit_2_naming_them(param, word, capsys, tmp_path):
    assert main(["classroom", "--out", str(tmp_path / "c"), "-p", param]) == 2
    err = capsys.readouterr().err
    assert word in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "c").exists()


# -- the sliders ---------------------------------------------------------------
def test_sliders_only_outside_batch(monkeypatch):
    monkeypatch.setenv(BATCH_ENV, "1")
    assert "JupyterLab" in explore()._repr_markdown_()
    monkeypatch.delenv(BATCH_ENV)
    monkeypatch.setattr("netanalysis.classroom.demo.show_live", lambda **kw: None)
    widget = explore(months=24, n_students=30)
    names = {c.description for c in widget.children if hasattr(c, "description")}
    assert {"months", "hours per month", "half-life (months)", "students", "seed"} <= names


@pytest.mark.slow
def test_a_failing_notebook_is_named_and_the_earlier_demo_stays(demo, tmp_path, monkeypatch):
    import nbformat

    broken = tmp_path / "classroom_delayed_gratification.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "netanalysis", "display_name": "netanalysis (project)", "language": "python"}
    params = nbformat.v4.new_code_cell("months: int = 36\noutput_dir: str = \"\"")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("raise ValueError('boom')")]
    nbformat.write(nb, broken)
    monkeypatch.setattr("netanalysis.classroom.demo.NOTEBOOK", broken)
    before = (demo / "index.html").read_text()
    with pytest.raises(UserError, match=r"failed in cell .*ValueError: boom"):
        run_classroom(out=demo, parameters={"months": "12"})
    assert (demo / "index.html").read_text() == before
    assert not list(demo.parent.glob(".demo.building-*"))


def test_slider_callback_shows_the_crossover(monkeypatch):
    import IPython.display

    from netanalysis.classroom.demo import show_live

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    show_live(months=24, hours_per_month=10.0, half_life_months=4.0, n_students=30, seed=0)
    text = [o.data for o in shown if isinstance(o, IPython.display.Markdown)]
    assert len(shown) == 2 and len(text) == 1
    assert text[0].startswith("**Crossover: month") or text[0].startswith("**No crossover")

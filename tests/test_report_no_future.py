"""The whole report uses nothing after `as_of`: appending interactions and outcomes after it
changes no metric, no figure and no follow-up row (only the input accounting, which
describes the files, not the data up to as_of)."""

import json

import pandas as pd
import pytest

from netanalysis.report.runner import run_report
from netanalysis.simulate.world import simulate_world, write_canonical

pytestmark = pytest.mark.slow  # every test here runs the report notebooks through papermill

AS_OF = "2024-06-30"
# Counts of input rows describe the files given, which do differ; everything else must not.
INPUT_ACCOUNTING = {"rows_read", "rows_rejected"}


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("future")
    world = simulate_world(contacts=150, months=30, seed=4, start="2022-07-01")
    full = write_canonical(world, root / "full")
    cut = pd.Timestamp(AS_OF, tz="UTC") + pd.Timedelta(days=1)
    assert (world.interactions["timestamp"] >= cut).sum() > 100  # there really is a future to leak
    assert (world.outcomes["timestamp"] >= cut).sum() > 3
    world.interactions = world.interactions[world.interactions["timestamp"] < cut]
    world.outcomes = world.outcomes[world.outcomes["timestamp"] < cut]
    past = write_canonical(world, root / "past")
    a = run_report([past], out=root / "a" / "r", as_of=AS_OF, history=False, progress=False)
    b = run_report([full], out=root / "b" / "r", as_of=AS_OF, history=False, progress=False)
    return a, b


def test_metrics_are_unchanged_by_data_after_as_of(two_reports):
    a, b = (json.loads((r / "summary.json").read_text()) for r in two_reports)
    assert a["counts"] == b["counts"]
    ma = {k: v for k, v in a["metrics"].items() if k not in INPUT_ACCOUNTING}
    mb = {k: v for k, v in b["metrics"].items() if k not in INPUT_ACCOUNTING}
    assert ma == mb
    assert a["metrics"]["first_outcome_probability_12m"] is not None


def test_figures_and_follow_up_list_are_unchanged(two_reports):
    a, b = two_reports
    figures = sorted(p.name for p in (a / "figures").glob("*.png"))
    assert figures and figures == sorted(p.name for p in (b / "figures").glob("*.png"))
    # The data overview's coverage chart shows the loaded data cut at as_of as well.
    for name in figures:
        assert (a / "figures" / name).read_bytes() == (b / "figures" / name).read_bytes(), name
    assert (a / "followup.csv").read_bytes() == (b / "followup.csv").read_bytes()

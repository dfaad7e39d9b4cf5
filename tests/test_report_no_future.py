"""The whole report uses nothing after `as_of`: appending interactions and outcomes after it
changes no metric, no figure and no follow-up row (only the input accounting, which
describes the files, not the data up to as_of).

The two reports are the session's `anonymized_reports` (conftest): the hostile distinctive world cut at
as_of, and the same world with six more months, both run with --anonymize and the same key (the privacy
tests read the same pair).
"""

import json

import pandas as pd
import pytest

import netanalysis

pytestmark = pytest.mark.slow  # every test here reads reports run through papermill

# Counts of input rows describe the files given, which do differ; everything else must not.
INPUT_ACCOUNTING = {"rows_read", "rows_rejected"}


@pytest.fixture(scope="module")
def two_reports(anonymized_reports):
    r = anonymized_reports
    past, full = (netanalysis.load([r[k]]) for k in ("past_data", "full_data"))
    cut = pd.Timestamp(r["as_of"], tz="UTC") + pd.Timedelta(days=1)
    assert (full.interactions["timestamp"] >= cut).sum() > 100  # there really is a future to leak
    assert (full.outcomes["timestamp"] >= cut).sum() > 3
    assert not (past.interactions["timestamp"] >= cut).any() and not (past.outcomes["timestamp"] >= cut).any()
    return r["past"], r["full"]


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

"""Prediction features on a tiny dataset, with every number worked out by hand (see `tiny` in conftest)."""

import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.predict.features import feature_columns, feature_table
from netanalysis.dates import parse_as_of
from netanalysis.errors import UserError

D3 = 0.5 ** (1 / 3)  # one month of decay at a 3-month half-life


def ts(s):
    return pd.Timestamp(s, tz="UTC")


@pytest.fixture
def table(tiny_ds):
    t = feature_table(tiny_ds, as_of=parse_as_of("2025-12-31"), horizon_months=2)
    return t.set_index(["contact_id", "period"])


def test_rows_start_the_month_after_the_first_touch_and_end_after_as_of(table):
    ann = table.loc["c1"].index
    bob = table.loc["c2"].index
    # Ann met in January: decision months February 2025 .. January 2026 (the month after as_of).
    assert ann.min() == ts("2025-02-01") and ann.max() == ts("2026-01-01") and len(ann) == 12
    assert bob.min() == ts("2025-03-01") and bob.max() == ts("2026-01-01")
    scoring = table[table["scoring"]]
    assert list(scoring.index.get_level_values("period").unique()) == [ts("2026-01-01")]


def test_features_use_only_the_months_before(table):
    feb = table.loc[("c1", ts("2025-02-01"))]  # knows the January meeting only
    assert feb["stock_hl3"] == pytest.approx(60.0) and feb["stock_hl1"] == pytest.approx(60.0)
    assert feb["cum_hours"] == pytest.approx(1.0)
    assert feb["touches_1m"] == 1 and feb["months_since_first"] == 1 and feb["months_since_last"] == 1
    assert feb["share_meetings"] == 1 and feb["inbound_share"] == 0
    mar = table.loc[("c1", ts("2025-03-01"))]  # still only January: the March e-mail is not known yet
    assert mar["stock_hl3"] == pytest.approx(60 * D3) and mar["stock_hl1"] == pytest.approx(30.0)
    assert mar["stock_hl12"] == pytest.approx(60 * 0.5 ** (1 / 12))
    assert mar["touches_1m"] == 0 and mar["touches_3m"] == 1 and mar["months_since_last"] == 2
    apr = table.loc[("c1", ts("2025-04-01"))]  # January meeting and March e-mail (inbound, 5 minutes)
    assert apr["stock_hl3"] == pytest.approx(60 * D3 ** 2 + 5)
    assert apr["cum_hours"] == pytest.approx(65 / 60)
    assert apr["inbound_share"] == 0.5 and apr["share_meetings"] == 0.5 and apr["share_written"] == 0.5
    assert apr["past_outcomes"] == 0  # the April deal is in the label window, not in the features
    may = table.loc[("c1", ts("2025-05-01"))]
    assert may["past_outcomes"] == 1 and may["outcomes_12m"] == 1


def test_dormancy_and_windows_at_the_scoring_month(table):
    jan = table.loc[("c1", ts("2026-01-01"))]
    # Last touch in March 2025: 10 months before January 2026; both touches lie within the last 12 months.
    assert jan["months_since_last"] == 10 and jan["touches_6m"] == 0 and jan["touches_12m"] == 2
    assert jan["dormant_6m"] == 1 and jan["dormant_12m"] == 0
    bob = table.loc[("c2", ts("2026-01-01"))]
    assert bob["months_since_last"] == 11 and bob["stock_hl3"] == pytest.approx(20 * D3 ** 10)


def test_labels_cover_the_next_horizon_months_and_only_complete_windows(table):
    ann = table.loc["c1", "label"]
    # Deal won on 10 April 2025; horizon 2 months: decision months March (Mar-Apr) and April (Apr-May) are positive.
    assert ann[ts("2025-02-01")] == 0 and ann[ts("2025-03-01")] == 1 and ann[ts("2025-04-01")] == 1
    assert ann[ts("2025-05-01")] == 0
    # The window of November 2025 ends with December (complete at 31 December); December's would need January.
    assert ann[ts("2025-11-01")] == 0 and np.isnan(ann[ts("2025-12-01")]) and np.isnan(ann[ts("2026-01-01")])
    assert (table.loc["c2", "label"].dropna() == 0).all()  # Bob's outcome was lost, not won


def test_a_mid_month_as_of_leaves_that_month_unlabelled(tiny_ds):
    t = feature_table(tiny_ds, as_of=parse_as_of("2025-05-15"), horizon_months=1).set_index(["contact_id", "period"])
    assert t.loc[("c1", ts("2025-04-01")), "label"] == 1  # April is complete
    assert np.isnan(t.loc[("c1", ts("2025-05-01")), "label"])  # May is not over on the 15th
    assert t.loc[("c1", ts("2025-06-01")), "scoring"]


def test_accounts_group_by_company(tiny_ds):
    t = feature_table(tiny_ds, as_of=parse_as_of("2025-12-31"), horizon_months=2, unit="account")
    assert set(t["account"]) == {"Acme", "Beta"}
    assert t.columns[0] == "account" and list(t.columns[2:2 + len(feature_columns())]) == feature_columns()


@pytest.mark.parametrize("kwargs, word", [({"horizon_months": 0}, "horizon_months"), ({"horizon_months": 2.5}, "horizon_months"),
                                          ({"unit": "team"}, "unit")])
def test_bad_parameters_are_user_errors(tiny_ds, kwargs, word):
    with pytest.raises(UserError, match=word):
        feature_table(tiny_ds, as_of=parse_as_of("2025-12-31"), **kwargs)

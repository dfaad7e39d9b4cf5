"""The prediction's fast paths give the same results as straightforward references on a small world."""

import numpy as np
import pandas as pd
import pytest
from predict_reference import check_shifted_labels_reference

from netanalysis.analysis.predict.features import feature_table
from netanalysis.analysis.predict.validation import LeakageError, check_shifted_labels
from netanalysis.dates import parse_as_of


@pytest.fixture(scope="module")
def table(simulated_dataset):
    return feature_table(simulated_dataset(contacts=400, months=36, seed=7), as_of=parse_as_of("2025-12-31"))


def verdict(check, table, cols):
    """The guard's message, or None when it passes."""
    try:
        check(table, cols, "contact_id", 6)
    except LeakageError as e:
        return str(e)
    return None


def leaky_variants(table):
    """Honest features plus leaks of every kind the guard must name: label copies at several shifts, a perfect
    ranking with gaps (NaN, inf) in it, a flipped copy, and a column too short to judge."""
    t = table.copy()
    by_unit = t.groupby("contact_id")["label"]
    noise = np.random.default_rng(0).random(len(t))
    t["peek_0"] = by_unit.shift(0)
    t["peek_3"] = by_unit.shift(-3)
    t["past_6"] = by_unit.shift(6)  # a window that is over: allowed
    t["flipped"] = 1 - by_unit.shift(-1)
    t["ranks"] = 5 * t["label"] + noise
    t.loc[t.index[::7], "ranks"] = np.inf
    t.loc[t.index[::11], "ranks"] = np.nan
    t["rare"] = np.where(t["label"].notna() & (t.index < 50), t["label"], np.nan)
    return t, ["peek_0", "peek_3", "past_6", "flipped", "ranks", "rare"]


def test_shifted_label_guard_matches_the_reference(table):
    cols = table.attrs["feature_columns"]
    assert verdict(check_shifted_labels, table, cols) is None
    assert verdict(check_shifted_labels_reference, table, cols) is None
    leaky, extra = leaky_variants(table)
    fast = verdict(check_shifted_labels, leaky, cols + extra)
    assert fast == verdict(check_shifted_labels_reference, leaky, cols + extra)
    for name in ["peek_0", "peek_3", "flipped", "ranks"]:
        assert name in fast
    assert "past_6" not in fast and "rare" not in fast


def test_shifted_label_guard_with_rows_out_of_order_and_duplicated(table):
    leaky, extra = leaky_variants(table)
    shuffled = leaky.sample(frac=1.0, random_state=3)
    doubled = pd.concat([shuffled, shuffled.iloc[:500]])  # a repeated (unit, month): its first row counts
    for t in (shuffled, doubled):
        assert verdict(check_shifted_labels, t, extra) == verdict(check_shifted_labels_reference, t, extra)

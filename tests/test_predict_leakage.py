"""No leakage, proved: data after as_of changes nothing, and the guard catches features that peek ahead."""

import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.predict.features import feature_table
from netanalysis.analysis.predict.holdout import predict_outcomes
from netanalysis.analysis.predict.validation import LeakageError, check_shifted_labels, check_truncation
from netanalysis.dataset import Dataset
from netanalysis.dates import parse_as_of
from netanalysis.plots import predict as plots_predict

AS_OF = parse_as_of("2025-06-30")


@pytest.fixture(scope="module")
def sample(simulated_dataset):
    """A simulated world of 400 contacts over 2023-2025, like the bundled sample."""
    return simulated_dataset(contacts=400, months=36, seed=7)


def with_future_rows(ds: Dataset) -> Dataset:
    """The dataset plus interactions and won outcomes after AS_OF, for old contacts and a new one."""
    rng = np.random.default_rng(0)
    who = ds.contacts["contact_id"].sample(60, random_state=1).tolist()
    when = pd.Timestamp("2025-07-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 200, 120), unit="D")
    inter = pd.DataFrame({"interaction_id": [f"future-i{k}" for k in range(120)], "contact_id": who * 2,
                          "timestamp": when, "channel": "meeting", "direction": "inbound", "duration_minutes": 240.0,
                          "source": "future", "source_row": np.arange(120)})
    outc = pd.DataFrame({"outcome_id": [f"future-o{k}" for k in range(30)], "contact_id": who[:30], "account": pd.NA,
                         "timestamp": pd.Timestamp("2025-07-02", tz="UTC"), "kind": "deal", "status": "won",
                         "value": 1e6, "currency": "EUR", "source": "future", "source_row": np.arange(30)})
    new = ds.contacts.iloc[:1].assign(contact_id="future-contact", name="Future Person",
                                      first_seen=pd.Timestamp("2025-08-01", tz="UTC"))
    extra_i = inter.iloc[:1].assign(interaction_id="future-new", contact_id="future-contact")
    return Dataset.from_frames(pd.concat([ds.contacts, new], ignore_index=True),
                               pd.concat([ds.interactions, inter, extra_i], ignore_index=True),
                               pd.concat([ds.outcomes, outc], ignore_index=True), check=False)


def test_data_after_as_of_changes_no_figure(sample):
    known = sample.until(AS_OF)
    more = with_future_rows(sample)
    assert len(more.interactions) > len(known.interactions) + 120  # the sample's own later rows plus ours
    a = predict_outcomes(known, as_of=AS_OF, n_boot=40)
    b = predict_outcomes(more, as_of=AS_OF, n_boot=40)
    assert a.holdout.ok  # the comparison is about real numbers, not two empty results
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.holdout.table, b.holdout.table)
    pd.testing.assert_frame_equal(a.holdout.calibration, b.holdout.calibration)
    pd.testing.assert_frame_equal(a.holdout.importance, b.holdout.importance)
    pd.testing.assert_frame_equal(a.rolling, b.rolling)
    pd.testing.assert_frame_equal(a.followup, b.followup)
    assert a.metrics() == b.metrics()
    assert "future-contact" not in set(b.followup["contact_id"])
    assert figures(a) == figures(b)


def figures(pred) -> list[bytes]:
    """The notebook's four figures as PNG bytes."""
    import io

    import matplotlib.pyplot as plt

    h = pred.holdout
    out = []
    for fig in (plots_predict.model_comparison(h.table), plots_predict.calibration(h.calibration),
                plots_predict.feature_importance(h.importance), plots_predict.rolling_auc(pred.rolling)):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        plt.close(fig)
        out.append(buf.getvalue())
    return out


@pytest.fixture(scope="module")
def table(sample):
    return feature_table(sample, as_of=parse_as_of("2025-12-31"), horizon_months=6)


def test_the_guard_passes_honest_features(sample, table):
    cols = table.attrs["feature_columns"]
    check_shifted_labels(table, cols, "contact_id", 6)
    assert check_truncation(sample, table, feature_table, cols, "contact_id", n_months=2, horizon_months=6) > 100


@pytest.mark.parametrize("shift", [0, 1, -5, 6])
def test_the_guard_fails_loudly_when_labels_are_shifted_into_the_features(table, shift):
    # feature at t = the label of decision month t + shift, whose window t+shift .. t+shift+5 is not over at t.
    leaky = table.copy()
    leaky["peek"] = leaky.groupby("contact_id")["label"].shift(-shift)
    with pytest.raises(LeakageError, match="peek"):
        check_shifted_labels(leaky, table.attrs["feature_columns"] + ["peek"], "contact_id", 6)


def test_the_guard_catches_a_feature_that_ranks_the_label_perfectly(table):
    leaky = table.copy()
    noise = np.random.default_rng(0).random(len(leaky))
    leaky["hint"] = 10 * leaky["label"] + noise  # not equal to the label, but it orders every pair right
    with pytest.raises(LeakageError, match="hint"):
        check_shifted_labels(leaky, ["hint"], "contact_id", 6)


def test_a_label_window_that_is_over_is_not_leakage(table):
    # The label of t - 6 covers t-6 .. t-1: known at t, so the guard must let it through.
    past = table.copy()
    past["known"] = past.groupby("contact_id")["label"].shift(6)
    check_shifted_labels(past, ["known"], "contact_id", 6)


def test_the_guard_catches_a_feature_built_from_the_decision_month_itself(sample, table):
    def leaky_build(ds, **kw):
        t = feature_table(ds, **kw)
        # touches in month t itself (the next row's last-month count): not known at the start of t
        t["touches_this_month"] = t.groupby("contact_id")["touches_1m"].shift(-1)
        return t

    leaky = leaky_build(sample, as_of=parse_as_of("2025-12-31"), horizon_months=6)
    cols = table.attrs["feature_columns"] + ["touches_this_month"]
    with pytest.raises(LeakageError, match="touches_this_month"):
        check_truncation(sample, leaky, leaky_build, cols, "contact_id", n_months=2, horizon_months=6)

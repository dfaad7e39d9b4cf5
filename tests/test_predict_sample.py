"""Above a size limit, the models learn from a seeded sample of whole relationships: the same data gives the
same sample, a drawn relationship keeps all its months, every relationship is still ranked, and the sampled
model still finds signal where the world has some and none where it has none."""

import numpy as np
import pandas as pd
import pytest

from netanalysis.analysis.predict import sample as S
from netanalysis.analysis.predict.features import feature_table
from netanalysis.analysis.predict.holdout import predict_outcomes
from netanalysis.analysis.predict.sample import UnitSample
from netanalysis.classroom.naive_readings import world_dataset
from netanalysis.dates import parse_as_of
from netanalysis.simulate.world import simulate_world

AS_OF = parse_as_of("2025-12-31")


def test_the_draw_depends_on_the_id_and_seed_only():
    ids = [f"c{i}" for i in range(20_000)]
    s = UnitSample(0.3, seed=4)
    kept = s.keeps(ids)
    # Binomial(20000, 0.3): the share drawn is within 5 standard deviations (0.016) of 0.3.
    assert abs(kept.mean() - 0.3) < 0.016
    # Each id's draw is the same alone, in another order, or among other ids ...
    shuffled = np.random.default_rng(0).permutation(len(ids))
    assert (s.keeps([ids[i] for i in shuffled]) == kept[shuffled]).all()
    assert s.keeps(ids[:100]).tolist() == kept[:100].tolist()
    # ... a larger share keeps every id a smaller one keeps, and another seed draws other ids.
    assert (UnitSample(0.6, seed=4).keeps(ids) >= kept).all()
    assert 0.2 < (UnitSample(0.3, seed=5).keeps(ids) & kept).mean() / 0.3 < 0.4  # about 0.3 of them: independent


def test_no_sample_up_to_the_limit():
    assert UnitSample.for_rows(S.SAMPLE_ABOVE_ROWS) is None
    # The benchmark's 1M-interaction file and the 40,000-contact world both have about 2 million: never sampled.
    assert S.SAMPLE_ABOVE_ROWS > 2_000_000
    s = UnitSample.for_rows(10 * S.SAMPLE_ROWS, seed=3)
    assert s == UnitSample(0.1, 3)


@pytest.fixture(scope="module")
def world():
    return world_dataset(simulate_world(contacts=600, months=30, seed=5))


def test_sampled_table_keeps_whole_units_and_every_scoring_row(world):
    full = feature_table(world, as_of=AS_OF, horizon_months=3)
    s = UnitSample(0.25, seed=1)
    part = feature_table(world, as_of=AS_OF, horizon_months=3, sample=s)
    drawn = s.keeps(full["contact_id"])
    expected = full[drawn | full["scoring"].to_numpy()].reset_index(drop=True)
    got = part.drop(columns=[]).copy()
    got.attrs = {}
    expected.attrs = {}
    pd.testing.assert_frame_equal(got, expected, check_exact=True)  # the same numbers, only fewer rows
    units = full["contact_id"].unique()
    in_sample = s.keeps(units)
    assert part.attrs["unit_sample"] == {"share": 0.25, "seed": 1, "units": int(in_sample.sum()),
                                         "of_units": len(units), "rows": int(drawn.sum()), "of_rows": len(full)}
    # Without scoring every unit, only the drawn units are left.
    only = feature_table(world, as_of=AS_OF, horizon_months=3, sample=s, score_every_unit=False)
    assert set(only["contact_id"]) == set(units[in_sample]) and len(only) == int(drawn.sum())


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(S, "SAMPLE_ABOVE_ROWS", 5_000)
    monkeypatch.setattr(S, "SAMPLE_ROWS", 8_000)


@pytest.mark.slow
def test_sampled_model_beats_chance_where_the_world_has_signal(small_limits):
    ds = world_dataset(simulate_world(contacts=3000, months=36, seed=11))
    pred = predict_outcomes(ds, as_of=AS_OF, horizon_months=1, seed=0)
    info = pred.table.attrs["unit_sample"]
    assert info["units"] < info["of_units"] == 3000
    row = pred.holdout.table.set_index("model").loc["logistic_regression"]
    assert row["auc_low"] > 0.55 and row["n_units"] <= info["units"]
    assert len(pred.followup) == 3000 and pred.followup["probability"].notna().all()  # everyone is ranked
    assert any(f"{info['units']:,} of 3,000 relationships" in n for n in pred.notes)
    again = predict_outcomes(ds, as_of=AS_OF, horizon_months=1, seed=0)
    pd.testing.assert_frame_equal(again.holdout.table, pred.holdout.table)
    pd.testing.assert_frame_equal(again.followup, pred.followup)


@pytest.mark.slow
def test_sampled_model_finds_nothing_where_the_world_has_none(small_limits):
    ds = world_dataset(simulate_world(contacts=3000, months=36, seed=11, world="null"))
    pred = predict_outcomes(ds, as_of=AS_OF, horizon_months=1, seed=0)
    assert pred.table.attrs["unit_sample"]["units"] < 3000
    row = pred.holdout.table.set_index("model").loc["logistic_regression"]
    assert row["auc_low"] < 0.5 < row["auc_high"], row


def test_the_sample_of_an_engine_dataset_is_built_in_process(world):
    """A Dataset whose panels another engine builds (`report --engine dask`) still has its whole table built
    there, but the leakage guard's rebuilt months on the sampled units are built by pandas: the engine reads
    every contact of the loaded folder, where the sample needs a few. The rows are the same either way."""
    from dataclasses import replace

    from netanalysis.panel.build import build_panel

    calls = []

    def engine(ds, **kw):
        calls.append(len(ds.interactions))
        return build_panel(ds, **kw)

    on_engine = replace(world, panel_builder=engine)
    s = UnitSample(0.25, seed=1)
    feature_table(on_engine, as_of=AS_OF, horizon_months=3)
    assert calls == [len(world.interactions)]  # the whole table: the engine builds it
    got = feature_table(on_engine, as_of=AS_OF, horizon_months=3, sample=s, score_every_unit=False)
    assert len(calls) == 1  # the sampled units: built here
    pd.testing.assert_frame_equal(got, feature_table(world, as_of=AS_OF, horizon_months=3, sample=s,
                                                     score_every_unit=False), check_exact=True)

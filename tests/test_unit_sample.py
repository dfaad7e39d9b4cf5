"""The seeded sample of whole units the hazard models use above `MODEL_ROWS_MAX` rows (`unit_sample`)."""

import numpy as np
import pytest

from netanalysis.analysis.returns.carryover import HazardRows, hazard_rows, profile_half_life
from netanalysis.analysis.returns.link_test import link_test
from netanalysis.analysis.returns.unit_sample import (
    MODEL_ROWS_MAX,
    describe_sample,
    sample_notes,
    sample_units,
    unit_order,
)
from netanalysis.classroom.naive_readings import world_dataset
from netanalysis.simulate.world import simulate_world


def _rows(lengths, events=None) -> HazardRows:
    """Units u0, u1, ... with the given numbers of months; minutes = 10 * unit number + month."""
    unit = np.concatenate([[f"u{i}"] * n for i, n in enumerate(lengths)]).astype(object)
    tenure = np.concatenate([np.arange(n) for n in lengths])
    minutes = np.concatenate([10.0 * i + np.arange(n) for i, n in enumerate(lengths)])
    event = np.zeros(len(unit)) if events is None else np.asarray(events, dtype=float)
    starts = np.flatnonzero(tenure == 0)
    return HazardRows(unit=unit, period=np.arange(len(unit)).astype("datetime64[D]"), minutes=minutes, event=event,
                      tenure=tenure, starts=starts)


def _by_unit(rows: HazardRows) -> dict:
    return {u: rows.minutes[rows.unit == u].tolist() for u in np.unique(rows.unit)}


def test_small_panels_are_not_sampled():
    rows = _rows([3, 4, 5])
    assert sample_units(rows, max_rows=12) is rows
    assert rows.sample_of is None and describe_sample(rows) == "" and sample_notes(rows) == []


def test_sample_is_whole_units_within_the_row_budget():
    lengths = np.random.default_rng(1).integers(1, 30, size=200)
    rows = _rows(lengths)
    sample = sample_units(rows, max_rows=1000, seed=0)
    assert sample.n_rows <= 1000 < rows.n_rows
    # every unit drawn keeps all of its months, with their minutes and tenure, in the panel's order
    full, drawn = _by_unit(rows), _by_unit(sample)
    assert all(drawn[u] == full[u] for u in drawn)
    assert np.array_equal(sample.tenure, np.concatenate([np.arange(len(drawn[u])) for u in sample.unit[sample.starts]]))
    assert list(sample.unit[sample.starts]) == [u for u in rows.unit[rows.starts] if u in drawn]
    # units are taken in hash order until the next one would not fit: the first left out is too long
    order = unit_order(rows.unit[rows.starts], seed=0)
    n_taken = sample.n_units
    assert set(rows.unit[rows.starts][order[:n_taken]]) == set(drawn)
    assert sample.n_rows + lengths[order[n_taken]] > 1000
    s = sample.sample_of
    assert (s.n_units, s.n_rows, s.seed, s.max_rows) == (200, rows.n_rows, 0, 1000)


def test_sample_depends_only_on_the_ids_and_the_seed():
    lengths = np.random.default_rng(2).integers(1, 30, size=300)
    rows = _rows(lengths)
    a = set(sample_units(rows, max_rows=2000, seed=0).unit)
    assert a == set(sample_units(rows, max_rows=2000, seed=0).unit)  # the same draw every time
    # the same units listed in another order (as another engine might) give the same sample
    perm = np.random.default_rng(3).permutation(len(lengths))
    reordered = _rows(lengths[perm])
    names = {f"u{j}": f"u{i}" for j, i in enumerate(perm)}  # reordered's u{j} is rows' u{perm[j]}
    reordered.unit = np.array([names[u] for u in reordered.unit], dtype=object)
    assert set(sample_units(reordered, max_rows=2000, seed=0).unit) == a
    # another seed draws other units, about as many
    b = set(sample_units(rows, max_rows=2000, seed=1).unit)
    assert b != a and abs(len(b) - len(a)) < 0.3 * len(a)


def test_sample_is_described_with_its_counts():
    rows = _rows([10] * 50, events=np.tile(np.r_[1.0, np.zeros(9)], 50))
    sample = sample_units(rows, max_rows=200, seed=4)
    assert sample.n_units == 20 and sample.n_events == 20
    text = describe_sample(sample, "relationships")
    assert "random 20 of the 50 relationships" in text and "seed 4" in text
    notes = sample_notes(sample)
    assert notes[0].startswith("carryover_half_life_months: estimated on a random 20 of 50 contacts")
    assert "200 of 500 contact-months, 20 of 50 with a win" in notes[0]


def test_threshold_leaves_the_benchmark_panels_whole():
    # the 1M-interaction benchmark file has 1,997,169 contact-months, the 40,000-contact world 1,199,577
    assert MODEL_ROWS_MAX >= 2 * 1_997_169


@pytest.mark.slow
def test_sampled_world_still_recovers_the_known_half_life():
    """A known-truth world (half-life 6 months, as in test_returns_truth) cut to a random 3,000 of its
    5,000 contacts: the profile on the sample still covers the truth, and rests on the sample's units."""
    world = simulate_world(contacts=5000, months=36, seed=0, half_life_months=6.0)
    rows = hazard_rows(world_dataset(world))
    sample = sample_units(rows, max_rows=int(rows.n_rows * 0.6), seed=0)
    assert 0.5 * rows.n_units < sample.n_units < 0.7 * rows.n_units
    prof = profile_half_life(sample)
    assert prof.identified, prof.reason
    lo, hi = prof.ci
    assert lo is not None and hi is not None and lo <= 6.0 <= hi
    assert prof.n_units == sample.n_units and prof.n_events == sample.n_events


@pytest.mark.slow
def test_sampled_world_without_a_link_does_not_reject():
    world = simulate_world(contacts=3000, months=36, seed=0, beta=0.0, alpha=-3.5)
    rows = hazard_rows(world_dataset(world))
    sample = sample_units(rows, max_rows=rows.n_rows // 2, seed=0)
    assert sample.n_units < rows.n_units
    test = link_test(sample, "pooled", n_boot=199, seed=0)
    assert test.p_value is not None and test.p_value >= 0.05
    assert not profile_half_life(sample).identified

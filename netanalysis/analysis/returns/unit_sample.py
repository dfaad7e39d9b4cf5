"""A seeded random sample of whole units for the hazard models, when the panel is too large to fit them all.

The carryover profile, the lag shape, the link tests and the within-unit design
each fit hundreds of models on the unit x month rows. Up to `MODEL_ROWS_MAX`
rows (the benchmarks' 1M-interaction file has about 2.0M, a 40,000-contact
world 1.2M) they use every row. Above it they use a random sample of whole
units (every month of each unit drawn, none of the others), as many as fit in
`MODEL_ROWS_MAX` rows: the estimates, their intervals and their unit counts are
then the sample's, and the page and `summary.json` say so.

The draw depends only on the units' ids and the seed: each unit's id is hashed
with a key made from the seed (`pandas.util.hash_array`, SipHash), and units
are taken in the order of their hashes. The same data therefore always gives
the same sample, whatever order or engine built the panel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from netanalysis.analysis.returns.carryover import HazardRows
from netanalysis.analysis.words import plural

MODEL_ROWS_MAX = 4_000_000


@dataclass(frozen=True)
class SampleOf:
    """What a sample of units was drawn from: every unit, row and won month of the panel, and the seed."""

    n_units: int
    n_rows: int
    n_events: int
    seed: int
    max_rows: int


def unit_order(ids: np.ndarray, seed: int = 0) -> np.ndarray:
    """The units' positions in the order the sample takes them: by a seeded hash of their ids (ties by id).

    >>> unit_order(np.array(["a", "b", "c"], dtype=object), seed=0).tolist() == unit_order(
    ...     np.array(["a", "b", "c"], dtype=object), seed=0).tolist()
    True
    """
    ids = np.asarray(ids, dtype=object)
    key = f"netanalysis{int(seed) % 100000:05d}"  # SipHash needs a 16-character key
    hashed = pd.util.hash_array(ids.astype(str).astype(object), hash_key=key, categorize=False)
    return np.lexsort((ids.astype(str), hashed))


def sample_units(rows: HazardRows, max_rows: int = MODEL_ROWS_MAX, seed: int = 0) -> HazardRows:
    """`rows` itself when it has at most `max_rows` rows, else the rows of a seeded random sample of whole units.

    Units are taken in `unit_order` while their rows fit in `max_rows`; the
    sample keeps the panel's order of units and rows, and its `sample_of` says
    what it was drawn from.
    """
    if rows.n_rows <= max_rows:
        return rows
    lengths = np.diff(np.append(rows.starts, rows.n_rows))
    order = unit_order(rows.unit[rows.starts], seed)
    take = np.zeros(rows.n_units, dtype=bool)
    take[order[np.cumsum(lengths[order]) <= max_rows]] = True
    keep = np.repeat(take, lengths)
    kept_lengths = lengths[take]
    starts = np.append(0, np.cumsum(kept_lengths)[:-1]).astype("int64") if take.any() else np.zeros(0, dtype="int64")
    population = SampleOf(rows.n_units, rows.n_rows, rows.n_events, int(seed), int(max_rows))
    return replace(rows, unit=rows.unit[keep], period=rows.period[keep], minutes=rows.minutes[keep],
                   event=rows.event[keep], tenure=rows.tenure[keep], starts=starts, sample_of=population)


def describe_sample(rows: HazardRows, who: str = "relationships") -> str:
    """One plain sentence on the sample the models rest on, or "" when they use every unit."""
    s = rows.sample_of
    if s is None:
        return ""
    return (f"The panel has {s.n_rows:,} {who[:-1]}-months, more than the {s.max_rows:,} the models are fitted on, "
            f"so the models of this section rest on **a random {rows.n_units:,} of the {plural(s.n_units, who[:-1], ',')}** "
            f"(all their months: {rows.n_rows:,} {who[:-1]}-months, {plural(rows.n_events, 'month', ',')} with a win "
            f"of {s.n_events:,}), drawn with seed {s.seed}. Their estimates, intervals and counts are the sample's.")


SAMPLED_KEYS = ("carryover_half_life_months", "carryover_within_contact_half_life_months", "carryover_link_p_value",
                "delayed_returns_verdict", "lag_peak_months")


def sample_notes(rows: HazardRows) -> list[str]:
    """The summary.json notes saying which estimates rest on a sample of units (none when there is no sample)."""
    s = rows.sample_of
    if s is None:
        return []
    what = (f"estimated on a random {rows.n_units:,} of {s.n_units:,} {rows.unit_kind}s (whole {rows.unit_kind}s, "
            f"seed {s.seed}; {rows.n_rows:,} of {s.n_rows:,} {rows.unit_kind}-months, {rows.n_events:,} of "
            f"{s.n_events:,} with a win), as the panel exceeds {s.max_rows:,} {rows.unit_kind}-months; "
            "intervals and counts are the sample's")
    return [f"{key}: {what}" for key in SAMPLED_KEYS]

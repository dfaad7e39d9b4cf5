"""On very large data, the models learn from and are judged on a seeded sample of whole relationships.

Above `SAMPLE_ABOVE_ROWS` relationship-months (far above a 100,000-contact
export over four years), fitting every model on every row would take many
minutes for little gain in what the held-out AUC can tell. A share of the units
is then drawn, all of each drawn unit's months kept (a relationship's months are
not independent, so they stay together), so that about `SAMPLE_ROWS` rows remain.
Every unit is still scored for the follow-up list: scoring is cheap, only
training and judging use the sample.

A unit is in the sample when a keyed hash of its id falls below the share: the
same data and seed always give the same sample, whatever the order of the rows,
and a unit drawn for the full data is drawn for any earlier cut of it too (the
leakage guard rebuilds earlier months on the same units).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SAMPLE_ABOVE_ROWS = 2_500_000  # relationship-months above which training and judging use a sample of units
SAMPLE_ROWS = 1_000_000        # about how many relationship-months the sample keeps


@dataclass(frozen=True)
class UnitSample:
    """A seeded draw of units: each unit is kept when its hashed id falls below `share` (0 < share <= 1)."""

    share: float
    seed: int = 0

    @classmethod
    def for_rows(cls, rows: int, seed: int = 0, above: int | None = None, keep: int | None = None):
        """The sample for a table of `rows` relationship-months: None (every unit) up to `above` rows,
        else the share of units that keeps about `keep` rows (defaults: this module's limits)."""
        above = SAMPLE_ABOVE_ROWS if above is None else above
        keep = SAMPLE_ROWS if keep is None else keep
        return None if rows <= above else cls(min(1.0, keep / rows), int(seed))

    def keeps(self, units) -> np.ndarray:
        """Boolean mask: which of `units` (ids, as text) are in the sample."""
        ids = pd.Series(units, dtype="string").fillna("").to_numpy(dtype=object)
        key = f"unitsample{self.seed % 1_000_000:06d}"  # 16 characters, as the hash wants
        h = pd.util.hash_array(ids, hash_key=key, categorize=False)
        return (h >> np.uint64(11)).astype(np.float64) / 2.0**53 < self.share

    def describe(self, used_units: int, all_units: int, used_rows: int, all_rows: int) -> dict:
        """What the numbers rest on, for the table's `attrs["unit_sample"]`."""
        return {"share": self.share, "seed": self.seed, "units": int(used_units), "of_units": int(all_units),
                "rows": int(used_rows), "of_rows": int(all_rows)}


def sample_of(table: pd.DataFrame) -> UnitSample | None:
    """The sample a feature table was built on (None: every unit)."""
    s = table.attrs.get("unit_sample")
    return None if not s else UnitSample(s["share"], s["seed"])


def sample_sentence(table: pd.DataFrame) -> str:
    """In words, what the models were trained and judged on when a sample was used ('' when every unit was)."""
    s = table.attrs.get("unit_sample")
    if not s:
        return ""
    return (f"trained and judged on a seeded sample of {s['units']:,} of {s['of_units']:,} relationships "
            f"({s['rows']:,} of {s['of_rows']:,} relationship-months, whole relationships drawn), because the data has "
            f"more than {SAMPLE_ABOVE_ROWS:,} relationship-months; every relationship is still ranked in the "
            "follow-up list")


def only_units(ds, sample: UnitSample | None):
    """`ds` with only the contacts in `sample`, their interactions and outcomes (`ds` itself when None).

    Its panels are built by pandas in this process, whatever engine `ds` had: another engine's builder
    (`panel.engines.DaskPanels`) reads every contact of the loaded folder, where the sample's panel is a
    few of them. Both engines give the same panel, so the numbers do not change.
    """
    from dataclasses import replace

    if sample is None:
        return ds

    def kept(frame):
        return frame[sample.keeps(frame["contact_id"]) & frame["contact_id"].notna().to_numpy()]

    return replace(ds, contacts=kept(ds.contacts), interactions=kept(ds.interactions), outcomes=kept(ds.outcomes),
                   panel_builder=None)

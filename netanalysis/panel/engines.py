"""Which engine builds the panels of a report: pandas in the notebook's process, or dask.

`netanalysis report --engine dask [--scheduler ADDRESS]` writes :data:`ENGINE_FILE`
next to the loaded tables it hands the notebooks; a notebook's
:func:`netanalysis.report.session.open_report_data` then gives its Dataset a
:class:`DaskPanels` builder, so every ``ds.panel(...)`` is computed by
:func:`netanalysis.panel.command.dask_panel` from those tables, with the same
numbers as :func:`netanalysis.panel.build.build_panel`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from netanalysis.dates import as_timestamp
from netanalysis.errors import UserError
from netanalysis.panel.build import build_panel
from netanalysis.panel.command import ENGINES, dask_panel

ENGINE_FILE = "engine.json"


@dataclass(frozen=True)
class DaskPanels:
    """Builds ``ds.panel(...)`` with dask from `folder`, the loaded tables the Dataset was read from.

    `upto` is the latest cut-off the Dataset has been cut at: a panel up to it
    holds exactly the folder's rows up to it, whatever ``ds.until`` left out
    later. A panel past it (the Dataset no longer holds those rows) is built by pandas.
    """

    folder: str
    scheduler: str | None = None
    upto: pd.Timestamp | None = None

    def __call__(self, ds, freq="M", half_life_months=3.0, unit="contact", as_of=None, minutes_by_channel=None):
        cut = as_timestamp(as_of, default=ds.last_timestamp)
        if cut is None or (self.upto is not None and cut > self.upto):
            return build_panel(ds, freq=freq, half_life_months=half_life_months, unit=unit, as_of=as_of,
                               minutes_by_channel=minutes_by_channel)
        # Without a cluster, one task at a time: the report runs a notebook per core already, and a pool of
        # threads in each kernel would hold several partitions' shuffle in memory at once (7.0 against 5.1 GB
        # for a 10M-interaction panel, the same panel).
        return dask_panel(self.folder, freq=freq, half_life=half_life_months, unit=unit, as_of=cut,
                          scheduler=self.scheduler, minutes_by_channel=minutes_by_channel, local="synchronous")

    def until(self, cut: pd.Timestamp) -> DaskPanels:
        """The builder of the Dataset cut at `cut`."""
        return replace(self, upto=cut if self.upto is None else min(self.upto, cut))


def check_engine(engine: str, scheduler: str | None) -> None:
    """A UserError naming the option when the engine or scheduler cannot be used."""
    if engine not in ENGINES:
        raise UserError(f"--engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        raise UserError("--scheduler: only used with --engine dask")


def write_engine(data_dir, engine: str, scheduler: str | None) -> None:
    """Record in a loaded folder which engine its panels are built on (nothing for pandas)."""
    check_engine(engine, scheduler)
    if engine != "pandas":
        (Path(data_dir) / ENGINE_FILE).write_text(json.dumps({"engine": engine, "scheduler": scheduler}))


def panel_builder(data_dir, upto: pd.Timestamp):
    """The builder `write_engine` recorded in `data_dir`, for a Dataset cut at `upto` (None: pandas)."""
    path = Path(data_dir) / ENGINE_FILE if data_dir else None
    if path is None or not path.exists():
        return None
    chosen = json.loads(path.read_text())
    return DaskPanels(str(data_dir), chosen.get("scheduler"), upto) if chosen.get("engine") == "dask" else None

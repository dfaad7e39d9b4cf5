"""What a notebook needs before its analysis: the data, the cut-off and an output folder.

Notebooks run by `netanalysis report` get a loaded dataset folder; opened by
hand in JupyterLab (empty `data_dir`) they load the bundled sample instead.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from netanalysis.dataset import Dataset
from netanalysis.dates import parse_as_of
from netanalysis.paths import SAMPLE_DATA


@dataclass
class NotebookContext:
    ds: Dataset
    as_of: pd.Timestamp
    output_dir: Path
    freq: str

    @property
    def as_of_label(self) -> str:
        return self.as_of.strftime("%Y-%m-%d")


def open_report_data(data_dir: str = "", as_of: str = "", output_dir: str = "", period: str = "month") -> NotebookContext:
    """The dataset cut at `as_of` (nothing after it), and where to put figures and metrics.

    From here on, the notebook shows its tables for people (`report.tables`).
    """
    from netanalysis.panel.engines import panel_builder
    from netanalysis.report.tables import show_tables_for_people

    show_tables_for_people()
    ds = Dataset.read_parquet(data_dir) if data_dir else _sample()
    cut = parse_as_of(as_of or None, default=ds.last_timestamp)
    ds.panel_builder = panel_builder(data_dir, cut)  # --engine dask: the panels are built by dask
    if _reaches_past(ds, cut):  # `netanalysis report` hands over data already cut (by this day): no second copy
        ds = ds.until(cut)
    out = Path(output_dir) if output_dir else Path(tempfile.mkdtemp(prefix="netanalysis-nb-"))
    return NotebookContext(ds=ds, as_of=cut, output_dir=out, freq="Q" if period == "quarter" else "M")


def _sample() -> Dataset:
    """The bundled sample, loaded from its exports (the loader and its readers are imported only here)."""
    from netanalysis.io.loader import load

    return load([SAMPLE_DATA])


def _reaches_past(ds: Dataset, cut: pd.Timestamp) -> bool:
    """Whether `ds.until(cut)` could drop anything: a record after `cut`, or a contact not known by then."""
    last = ds.last_timestamp
    return (last is not None and last > cut) or not bool((ds.contacts["first_seen"] <= cut).all())

"""`netanalysis panel`: the unit x period panel of a loaded folder, on pandas or on dask.

The pandas engine reads only the columns the panel needs and calls
:func:`netanalysis.panel.build_panel`. The dask engine reads interactions as
(partitioned) Parquet, shuffles them by unit so that all of a unit's months
sit in one partition, and applies the same `build_panel` to every partition
(``map_partitions``), with the cut-off (`as_of`) fixed once for all partitions
and each partition given the won outcomes of its own units. Its result equals
the pandas engine's row for row.

A running dask cluster is used with ``--scheduler tcp://HOST:8786``; without
it dask's local threaded scheduler runs the same graph on this machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .dataset import Dataset
from .errors import UserError
from .panel import FREQS, UNITS, build_panel, unit_of_interactions, unit_of_outcomes
from .timeutil import month_ordinal, parse_as_of

INTERACTION_COLUMNS = ["contact_id", "timestamp", "channel", "direction", "duration_minutes"]
OUTCOME_COLUMNS = ["contact_id", "account", "timestamp", "status", "value"]
CONTACT_COLUMNS = ["contact_id", "company"]
ENGINES = ("pandas", "dask")
PANEL_BATCH_ROWS = 4_000_000  # dense panel rows built at a time by the pandas engine


def _table_path(data_dir: Path, name: str) -> Path:
    """`name.parquet` (a file, or a folder of partitioned Parquet) in a loaded folder."""
    path = data_dir / f"{name}.parquet"
    if not path.exists():
        raise UserError(f"{data_dir}: not a loaded dataset (missing {name}.parquet); run `netanalysis load` first")
    return path


def read_panel_inputs(data_dir) -> Dataset:
    """The loaded tables, only the columns the panel needs (no re-validation, no sorting).

    Examples
    --------
    >>> ds = read_panel_inputs("data/processed")  # doctest: +SKIP
    >>> ds.interactions.columns.tolist()  # doctest: +SKIP
    ['contact_id', 'timestamp', 'channel', 'direction', 'duration_minutes']
    """
    data_dir = Path(data_dir)
    try:
        inter = pd.read_parquet(_table_path(data_dir, "interactions"), columns=INTERACTION_COLUMNS)
        outc = pd.read_parquet(_table_path(data_dir, "outcomes"), columns=OUTCOME_COLUMNS)
        cont = pd.read_parquet(_table_path(data_dir, "contacts"), columns=CONTACT_COLUMNS)
    except (ValueError, KeyError, OSError) as exc:
        if isinstance(exc, UserError):
            raise
        raise UserError(f"{data_dir}: the loaded tables cannot be read ({exc}); run `netanalysis load` again") from None
    return Dataset(cont, inter, outc)


def _check(freq, half_life, unit, engine):
    if freq not in FREQS:
        raise UserError(f"--freq: {freq!r} is not one of M (month) or Q (quarter)")
    if unit not in UNITS:
        raise UserError(f"--unit: {unit!r} is not one of {', '.join(UNITS)}")
    if engine not in ENGINES:
        raise UserError(f"--engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if not (isinstance(half_life, (int, float)) and half_life > 0):
        raise UserError(f"--half-life: must be a positive number of months, got {half_life!r}")


def panel_command(data_dir, out, freq: str = "M", half_life: float = 3.0, unit: str = "contact", as_of=None,
                  engine: str = "pandas", scheduler: str | None = None) -> Path:
    """What `netanalysis panel DIR --out FILE` does: build the panel and write it as Parquet.

    Parameters
    ----------
    data_dir : a folder written by `netanalysis load`
    out : the Parquet file to write
    freq, half_life, unit, as_of : as in :func:`netanalysis.panel.build_panel`
    engine : "pandas" (one process) or "dask" (partitions by unit; same numbers)
    scheduler : address of a running dask scheduler (dask engine only)

    Examples
    --------
    >>> panel_command("data/processed", "panel.parquet", unit="account")  # doctest: +SKIP
    PosixPath('panel.parquet')
    """
    _check(freq, half_life, unit, engine)
    if scheduler and engine != "dask":
        raise UserError("--scheduler: only used with --engine dask")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if engine == "pandas":
        write_panel(read_panel_inputs(data_dir), tmp, freq=freq, half_life=half_life, unit=unit, as_of=as_of)
    else:
        panel = dask_panel(data_dir, freq=freq, half_life=half_life, unit=unit, as_of=as_of, scheduler=scheduler)
        panel.to_parquet(tmp, index=False)
    tmp.replace(out)
    return out


def write_panel(ds: Dataset, out, freq: str = "M", half_life: float = 3.0, unit: str = "contact", as_of=None,
                batch_rows: int | None = None) -> Path:
    """Write `build_panel(ds, ...)` to Parquet, in batches of units when it is large.

    The dense panel of 10M interactions has some 30M rows; built at once it
    needs several gigabytes. Units are independent once `as_of` is fixed, so
    consecutive ranges of (sorted) units are built one batch of about
    `batch_rows` rows at a time and appended: the file is the same as the
    one-shot panel's, `attrs` included.
    """
    batch_rows = batch_rows or PANEL_BATCH_ROWS
    step = FREQS[freq]
    cut = parse_as_of(as_of, default=ds.last_timestamp)
    inter = ds.interactions
    units = unit_of_interactions(ds, unit)
    valid = ((inter["timestamp"] <= cut).to_numpy() & units.notna().to_numpy()
             & (units != "").fillna(False).to_numpy())
    codes, uniques = pd.factorize(units[valid], sort=True)
    if len(uniques) == 0:
        build_panel(ds, freq=freq, half_life_months=half_life, unit=unit, as_of=cut).to_parquet(out, index=False)
        return Path(out)
    p = month_ordinal(inter.loc[valid, "timestamp"]) // step
    first_p = pd.Series(p).groupby(codes).min().to_numpy()
    cut_p = int(month_ordinal(pd.Series([cut]))[0]) // step
    unit_batch = (np.cumsum(cut_p - first_p + 1) - 1) // batch_rows
    if unit_batch[-1] == 0:
        build_panel(ds, freq=freq, half_life_months=half_life, unit=unit, as_of=cut).to_parquet(out, index=False)
        return Path(out)

    # Won outcomes go with their unit's batch; those outside every unit's panel are counted here.
    outc = ds.outcomes
    won = (outc["status"] == "won").to_numpy() & (outc["timestamp"] <= cut).to_numpy()
    o_units = unit_of_outcomes(ds, unit)
    o_code = pd.Index(uniques).get_indexer(o_units.astype(object).where(o_units.notna(), None))
    o_batch = np.where(o_code >= 0, unit_batch[np.maximum(o_code, 0)], -1)
    o_p = month_ordinal(outc["timestamp"]) // step
    inside = won & (o_code >= 0) & (o_p >= first_p[np.maximum(o_code, 0)])
    attrs = {"as_of": cut.isoformat(), "half_life_months": float(half_life), "freq": freq, "unit": unit,
             "outcomes_outside_panel": int(won.sum() - inside.sum())}

    row_batch = unit_batch[codes]
    valid_inter = inter[valid]
    writer, written_won = None, 0
    try:
        for b in range(int(unit_batch[-1]) + 1):
            part_ds = Dataset(ds.contacts, valid_inter[row_batch == b], outc[o_batch == b])
            part = build_panel(part_ds, freq=freq, half_life_months=half_life, unit=unit, as_of=cut)
            written_won += int(part["outcomes_won"].sum())
            part.attrs = {}
            table = pa.Table.from_pandas(part, preserve_index=False)
            table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                   b"PANDAS_ATTRS": json.dumps(attrs).encode()})
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if written_won != int(inside.sum()):  # the batches must add up to the one-shot panel
        raise RuntimeError(f"panel batches hold {written_won} won outcomes, expected {int(inside.sum())}")
    return Path(out)


# -- dask engine --------------------------------------------------------------

def _with_unit(part: pd.DataFrame, contacts: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The partition with `_unit`: the contact, or the contact's company ('' when none)."""
    empty_outcomes = pd.DataFrame(columns=OUTCOME_COLUMNS)
    units = unit_of_interactions(Dataset(contacts, part, empty_outcomes), unit)
    return part.assign(_unit=units.fillna("").astype(object).to_numpy())


def _panel_partition(part: pd.DataFrame, contacts: pd.DataFrame, outcomes: pd.DataFrame, cut: pd.Timestamp,
                     freq: str, half_life: float, unit: str, period_dtype) -> pd.DataFrame:
    """`build_panel` on one partition holding every interaction of its units."""
    mine = outcomes[outcomes["_unit"].isin(pd.unique(part["_unit"]))].drop(columns="_unit")
    inter = part.drop(columns="_unit").reset_index(drop=True)
    ds = Dataset(contacts, inter, mine.reset_index(drop=True))
    panel = build_panel(ds, freq=freq, half_life_months=half_life, unit=unit, as_of=cut)
    panel.attrs = {}
    # An empty panel's period column may have another resolution than a filled one.
    panel["period"] = panel["period"].astype(period_dtype)
    return panel


def _period_dtype(cut: pd.Timestamp, contacts: pd.DataFrame, outcomes: pd.DataFrame):
    """The dtype `build_panel` gives `period` on real data (probed on one interaction)."""
    one = pd.DataFrame({"contact_id": pd.array(["x"], dtype="string"), "timestamp": pd.Series([cut]),
                        "channel": pd.array(["call"], dtype="string"), "direction": pd.array(["unknown"], dtype="string"),
                        "duration_minutes": [1.0]})
    return build_panel(Dataset(contacts.iloc[:0], one, outcomes.iloc[:0]), as_of=cut)["period"].dtype


def dask_panel(data_dir, freq: str = "M", half_life: float = 3.0, unit: str = "contact", as_of=None,
               scheduler: str | None = None, npartitions: int | None = None) -> pd.DataFrame:
    """The panel computed with dask: interactions shuffled by unit, `build_panel` per partition.

    Returns the same frame as the pandas engine (rows sorted by unit and period,
    same dtypes and `attrs`).
    """
    import dask
    import dask.dataframe as dd

    data_dir = Path(data_dir)
    client = None
    if scheduler:
        from distributed import Client

        try:
            client = Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise UserError(f"--scheduler: cannot reach a dask scheduler at {scheduler} ({exc})") from None
    try:
        with dask.config.set({"dataframe.convert-string": False}):
            inter = dd.read_parquet(_table_path(data_dir, "interactions"), columns=INTERACTION_COLUMNS)
            # Small tables: read whole, sent to the workers once.
            contacts = pd.read_parquet(_table_path(data_dir, "contacts"), columns=CONTACT_COLUMNS)
            outcomes = pd.read_parquet(_table_path(data_dir, "outcomes"), columns=OUTCOME_COLUMNS)

            def run(*xs):
                if client is not None:
                    return tuple(f.result() for f in client.compute(list(xs)))
                return dask.compute(*xs)

            (last_inter,) = run(inter["timestamp"].max())
            stamps = [t for t in (last_inter, outcomes["timestamp"].max()) if pd.notna(t)]
            cut = parse_as_of(as_of, default=max(stamps) if stamps else None)

            outcomes = outcomes.assign(_unit=unit_of_outcomes(Dataset(contacts, inter._meta, outcomes), unit)
                                       .fillna("").astype(object).to_numpy())
            n = npartitions or max(inter.npartitions, _default_partitions(client))
            keyed = inter.map_partitions(_with_unit, contacts, unit,
                                         meta=inter._meta.assign(_unit=pd.Series([], dtype=object)))
            shuffled = keyed.shuffle(on="_unit", npartitions=n)
            period_dtype = _period_dtype(cut, contacts, outcomes)
            meta = _panel_partition(keyed._meta, contacts, outcomes, cut, freq, half_life, unit, period_dtype)
            parts = shuffled.map_partitions(_panel_partition, contacts, outcomes, cut, freq, half_life, unit,
                                            period_dtype, meta=meta, align_dataframes=False)
            (panel,) = run(parts)
    finally:
        if client is not None:
            client.close()
    unit_col = "contact_id" if unit == "contact" else "account"
    panel = panel.astype(meta.dtypes.to_dict()).sort_values([unit_col, "period"], kind="stable").reset_index(drop=True)
    won = (outcomes["status"] == "won") & (outcomes["timestamp"] <= cut)
    panel.attrs.update({"as_of": cut.isoformat(), "half_life_months": float(half_life), "freq": freq, "unit": unit,
                        "outcomes_outside_panel": int(won.sum() - panel["outcomes_won"].sum())})
    return panel


def _default_partitions(client) -> int:
    if client is None:
        return 4
    workers = client.scheduler_info().get("workers", {})
    return max(2, 2 * sum(int(w.get("nthreads", 1)) for w in workers.values()))


__all__ = ["panel_command", "dask_panel", "read_panel_inputs"]

"""`netanalysis panel`: the unit x period panel of a loaded folder, on pandas or on dask.

The pandas engine reads only the columns the panel needs (the string columns
of interactions as Parquet dictionaries: integer codes, no string per row),
builds the columns of :func:`netanalysis.panel.build.build_panel` with
:func:`netanalysis.panel.build.panel_columns` and writes them to Parquet in batches
of units, without a DataFrame of the whole panel. The dask engine reads
interactions as (partitioned) Parquet, shuffles them by unit so that all of a
unit's months sit in one partition, and applies the same `build_panel` to every
partition (``map_partitions``), with the cut-off (`as_of`) fixed once for all
partitions and each partition given the won outcomes of its own units. Its
result equals the pandas engine's row for row.

A running dask cluster is used with ``--scheduler tcp://HOST:8786``; without
it dask's local threaded scheduler runs the same graph on this machine.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from netanalysis.dataset import Dataset
from netanalysis.dates import as_timestamp
from netanalysis.errors import UserError
from netanalysis.io.progress import progress_bar
from netanalysis.outputs import building_file, parquet_mark
from netanalysis.panel.build import (
    FREQS,
    UNITS,
    Interactions,
    PanelColumns,
    build_panel,
    empty_panel,
    panel_columns,
    panel_frame,
    unit_of_interactions,
    unit_of_outcomes,
)
from netanalysis.panel.memory import give_back_memory

INTERACTION_COLUMNS = ["contact_id", "timestamp", "channel", "direction", "duration_minutes"]
OUTCOME_COLUMNS = ["contact_id", "account", "timestamp", "status", "value"]
CONTACT_COLUMNS = ["contact_id", "company"]
ENGINES = ("pandas", "dask")
PANEL_BATCH_ROWS = 1_000_000  # dense panel rows built and written at a time (one Parquet row group: at most 1 << 20)


def _table_path(data_dir: Path, name: str) -> Path:
    """`name.parquet` (a file, or a folder of partitioned Parquet) in a loaded folder."""
    path = data_dir / f"{name}.parquet"
    if not path.exists():
        raise UserError(f"{data_dir}: not a loaded dataset (missing {name}.parquet); run `netanalysis load` first")
    return path


def read_panel_inputs(data_dir) -> Dataset:
    """The loaded tables, only the columns the panel needs (no re-validation, no sorting).
    """
    data_dir = Path(data_dir)
    with _readable(data_dir):
        inter = pd.read_parquet(_table_path(data_dir, "interactions"), columns=INTERACTION_COLUMNS)
        outc, cont = _read_small_tables(data_dir)
    return Dataset(cont, inter, outc)


@contextmanager
def _readable(data_dir: Path):
    """Turn a table that cannot be read into a UserError."""
    try:
        yield
    except (ValueError, KeyError, OSError) as exc:
        if isinstance(exc, UserError):
            raise
        raise UserError(f"{data_dir}: the loaded tables cannot be read ({exc}); run `netanalysis load` again") from None


def _read_small_tables(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    outc = pd.read_parquet(_table_path(data_dir, "outcomes"), columns=OUTCOME_COLUMNS)
    cont = pd.read_parquet(_table_path(data_dir, "contacts"), columns=CONTACT_COLUMNS)
    return outc, cont


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, pd.Series]:
    """A column as integer codes into its distinct values (strings as "string"; missing, if any, is the last value)."""
    chunks = [c if pa.types.is_dictionary(c.type) else c.dictionary_encode() for c in column.chunks]
    if not chunks:
        return np.zeros(0, dtype="int64"), pd.Series(pa.array([], type=column.type).to_pandas(types_mapper=_strings))
    chunks = pa.chunked_array(chunks).unify_dictionaries().chunks
    dictionary = chunks[0].dictionary
    codes = np.concatenate([pc.fill_null(c.indices, len(dictionary)).to_numpy().astype("int64") for c in chunks])
    if column.null_count:
        dictionary = pa.concat_arrays([dictionary, pa.nulls(1, dictionary.type)])
    return codes, pd.Series(dictionary.to_pandas(types_mapper=_strings))


def _strings(arrow_type):
    return pd.StringDtype() if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) else None


def read_panel_interactions(data_dir) -> tuple[Interactions, pd.DataFrame, pd.DataFrame]:
    """The interactions (as codes, read as Parquet dictionaries: no string per row), outcomes and contacts."""
    data_dir = Path(data_dir)
    with _readable(data_dir):
        path, coded = _table_path(data_dir, "interactions"), ["contact_id", "channel", "direction"]
        if path.is_file():  # one chunk (and dictionary) per row group
            table = pq.ParquetFile(path, read_dictionary=coded).read(columns=INTERACTION_COLUMNS)
        else:
            table = pq.read_table(path, columns=INTERACTION_COLUMNS, read_dictionary=coded)
        outc, cont = _read_small_tables(data_dir)
        contact, contact_ids = _codes(table.column("contact_id"))
        channel, channels = _codes(table.column("channel"))
        direction, directions = _codes(table.column("direction"))
        inter = Interactions.from_codes(contact, contact_ids, table.column("timestamp").to_pandas(), channel,
                                        channels, table.column("duration_minutes").to_numpy(), direction, directions)
    return inter, outc, cont


def _check(freq, half_life, unit, engine):
    if freq not in FREQS:
        raise UserError(f"--freq: {freq!r} is not one of M (month) or Q (quarter)")
    if unit not in UNITS:
        raise UserError(f"--unit: {unit!r} is not one of {', '.join(UNITS)}")
    if engine not in ENGINES:
        raise UserError(f"--engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if not (isinstance(half_life, (int, float)) and half_life > 0):
        raise UserError(f"--half-life: must be a positive number of months, got {half_life!r}")


def panel_command(data_dir, out, freq: str = "M", half_life: float = 3.0, unit: str = "contact",
                  as_of: pd.Timestamp | None = None, engine: str = "pandas", scheduler: str | None = None) -> Path:
    """What `netanalysis panel DIR --out FILE` does: build the panel and write it as Parquet.

    Parameters
    ----------
    data_dir : a folder written by `netanalysis load`
    out : the Parquet file to write
    freq, half_life, unit, as_of : as in :func:`netanalysis.panel.build.build_panel`
    engine : "pandas" (one process) or "dask" (partitions by unit; same numbers)
    scheduler : address of a running dask scheduler (dask engine only)
    """
    _check(freq, half_life, unit, engine)
    if scheduler and engine != "dask":
        raise UserError("--scheduler: only used with --engine dask")
    out = Path(out)
    for name in ("interactions", "outcomes", "contacts"):  # a wrong input is named before the output is checked
        _table_path(Path(data_dir), name)
    with building_file(out, "panel", inputs=[data_dir]) as tmp:
        if engine == "pandas":
            inter, outc, cont = read_panel_interactions(data_dir)
            cut = as_timestamp(as_of, default=_last_timestamp(inter.timestamp, outc["timestamp"]))
            _write_columns(panel_columns(inter, cont, outc, cut, freq=freq, half_life_months=half_life, unit=unit,
                                         batch_rows=PANEL_BATCH_ROWS), tmp)
        else:
            panel = dask_panel(data_dir, freq=freq, half_life=half_life, unit=unit, as_of=as_of, scheduler=scheduler)
            _frame_to_parquet(panel, tmp)
    return out


def _frame_to_parquet(panel: pd.DataFrame, out) -> None:
    """`panel.to_parquet(out, index=False)` with the netanalysis mark in the file's metadata."""
    table = pa.Table.from_pandas(panel, preserve_index=False)
    attrs = {b"PANDAS_ATTRS": json.dumps(panel.attrs).encode()} if panel.attrs else {}
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **attrs, **parquet_mark()}), out)


def _last_timestamp(inter_ts: pd.Series, outcome_ts: pd.Series):
    """`Dataset.last_timestamp`: the latest interaction or outcome."""
    stamps = pd.concat([inter_ts, outcome_ts])
    return stamps.max() if len(stamps) else None


def write_panel(ds: Dataset, out, freq: str = "M", half_life: float = 3.0, unit: str = "contact",
                as_of: pd.Timestamp | None = None, batch_rows: int | None = None) -> Path:
    """Write `build_panel(ds, ...)` to Parquet, in batches of units when it is large.

    The dense panel has a row per unit and period, several times the
    interactions; built at once it may not fit in memory. Units are independent once `as_of` is fixed, so
    consecutive ranges of (sorted) units are built one batch of about
    `batch_rows` rows at a time and appended: the file is the same as the
    one-shot panel's, `attrs` included.
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    cols = panel_columns(Interactions.from_frame(ds.interactions), ds.contacts, ds.outcomes, cut, freq=freq,
                         half_life_months=half_life, unit=unit, batch_rows=batch_rows or PANEL_BATCH_ROWS)
    _write_columns(cols, out)
    return Path(out)


def _write_columns(cols: PanelColumns, out) -> None:
    """Write the batches of `panel_columns` as one Parquet file.

    The file holds what `build_panel(...).to_parquet(out, index=False)` writes:
    the schema (pandas metadata included) is that of the panel DataFrame of the
    first row, `attrs` go in ``PANDAS_ATTRS``, and the columns go to pyarrow as
    they are (no DataFrame of the whole panel). A batch is written by a second
    thread (pyarrow releases the GIL) while the next one is computed. `stock`
    is written without a dictionary (it has few repeated values).
    """
    if cols.empty:
        panel = empty_panel(cols.unit_col)
        panel.attrs.update(cols.attrs)
        _frame_to_parquet(panel, out)
        return
    writer, pending = None, None
    with ThreadPoolExecutor(max_workers=1) as pool, progress_bar(cols.rows, "panel", "row") as bar:
        try:
            for batch in cols.batches:
                if writer is None:
                    head = panel_frame(cols.unit_col, {c: v[:1] for c, v in batch.items()})
                    head.attrs.update(cols.attrs)
                    schema = pa.Schema.from_pandas(head, preserve_index=False)
                    schema = schema.with_metadata({**schema.metadata, b"PANDAS_ATTRS": json.dumps(cols.attrs).encode(),
                                                          **parquet_mark()})
                    writer = pq.ParquetWriter(out, schema, use_dictionary=[f.name for f in schema if f.name != "stock"])
                table = pa.Table.from_arrays([_arrow(batch[f.name], f.type) for f in schema], schema=schema)
                if pending is not None:
                    pending.result()
                pending = pool.submit(writer.write_table, table)
                bar.update(table.num_rows)
            if pending is not None:
                pending.result()
        finally:
            if pending is not None:
                pending.exception()  # the writer is idle before it is closed
            if writer is not None:
                writer.close()


def _arrow(values, type_: pa.DataType) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values if values.type == type_ else values.cast(type_)
    return pa.array(values, type=type_)


# -- dask engine --------------------------------------------------------------

def _unit_keys(units: pd.Series) -> np.ndarray:
    """A 64-bit hash of each unit ('' when none): the key the shuffle moves rows by. Hashes, not strings, so the
    shuffle moves numbers; every row of a unit has its key, and two units sharing a partition is harmless."""
    return pd.util.hash_array(units.fillna("").astype(object).to_numpy(), categorize=True)


def _with_unit(part: pd.DataFrame, contacts: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The partition with `_unit`: the key (`_unit_keys`) of its contact, or of the contact's company."""
    empty_outcomes = pd.DataFrame(columns=OUTCOME_COLUMNS)
    return part.assign(_unit=_unit_keys(unit_of_interactions(Dataset(contacts, part, empty_outcomes), unit)))


def _panel_partition(part: pd.DataFrame, contacts: pd.DataFrame, outcomes: pd.DataFrame, cut: pd.Timestamp,
                     freq: str, half_life: float, unit: str, period_dtype, minutes_by_channel=None) -> pd.DataFrame:
    """`build_panel` on one partition holding every interaction of its units."""
    mine = outcomes[outcomes["_unit"].isin(pd.unique(part["_unit"]))].drop(columns="_unit")
    inter = part.drop(columns="_unit").reset_index(drop=True)
    ds = Dataset(contacts, inter, mine.reset_index(drop=True))
    panel = build_panel(ds, freq=freq, half_life_months=half_life, unit=unit, as_of=cut,
                        minutes_by_channel=minutes_by_channel)
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


def dask_panel(data_dir, freq: str = "M", half_life: float = 3.0, unit: str = "contact",
               as_of: pd.Timestamp | None = None, scheduler: str | None = None, npartitions: int | None = None,
               minutes_by_channel: dict | None = None, local: str = "threads") -> pd.DataFrame:
    """The panel computed with dask: interactions shuffled by unit, `build_panel` per partition.

    Returns the same frame as the pandas engine (rows sorted by unit and period,
    same dtypes and `attrs`). Without `scheduler`, dask runs here on its `local`
    scheduler: "threads", or "synchronous" (one task at a time, so only one
    partition's pieces are in memory: what a report's kernels use, as the report
    already runs a notebook per core).
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
        with dask.config.set({"dataframe.convert-string": True}):
            inter = dd.read_parquet(_table_path(data_dir, "interactions"), columns=INTERACTION_COLUMNS)
            # Small tables: read whole, sent to the workers once.
            contacts = pd.read_parquet(_table_path(data_dir, "contacts"), columns=CONTACT_COLUMNS)
            outcomes = pd.read_parquet(_table_path(data_dir, "outcomes"), columns=OUTCOME_COLUMNS)

            def run(*xs):
                if client is not None:
                    return tuple(f.result() for f in client.compute(list(xs)))
                return dask.compute(*xs, scheduler=local)

            (last_inter,) = run(inter["timestamp"].max())
            stamps = [t for t in (last_inter, outcomes["timestamp"].max()) if pd.notna(t)]
            cut = as_timestamp(as_of, default=max(stamps) if stamps else None)

            outcomes = outcomes.assign(_unit=_unit_keys(unit_of_outcomes(Dataset(contacts, inter._meta, outcomes), unit)))
            n = npartitions or max(inter.npartitions, _default_partitions(client))
            keyed = inter.map_partitions(_with_unit, contacts, unit,
                                         meta=inter._meta.assign(_unit=pd.Series([], dtype="uint64")))
            shuffled = keyed.shuffle(on="_unit", npartitions=n)
            period_dtype = _period_dtype(cut, contacts, outcomes)
            args = (contacts, outcomes, cut, freq, half_life, unit, period_dtype, minutes_by_channel)
            meta = _panel_partition(keyed._meta, *args)
            parts = shuffled.map_partitions(_panel_partition, *args, meta=meta, align_dataframes=False)
            panel = sorted_panel(_computed(run(*parts.to_delayed())), meta.dtypes)
            give_back_memory()  # what the partitions held
    finally:
        if client is not None:
            client.close()
    won = (outcomes["status"] == "won") & (outcomes["timestamp"] <= cut)
    panel.attrs.update({"as_of": cut.isoformat(), "half_life_months": float(half_life), "freq": freq, "unit": unit,
                        "outcomes_outside_panel": int(won.sum() - panel["outcomes_won"].sum())})
    return panel


def _computed(parts: tuple) -> list[pd.DataFrame]:
    """The computed partitions, with the memory the shuffle freed handed back first (about 1 GB at 10M
    interactions: gathering them does not reuse it)."""
    give_back_memory()
    return list(parts)


def sorted_panel(parts: list[pd.DataFrame], dtypes: pd.Series) -> pd.DataFrame:
    """The panels of the partitions as one frame sorted by unit and period, with these `dtypes`.

    What ``pd.concat(parts).astype(dtypes).sort_values([unit, "period"], kind="stable")`` gives, built one
    column at a time: each column is taken out of the partitions (emptied as they go; the caller keeps no
    other reference to them) and put in order before the next, so the rows are held about once rather than
    three times (the partitions, their concatenation, the sorted copy). Every unit sits in one partition
    with its rows in period order (as `build_panel` makes them), so a stable sort by unit alone orders
    the rows by unit and period.
    """
    unit_col = dtypes.index[0]
    parts = [p.copy(deep=False) for p in parts]  # dask may hand the same (empty) frame for several partitions
    units = pd.concat([p.pop(unit_col) for p in parts], ignore_index=True)
    codes, _ = pd.factorize(units, sort=True)  # no unit is missing: `build_panel` leaves such rows out
    order = np.argsort(codes, kind="stable")
    del codes
    columns = {unit_col: _in_order(units, order, dtypes[unit_col])}
    del units
    for col in dtypes.index[1:]:
        columns[col] = _in_order(pd.concat([p.pop(col) for p in parts], ignore_index=True), order, dtypes[col])
    return pd.DataFrame(columns, copy=False)


def _in_order(values: pd.Series, order: np.ndarray, dtype) -> pd.Series:
    """`values` taken in `order` (a new array, without a new index), as `dtype`."""
    return pd.Series(values.astype(dtype).array.take(order), copy=False)


def _default_partitions(client) -> int:
    if client is None:
        return 4
    workers = client.scheduler_info().get("workers", {})
    return max(2, 2 * sum(int(w.get("nthreads", 1)) for w in workers.values()))


__all__ = ["panel_command", "dask_panel", "read_panel_inputs"]

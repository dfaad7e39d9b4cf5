"""Dataset: the three canonical tables plus the load report, with a parquet round trip."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from netanalysis.errors import UserError
from netanalysis.io.vocabulary import CONTACTS_TABLE, INTERACTIONS_TABLE, OUTCOMES_TABLE, UTC, text_columns

TABLES = ("contacts", "interactions", "outcomes")
# Each table's own id, its first column (DESIGN.md's canonical tables).
ID_COLUMNS = {name: next(iter(table)) for name, table in
              zip(TABLES, (CONTACTS_TABLE, INTERACTIONS_TABLE, OUTCOMES_TABLE))}


def _as_lists(values: pd.Series) -> list[list]:
    """Every cell a list (arrays, tuples and missing values converted); lists are kept as they are."""
    return [v if type(v) is list else _as_list(v) for v in values.tolist()]


def _as_list(v) -> list:
    if isinstance(v, (list, tuple)):
        return list(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    return []


def _write_table(frame: pd.DataFrame, path: Path, id_column: str) -> None:
    """`frame.to_parquet(path, index=False)`, the table's own id column stored without a dictionary.

    The ids are distinct, so a dictionary of them is as long as the column: Parquet
    would build it for every row and then fall back to plain values.
    """
    frame.to_parquet(path, index=False, use_dictionary=[c for c in frame.columns if c != id_column])


def _read_table(path: Path) -> pd.DataFrame:
    """A table as `pd.read_parquet` reads it, with its list columns (contacts' emails and sources) as Python
    lists made by pyarrow at once, rather than arrays converted one cell at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    lists = [f.name for f in schema if pa.types.is_list(f.type) or pa.types.is_large_list(f.type)]
    if not lists:
        return pd.read_parquet(path)
    frame = pd.read_parquet(path, columns=[n for n in schema.names if n not in lists])
    for name, column in zip(lists, pq.read_table(path, columns=lists).columns):
        frame[name] = pd.Series(column.to_pylist(), index=frame.index, dtype=object)
    return frame[[n for n in schema.names if n != "__index_level_0__"]]


def _optional_string(df: pd.DataFrame, column: str) -> pd.Series:
    """An optional string column (NA where the source did not give it)."""
    return df[column].astype("string") if column in df else pd.Series(pd.NA, index=df.index, dtype="string")


def _coerce(contacts: pd.DataFrame, interactions: pd.DataFrame, outcomes: pd.DataFrame):
    contacts = contacts.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    for c in text_columns(CONTACTS_TABLE):
        contacts[c] = contacts[c].astype("string") if c in contacts else pd.Series(pd.NA, index=contacts.index, dtype="string")
    for c in ("emails", "sources"):
        contacts[c] = pd.Series(_as_lists(contacts[c]) if c in contacts else [[] for _ in range(len(contacts))],
                                index=contacts.index, dtype=object)
    contacts["first_seen"] = pd.to_datetime(contacts.get("first_seen"), utc=True).astype(UTC)
    interactions = interactions.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    for c in text_columns(INTERACTIONS_TABLE):
        interactions[c] = interactions[c].astype("string")
    interactions["timestamp"] = pd.to_datetime(interactions["timestamp"], utc=True).astype(UTC)
    interactions["duration_minutes"] = interactions["duration_minutes"].astype("float64")
    interactions["source_row"] = interactions["source_row"].astype("int64")
    interactions["group_key"] = _optional_string(interactions, "group_key")
    outcomes = outcomes.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    for c in text_columns(OUTCOMES_TABLE):
        outcomes[c] = outcomes[c].astype("string")
    outcomes["timestamp"] = pd.to_datetime(outcomes["timestamp"], utc=True).astype(UTC)
    outcomes["value"] = outcomes["value"].astype("float64")
    outcomes["source_row"] = outcomes["source_row"].astype("int64")
    outcomes["group_key"] = _optional_string(outcomes, "group_key")
    # Optional: when each opportunity opened; NaT where the source did not say.
    opened = outcomes["opened_at"] if "opened_at" in outcomes else pd.Series(pd.NaT, index=outcomes.index)
    outcomes["opened_at"] = pd.to_datetime(opened, utc=True).astype(UTC)
    return contacts, interactions, outcomes


def sorted_by(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`df.sort_values(keys, kind="stable").reset_index(drop=True)`, with pyarrow's multi-key sort.

    pandas factorizes every key first, building a hash table as large as the column;
    pyarrow sorts the columns directly, stably, with missing values last.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.table({k: pa.array(df[k]) for k in keys})
    if _is_sorted(table, keys):  # the loader hands its tables over sorted
        return df.reset_index(drop=True)
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys]).to_numpy()
    return df.take(order).reset_index(drop=True)


def _is_sorted(table, keys: list[str]) -> bool:
    """Whether the rows are already in ascending order of `keys` (none missing)."""
    import pyarrow.compute as pc

    if table.num_rows < 2:
        return True
    ties = None  # rows equal to their predecessor on the keys so far
    for k in keys:
        col = table.column(k)
        if col.null_count:
            return False
        prev, cur = col.slice(0, table.num_rows - 1), col.slice(1)
        before = pc.less(prev, cur)
        equal = pc.equal(prev, cur)
        if ties is not None:
            before, equal = pc.and_(ties, before), pc.and_(ties, equal)
            ok = pc.or_(pc.invert(ties), pc.or_(before, equal))
        else:
            ok = pc.or_(before, equal)
        if not pc.all(ok).as_py():
            return False
        ties = equal
        if not pc.any(ties).as_py():
            return True
    return True


def validate(contacts, interactions, outcomes) -> None:
    """Validate all three tables lazily; one UserError lists every problem."""
    import pandera.errors  # imported here: reading a loaded folder should not pay for pandera

    from netanalysis.io import schema

    problems = []
    for name, model, df in (("contacts", schema.Contacts, contacts), ("interactions", schema.Interactions, interactions),
                            ("outcomes", schema.Outcomes, outcomes)):
        try:
            model.validate(df, lazy=True)
        except pandera.errors.SchemaErrors as exc:
            cases = exc.failure_cases
            for _, row in cases.head(20).iterrows():
                problems.append(f"{name}.{row.get('column')}: {row.get('check')} failed for {row.get('failure_case')!r}")
    if problems:
        raise UserError("the data does not fit the canonical tables:\n  " + "\n  ".join(problems))


def _rows_until(table: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """The rows stamped at or before `cut`, renumbered; the same columns, not copied, when all of them are."""
    keep = (table["timestamp"] <= cut).to_numpy()
    return (table if keep.all() else table[keep]).reset_index(drop=True)


def _met_among(ids: pd.Series, *among: pd.Series) -> np.ndarray:
    """Whether each of `ids` (few) occurs among the ids of the tables `among` (many): one pass of each large
    column through pyarrow's hash lookup into the few, where pandas' `isin` on string columns would convert
    every value to a Python object first (seconds per million)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = pc.unique(pa.array(ids.astype("string"), type=pa.large_string()))
    found = [pc.filter(c, pc.is_in(c, value_set=wanted))
             for c in (pa.array(s.astype("string"), type=pa.large_string()) for s in among)]
    met = pc.unique(pa.chunked_array(found, type=pa.large_string()))
    return pc.is_in(pa.array(ids.astype("string"), type=pa.large_string()), value_set=met).to_numpy(
        zero_copy_only=False).astype(bool)


def _contacts_known_at(contacts: pd.DataFrame, cut: pd.Timestamp, *tables: pd.DataFrame) -> pd.DataFrame:
    """The contacts first seen by `cut`, and those met in a kept row of `tables`: only the contacts first seen
    later (or never dated) are looked up, as they are few."""
    keep = (contacts["first_seen"] <= cut).to_numpy().copy()
    late = np.flatnonzero(~keep)
    if len(late):
        keep[late] = _met_among(contacts["contact_id"].iloc[late], *(t["contact_id"] for t in tables))
    return (contacts if keep.all() else contacts[keep]).reset_index(drop=True)


@dataclass
class Dataset:
    """The canonical contacts, interactions and outcomes, and how they were loaded.
    """

    contacts: pd.DataFrame
    interactions: pd.DataFrame
    outcomes: pd.DataFrame
    load_report: dict = field(default_factory=dict)
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["file", "row", "reason", "raw"]))
    # What builds `panel()` when not the pandas engine (netanalysis/panel/engines.py); `until` cuts it too.
    panel_builder: object = field(default=None, repr=False, compare=False)

    @classmethod
    def from_frames(cls, contacts, interactions, outcomes, load_report=None, rejected=None, check: bool = True):
        contacts, interactions, outcomes = _coerce(contacts, interactions, outcomes)
        if check:
            validate(contacts, interactions, outcomes)
        interactions = sorted_by(interactions, ["timestamp", "interaction_id"])
        outcomes = sorted_by(outcomes, ["timestamp", "outcome_id"])
        return cls(contacts.reset_index(drop=True), interactions, outcomes, load_report or {},
                   rejected if rejected is not None else pd.DataFrame(columns=["file", "row", "reason", "raw"]))

    # -- persistence -------------------------------------------------------
    def to_parquet(self, folder, validate: bool = False) -> Path:
        """Write the tables, `load_report.json` and `rejected.csv` into `folder`.

        With `validate`, the tables are checked against the schema while they are
        written (validation and Parquet encoding overlap on two cores); the files
        go into `folder` only if the check passes, else a UserError names the problems.
        """
        import shutil
        import tempfile
        from concurrent.futures import ThreadPoolExecutor

        from netanalysis.report.csv_safety import write_safe_csv

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder))
        try:
            # One thread per table: pyarrow encodes and compresses without the GIL, so the
            # large interactions table is written while the others are converted (and checked).
            with ThreadPoolExecutor(max_workers=len(TABLES) + 1) as pool:
                done = [pool.submit(_write_table, getattr(self, name), staging / f"{name}.parquet", ID_COLUMNS[name])
                        for name in TABLES]
                if validate:
                    done.append(pool.submit(self.validate))
                (staging / "load_report.json").write_text(json.dumps(self.load_report, indent=2, default=str),
                                                         encoding="utf-8")
                write_safe_csv(self.rejected, staging / "rejected.csv")
                for d in done:
                    d.result()
            for f in staging.iterdir():
                f.replace(folder / f.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    def validate(self) -> None:
        """Check the three tables against the canonical schema (UserError listing every problem)."""
        validate(self.contacts, self.interactions, self.outcomes)

    @classmethod
    def read_parquet(cls, folder) -> Dataset:
        folder = Path(folder)
        missing = [n for n in TABLES if not (folder / f"{n}.parquet").exists()]
        if missing:
            raise UserError(f"{folder}: not a loaded dataset (missing {', '.join(m + '.parquet' for m in missing)}); run `netanalysis load` first")
        frames = [_read_table(folder / f"{n}.parquet") for n in TABLES]
        report = json.loads((folder / "load_report.json").read_text()) if (folder / "load_report.json").exists() else {}
        rejected = pd.read_csv(folder / "rejected.csv", dtype=str, keep_default_na=False) if (folder / "rejected.csv").exists() else None
        return cls.from_frames(*frames, load_report=report, rejected=rejected, check=False)

    # -- views -------------------------------------------------------------
    def until(self, as_of: pd.Timestamp | str) -> Dataset:
        """The dataset as it was known at `as_of` (nothing after it).

        `as_of` is a pd.Timestamp or the user's text (a bare date means the end of that day).
        """
        from netanalysis.dates import parse_as_of

        cut = parse_as_of(as_of)
        inter = _rows_until(self.interactions, cut)
        outc = _rows_until(self.outcomes, cut)
        cont = _contacts_known_at(self.contacts, cut, inter, outc)
        return Dataset(cont, inter, outc,
                       self.load_report, self.rejected, self.panel_builder and self.panel_builder.until(cut))

    @property
    def last_timestamp(self) -> pd.Timestamp | None:
        stamps = pd.concat([self.interactions["timestamp"], self.outcomes["timestamp"]])
        return stamps.max() if len(stamps) else None

    def panel(self, freq: str = "M", half_life_months: float = 3.0, unit: str = "contact",
              as_of: pd.Timestamp | str | None = None, minutes_by_channel: dict | None = None) -> pd.DataFrame:
        """The unit x period investment panel; see :func:`netanalysis.panel.build.build_panel`.

        `as_of` is a pd.Timestamp or the user's text (a bare date means the end of that day); None: the last record.
        Built by `panel_builder` when one is set (the same numbers on another engine).
        """
        from netanalysis.dates import parse_as_of
        from netanalysis.panel.build import build_panel

        cut = None if as_of is None else parse_as_of(as_of, default=self.last_timestamp)
        build = self.panel_builder or build_panel
        return build(self, freq=freq, half_life_months=half_life_months, unit=unit, as_of=cut,
                     minutes_by_channel=minutes_by_channel)

    def __repr__(self) -> str:
        return (f"Dataset({len(self.contacts)} contacts, {len(self.interactions)} interactions, "
                f"{len(self.outcomes)} outcomes)")

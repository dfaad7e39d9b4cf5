"""Loading files into a Dataset: detect, parse, merge identities, dedupe, account.

Every input row ends up in exactly one of: loaded, duplicate (all the records
it yields were already loaded, from this file or an earlier one), rejected
(with a reason). `rows_read == loaded + duplicates + rejected` per file.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from netanalysis.errors import UserError
from netanalysis.io import identity
from netanalysis.io.arrow_text import arrow_strings, hex_ids
from netanalysis.io.hashing import key_hashes
from netanalysis.io.plausible import reject_implausible
from netanalysis.io.progress import progress_bar, step
from netanalysis.io.sources import Parsed, detect_format
from netanalysis.io.sources.base import sniff
from netanalysis.io.vocabulary import INTERACTION_COLUMNS, OUTCOME_COLUMNS, UTC

# In a folder, files with these endings are never exports (reports, notes, data we write).
_NOT_EXPORTS = {".json", ".md", ".parquet", ".png", ".html", ".ipynb", ".py", ".toml", ".pdf", ".zip"}


@dataclass
class LoadContext:
    tz: str = "UTC"
    me: tuple = ()
    progress: object = None  # a progress bar over the files read (io/progress.py), or None


def expand_inputs(paths, skipped: list | None = None) -> list[tuple[Path, bool]]:
    """Files to read, each with whether the user named it explicitly.

    A named path that is not a regular file (a named pipe, a device) is an
    error; inside a folder such entries, and subfolders that cannot be listed,
    go to `skipped` with their reason.
    """
    skipped = [] if skipped is None else skipped
    out: list[tuple[Path, bool]] = []
    check_inputs_exist(paths)
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += [(f, False) for f in _folder_files(p, skipped)]
        elif p.is_file():
            out.append((p, True))
        else:
            raise UserError(f"{p}: not a regular file (a pipe or device); give an export file or a folder")
    if not out:
        raise UserError(f"no input files found in {', '.join(map(str, paths))}")
    return out


def check_inputs_exist(paths) -> None:
    """Raise UserError naming the first of `paths` that does not exist (a quick check before a long start)."""
    for raw in paths:
        if not Path(raw).exists():
            raise UserError(f"{Path(raw)}: no such file or folder")


def _folder_files(folder: Path, skipped: list) -> list[Path]:
    """Export candidates under `folder`, sorted; unreadable subfolders and special files are skipped."""
    found = []

    def unreadable(exc: OSError):
        skipped.append({"path": str(exc.filename), "reason": f"folder cannot be read ({exc.strerror or exc})"})

    for root, dirs, names in os.walk(folder, onerror=unreadable):
        dirs.sort()
        for name in names:
            f = Path(root) / name
            if name.startswith(".") or f.suffix.lower() in _NOT_EXPORTS or name == "rejected.csv":
                continue
            if f.is_file():
                found.append(f)
            elif not f.is_dir():
                skipped.append({"path": str(f), "reason": "not a regular file (a pipe, device or broken link)"})
    return sorted(found)


def _record_hashes(source: str, key: pd.Series) -> np.ndarray:
    """Stable uint64 of source + natural key (run-independent); written as hex ids at the end."""
    return key_hashes(source, key) if len(key) else np.zeros(0, dtype=np.uint64)


def _map_refs(refs: pa.Array, codes: np.ndarray, ref_map: pd.Series, contact_ids: pd.Series,
              index: pd.Index) -> tuple[pd.Series, np.ndarray]:
    """Each row's contact id (`ref_map` of its ref, ``refs[codes]``), looked up once per distinct ref with
    pyarrow's hash kernels (no Python object per row), and each row's contact as a row number of
    `contact_ids` (-1 for a contact not among them: the owner)."""
    mapped = arrow_strings(pd.Series(ref_map.to_numpy(dtype=object))).take(
        pc.index_in(refs, value_set=arrow_strings(pd.Series(ref_map.index, dtype=object))))
    rows = pc.fill_null(pc.index_in(mapped, value_set=arrow_strings(contact_ids)), -1).to_numpy(zero_copy_only=False)
    ids = mapped.take(pa.array(codes))
    return pd.Series(pd.arrays.ArrowStringArray(ids), index=index, dtype="string"), rows[codes].astype(np.int64)


def _coded_refs(refs: pd.Series, ns: str) -> tuple[np.ndarray, pa.Array]:
    """Each row's ref as a code into the file's distinct refs, and those refs namespaced (``ns`` + ref).

    The text of millions of rows is hashed once, here; the later steps (every named
    ref a person, refs to contacts) work on the distinct refs and the codes.
    """
    encoded = pc.dictionary_encode(arrow_strings(refs), null_encoding="encode")
    return (encoded.indices.to_numpy(zero_copy_only=False),
            pc.binary_join_element_wise(ns, encoded.dictionary, "").cast(pa.string()))


def _row_keys(f: np.ndarray, r: np.ndarray) -> np.ndarray | None:
    """(file, row) as one int64 (file << 40 | row), or None when rows are not small integers."""
    if not (np.issubdtype(f.dtype, np.integer) and np.issubdtype(r.dtype, np.integer)):
        return None
    if len(r) and (r.min() < 0 or r.max() >= 2**40 or f.min() < 0):
        return None
    return (f.astype("int64") << 40) | r.astype("int64")


def _first_seen_records(key: np.ndarray, rid: np.ndarray) -> np.ndarray:
    """For each record: is its id met here for the first time, in (file, row) order?"""
    if len(key) < 2 or bool(np.all(key[1:] >= key[:-1])):
        return ~pd.Series(rid).duplicated(keep="first").to_numpy(dtype=bool)
    order = np.argsort(key, kind="stable")
    new = np.empty(len(key), dtype=bool)
    new[order] = ~pd.Series(rid[order]).duplicated(keep="first").to_numpy(dtype=bool)
    return new


def _rows_with_new_records(tables) -> tuple[pd.DataFrame, list]:
    """For each (file, row): does it yield a record id not seen before (in file and row order)?

    A frame of `_file`, `source_row` and `new`, one row per input row that yields records.

    Also returns, per table, whether each record is the first with its id (in the
    table's own order; None where rows are not small integers).

    `tables` holds (file, row, uint64 record id) arrays per table (ids of different
    tables never collide). Runs on one int64 (file, row) key: argsort and reduceat,
    skipped when rows come sorted and one record each, as in a canonical CSV.
    """
    keys, news = [], []
    for f, r, rid in tables:
        key = _row_keys(np.asarray(f), np.asarray(r))
        if key is None:
            return _rows_with_new_records_slow(tables), [None] * len(tables)
        keys.append(key)
        news.append(_first_seen_records(key, np.asarray(rid, dtype=np.uint64)))
    # Tables come one file after another: in order of their first key they are often already sorted.
    by_start = sorted(range(len(keys)), key=lambda t: int(keys[t][0]) if len(keys[t]) else -1)
    key = np.concatenate([keys[t] for t in by_start]) if keys else np.zeros(0, dtype=np.int64)
    new = np.concatenate([news[t] for t in by_start]) if news else np.zeros(0, dtype=bool)
    if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):
        order = np.argsort(key, kind="stable")
        key, new = key[order], new[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        key, new = key[starts], np.logical_or.reduceat(new, starts)
    return pd.DataFrame({"_file": key >> 40, "source_row": key & (2**40 - 1), "new": new}), news


def _rows_with_new_records_slow(tables) -> pd.DataFrame:
    """The same, for rows that are not small integers."""
    parts = []
    for f, r, rid in tables:
        d = pd.DataFrame({"_file": f, "source_row": r, "rid": rid}).sort_values(["_file", "source_row"], kind="stable")
        d["new"] = ~d["rid"].duplicated(keep="first")
        parts.append(d)
    recs = pd.concat(parts, ignore_index=True)
    return recs.groupby(["_file", "source_row"])["new"].any().reset_index()


def _record_ids(source: str, record_key: pd.Series) -> pd.Series:
    """Record hashes of people (nullable: a person named only by a ref has no record of its own)."""
    given = record_key.notna().to_numpy()
    out = pd.array(np.zeros(len(record_key), dtype=np.uint64), dtype="UInt64")
    if given.any():
        out[given] = _record_hashes(source, record_key[given].reset_index(drop=True))
    out[~given] = pd.NA
    return pd.Series(out, index=record_key.index)


_DETAILS = ("name", "company", "title", "linkedin_url", "first_seen")


def _without_bare_repeats(people: pd.DataFrame) -> pd.DataFrame:
    """Drop people records that hold nothing but a ref an earlier record already holds.

    Such a record (an interaction naming a contact that contacts.csv described
    before) adds no key, detail or source to identity resolution, and does not
    change which record comes first in its cluster; at millions of rows leaving
    it out halves that work.
    """
    bare = people["_rid"].isna().to_numpy() & people["ref"].duplicated(keep="first").to_numpy()
    for c in _DETAILS:
        if c in people and bare.any():
            bare &= people[c].isna().to_numpy()
    if bare.any():
        where = np.flatnonzero(bare)
        emails = people["emails"].to_numpy(dtype=object)[where]
        bare[where] = np.fromiter((not (isinstance(v, (list, tuple, np.ndarray)) and len(v)) for v in emails),
                                  dtype=bool, count=len(where))
    return people[~bare].reset_index(drop=True) if bare.any() else people


def _first_of_each(records: pd.DataFrame, first: np.ndarray | None = None) -> pd.DataFrame:
    """Records in (timestamp, id) order, each id once (its first in file and row order).

    `first`: which records come first with their id, when the accounting found it already.
    """
    rid = records["_rid"].to_numpy()
    if first is None:
        first = ~pd.Series(rid).duplicated(keep="first").to_numpy(dtype=bool)
    ts = records["timestamp"]
    ts = pd.to_datetime(ts, utc=True) if not isinstance(ts.dtype, pd.DatetimeTZDtype) else ts
    stamp = pd.DatetimeIndex(ts).asi8
    # Hex ids of one prefix sort like their numbers: this is the (timestamp, id) order of the Dataset.
    order = np.argsort(stamp, kind="stable")
    order = order[first[order]]  # repeats left out in the same take
    s = stamp[order]
    tied = np.flatnonzero(np.r_[s[1:] == s[:-1], False] | np.r_[False, s[1:] == s[:-1]])
    if len(tied):  # equal times (rare): order those rows by id, by a sort of them alone
        order[tied] = order[tied][np.lexsort((rid[order[tied]], s[tied]))]
    return _take_rows(records, order)


# Text columns with a handful of distinct values (a vocabulary, or one source per file).
_FEW_VALUES = ("channel", "direction", "source", "kind", "status")


def _take_rows(records: pd.DataFrame, order: np.ndarray) -> pd.DataFrame:
    """`records.take(order)`, column by column on two threads, the columns of `_FEW_VALUES`
    taken through their dictionary.

    Gathering millions of values in a new order is memory-bound; numpy and pyarrow
    do it without holding the GIL, so two columns are taken at once. Rearranging
    millions of strings moves every one of them; rearranging a dictionary's integer
    codes and decoding them (pyarrow) gives the same column at a third of the cost.
    """
    positions = pa.array(order)

    def take(name: str):
        col = records[name]
        if name in _FEW_VALUES and isinstance(col.dtype, pd.StringDtype):
            taken = pc.dictionary_encode(arrow_strings(col)).take(positions).dictionary_decode()
            return pd.array(taken, dtype=col.dtype)
        return col.array.take(order)

    with ThreadPoolExecutor(max_workers=2) as pool:
        columns = dict(zip(records.columns, pool.map(take, records.columns)))
    return pd.DataFrame(columns, index=records.index.take(order), copy=False)


def _integers(values: pd.Series) -> np.ndarray:
    """Row numbers as int64 where they are whole numbers (a column with NA elsewhere arrives as float)."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if len(v) and (np.isnan(v).any() or (v != np.round(v)).any()):
        return values.to_numpy(dtype=object)
    return v.astype("int64")


def _concat_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, leaving out empty frames: their all-NA object columns would turn
    timestamps into objects (slow groupbys, a slow re-parse) for millions of rows."""
    given = [f for f in frames if len(f)]
    if len(given) == 1:  # one file with rows (the usual case): no copy of its columns
        return given[0].reset_index(drop=True)
    return pd.concat(given or frames, ignore_index=True)


def load_to_folder(paths, out, tz: str = "UTC", me=(), anonymize: bool = False):
    """What `netanalysis load` does: :func:`load`, then write the tables to `out`, validated while written.

    `out` must be new, empty or an earlier `load` output, and apart from the
    inputs (:mod:`netanalysis.outputs`); it is replaced whole once complete.
    """
    from netanalysis.outputs import building, check_out_folder, publish

    inputs = paths if isinstance(paths, (list, tuple)) else [paths]
    check_out_folder(out, "load", inputs)  # before the (long) read
    # The check at the end needs pandera, slow to import: it is imported on another thread
    # while the files are read (pyarrow parses them without holding the GIL).
    threading.Thread(target=_import_ahead, args=("netanalysis.io.schema",)).start()
    with progress_bar(0, "load: reading", "file") as bar:
        ds = load(paths, tz=tz, me=me, check=False, anonymize=anonymize, progress=bar)
        step(bar, "load: checking and writing")
        with building(out, "load", inputs) as build:
            ds.to_parquet(build, validate=True)
            publish(build, Path(out), "load", inputs)
    return ds


def _import_ahead(module: str) -> None:
    """Import `module` before it is needed; a failure is left to the import where it is used to report."""
    with contextlib.suppress(Exception):
        importlib.import_module(module)


def load(paths, tz: str = "UTC", me=(), check: bool = True, anonymize: bool = False, progress=None):
    """Read exports into a :class:`~netanalysis.dataset.Dataset`.

    Parameters
    ----------
    paths : file or folder paths (a folder is read recursively)
    tz : zone for timestamps that carry no offset
    me : e-mails, profile URLs or names of the owner of the exports
    check : validate the tables against the schema (`load_to_folder` checks them while writing instead)
    anonymize : error messages name files as ``file N`` and quote nothing of their content
    progress : a bar (:func:`netanalysis.io.progress.progress_bar`) to count the files and rows on;
        default: one of its own, shown on a terminal only

    Examples
    --------
    >>> ds = load(["data/sample"])  # doctest: +SKIP
    >>> ds.interactions.columns.tolist()[:3]  # doctest: +SKIP
    ['interaction_id', 'contact_id', 'timestamp']
    """
    from netanalysis.dataset import Dataset

    if progress is None:
        with progress_bar(0, "load: reading", "file") as bar:
            return load(paths, tz=tz, me=me, check=check, anonymize=anonymize, progress=bar)
    ctx = LoadContext(tz=tz, me=tuple(me or ()), progress=progress)
    skipped: list[dict] = []
    files = expand_inputs(paths if isinstance(paths, (list, tuple)) else [paths], skipped)
    progress.reset(total=len(files))
    labels = {path: f"file {n}" for n, (path, _) in enumerate(files, start=1)} if anonymize else {}
    known = []
    for path, explicit in files:
        try:
            sn = _sniff(path)
            known.append((path, explicit, sn, detect_format(sn)))
        except UserError as exc:
            if explicit:
                raise _private(exc, labels) from None
            skipped.append({"path": str(path), "reason": _reason(exc, path, labels)})
    readable = _parsed_files(known, ctx, skipped, labels, n_inputs=len(files))
    return _assemble(readable, skipped, ctx, Dataset, check)


def _parsed_files(known, ctx, skipped: list, labels: dict, n_inputs: int):
    """Yield `(path, Parsed)` for each readable file, in file order.

    Files are parsed two at a time (pyarrow and I/O release the GIL). An
    explicitly named file that cannot be read raises; a file found in a folder
    goes to `skipped` with its reason. Raises when no file at all is readable.
    Yielding one file at a time lets the caller drop each file's rows once merged.
    """
    found, rows = False, 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        for path, explicit, res in pool.map(lambda f: (f[0], f[1], _attempt(f[0], f[2], f[3], ctx)), known):
            rows += 0 if isinstance(res, UserError) else res.rows_read
            ctx.progress.set_postfix(rows=f"{rows:,}", refresh=False)
            ctx.progress.update(1)
            if not isinstance(res, UserError):
                found = True
                yield path, res
            elif explicit:
                raise _private(res, labels) from None
            else:
                skipped.append({"path": str(path), "reason": _reason(res, path, labels)})
    if not found:
        if labels:
            raise UserError(f"none of the {n_inputs} inputs is a known export")
        raise UserError("none of the inputs is a known export: " + "; ".join(f"{s['path']}: {s['reason']}" for s in skipped))


def _sniff(path: Path):
    try:
        return sniff(path)
    except OSError as exc:  # unreadable (permissions), vanished, a folder the OS refuses
        raise UserError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None


def _attempt(path: Path, sn, fmt, ctx):
    """The file's Parsed, or the UserError that says why it cannot be read."""
    try:
        return _read(path, sn, fmt, ctx)
    except UserError as exc:
        return exc


def _reason(exc: UserError, path: Path, labels: dict) -> str:
    """A skipped file's reason, without its path (the entry names it); no content under --anonymize."""
    msg = getattr(exc, "public", None) if labels else None
    msg = msg or str(exc)
    return msg.split(": ", 1)[-1] if msg.startswith(str(path)) else msg


def _private(exc: UserError, labels: dict) -> UserError:
    """Under --anonymize, a message that names files as `file N` and echoes no content."""
    if not labels:
        return exc
    msg = getattr(exc, "public", None) or str(exc)
    for path, label in sorted(labels.items(), key=lambda kv: -len(str(kv[0]))):
        msg = msg.replace(str(path), label)
    return UserError(msg)


def _read(path: Path, sn, fmt, ctx) -> Parsed:
    """One file through its format's reader; anything but a UserError becomes one naming the file."""
    try:
        return reject_implausible(fmt.read(path, sn, ctx))
    except UserError:
        raise
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    except Exception as exc:  # a parser bug or a file damaged beyond row-level repair
        if os.environ.get("NETANALYSIS_DEBUG"):
            raise
        raise UserError(f"{path}: could not be read as {fmt.name}: {type(exc).__name__}: {exc}",
                        public=f"{path}: could not be read as {fmt.name} ({type(exc).__name__})") from None


def _namespaced_group(records: pd.DataFrame, ns: str) -> pd.Series:
    """The optional `group_key` (one shared meeting, message or deal), kept apart per source."""
    if "group_key" not in records or not records["group_key"].notna().any():  # the usual case: no groups at all
        return pd.Series(pd.NA, index=records.index, dtype="string")
    key = records["group_key"].astype("string")
    return (ns + key).where(key.notna(), pd.NA).astype("string")


@dataclass
class _Gathered:
    """The readable files' records, namespaced by source, each row tagged with its file's index."""

    files: list  # (path, format, rows_read, notes) per file, in file order
    people: list
    interactions: list  # each row's ref as `_ref`, a code into the file's `interaction_refs`
    interaction_refs: list  # the distinct (namespaced) refs of each file's interactions
    outcomes: list
    rejected: list
    owner: list


def _assemble(readable, skipped, ctx, Dataset, check: bool = True):
    """Merge the files' records into one Dataset, every input row accounted for.

    People are resolved to contacts, interactions with the owner only are
    rejected, repeated records are counted as duplicates, and each file gets
    its `rows_read == loaded + duplicates + rejected` entry in the load report.

    Parameters
    ----------
    readable : iterable of ``(path, Parsed)``, consumed once (see `_parsed_files`)
    skipped : files not read, with their reasons (listed in the load report)
    ctx : LoadContext
    Dataset : the Dataset class (the caller imports it, which keeps the import graph acyclic)
    check : validate the tables against the schemas
    """
    gathered = _gather(readable, ctx)
    step(ctx.progress, "load: merging people into contacts")
    people = _people_with_every_named_ref(gathered)
    ref_map, contacts, owner_ids = identity.resolve(people, gathered.owner)
    step(ctx.progress, "load: counting duplicates")
    inter = _interactions_with_contacts(gathered, ref_map, contacts["contact_id"])
    outc = _concat_rows(gathered.outcomes)
    outc["contact_id"] = outc["ref"].map(ref_map).where(outc["ref"].notna(), None)

    # Interactions with the owner only are not investment in a relationship.
    with_owner = inter["contact_id"].isin(owner_ids)
    owner_rows = inter.loc[with_owner, ["_file", "source_row"]]
    if with_owner.any():  # (a filtered copy of 10M rows costs gigabytes; skip it when nothing goes)
        inter = inter[~with_owner]
    outc.loc[outc["contact_id"].isin(owner_ids), "contact_id"] = None

    # Accounting: for each (file, row), its record ids in file order.
    with_record = people["_rid"].notna().to_numpy()
    row_new, first_seen = _rows_with_new_records([
        (inter["_file"].to_numpy(), inter["source_row"].to_numpy(), inter["_rid"].to_numpy()),
        (outc["_file"].to_numpy(), outc["source_row"].to_numpy(), outc["_rid"].to_numpy()),
        (people["_file"].to_numpy()[with_record], _integers(people["source_row"][with_record]),
         people["_rid"].to_numpy(dtype="uint64", na_value=0)[with_record]),
    ])
    rejected = _with_owner_only_rows(pd.concat(gathered.rejected, ignore_index=True), owner_rows, row_new)

    step(ctx.progress, "load: ordering by time")
    inter = _first_of_each(inter, first_seen[0])
    outc = _first_of_each(outc, first_seen[1])
    inter["interaction_id"] = hex_ids("i", inter["_rid"].to_numpy(), index=inter.index)
    outc["outcome_id"] = hex_ids("o", outc["_rid"].to_numpy(), index=outc.index)
    interactions, outcomes = _canonical_tables(inter, outc)
    _first_seen_by_touch(contacts, inter)

    report_files = _file_reports(gathered.files, rejected, row_new)
    paths = [str(path) for path, *_ in gathered.files]
    rejected_out = pd.DataFrame({
        "file": rejected["_file"].map(lambda i: paths[int(i)]),
        "row": rejected["source_row"], "reason": rejected["reason"], "raw": rejected["raw"],
    })
    load_report = {
        "files": report_files,
        "skipped": skipped,
        "tz": ctx.tz,
        "owner": sorted(owner_ids),
        "totals": {k: int(sum(f[k] for f in report_files)) for k in ("rows_read", "loaded", "duplicates", "rejected")},
    }
    return Dataset.from_frames(contacts, interactions, outcomes, load_report, rejected_out, check=check)


def _gather(readable, ctx) -> _Gathered:
    """Each file's records with refs namespaced by source (`linkedin:...`) and record ids hashed.

    The frames are shallow copies (copy-on-write shares the unchanged columns);
    each file's parsed rows are dropped as soon as its copies are made.
    """
    gathered = _Gathered([], [], [], [], [], [], list(ctx.me))
    for index, (path, parsed) in enumerate(readable):
        ns = parsed.source + ":"
        gathered.files.append((path, parsed.format, parsed.rows_read, parsed.notes))
        people = parsed.people.copy(deep=False)
        people["ref"] = ns + people["ref"].astype(str)
        people["_file"] = index
        people["_rid"] = _record_ids(parsed.source, people["record_key"])
        gathered.people.append(people.drop(columns="record_key"))
        codes, refs = _coded_refs(parsed.interactions["ref"], ns)
        interactions = parsed.interactions.drop(columns="ref").assign(_ref=codes)
        gathered.interactions.append(_namespaced_records(interactions, parsed.source, index))
        gathered.interaction_refs.append(refs)
        gathered.outcomes.append(_namespaced_records(parsed.outcomes, parsed.source, index))
        gathered.rejected.append(parsed.rejected.assign(_file=index))
        if not ctx.me:  # --me is the whole truth about the owner: detection runs only without it
            gathered.owner.extend(parsed.owner)
    return gathered


def _namespaced_records(records: pd.DataFrame, source: str, index: int) -> pd.DataFrame:
    """Interactions or outcomes of one file with namespaced refs (if a `ref` column, which may
    name no one) and groups, their file and record hashes."""
    ns = source + ":"
    out = records.copy(deep=False)  # copy-on-write: columns are shared until changed
    if "ref" in out:
        out["ref"] = (ns + out["ref"].astype("string")).astype(object).where(out["ref"].notna(), None)
    out["source"] = source
    out["group_key"] = _namespaced_group(out, ns)
    out["_file"] = index
    out["_rid"] = _record_hashes(source, out["natural_key"])
    return out.drop(columns="natural_key")


def _people_with_every_named_ref(gathered: _Gathered) -> pd.DataFrame:
    """All people of all files, plus a bare entry for every ref an interaction or outcome names.

    Every ref an interaction or outcome names is a person, even with no details.
    """
    people = pd.concat(gathered.people, ignore_index=True)
    named = pc.unique(pa.chunked_array(gathered.interaction_refs + [arrow_strings(x["ref"]) for x in gathered.outcomes],
                                       type=pa.string()).drop_null())
    held = arrow_strings(people["ref"])
    missing = pd.Index(sorted(pc.filter(named, pc.invert(pc.is_in(named, value_set=held))).to_pylist()), dtype=object)
    if len(missing):
        people = pd.concat([people, pd.DataFrame({"ref": missing, "emails": [[] for _ in missing]})], ignore_index=True)
    people = _without_bare_repeats(people)
    people["emails"] = [v if type(v) is list else list(v) if isinstance(v, (tuple, np.ndarray)) else []
                        for v in people["emails"].tolist()]
    return people


def _interactions_with_contacts(gathered: _Gathered, ref_map: pd.Series, contact_ids: pd.Series) -> pd.DataFrame:
    """The files' interactions in one frame, each with its contact id instead of its ref code,
    and `_contact`, the contact's row in the contacts table (-1 for the owner).

    Empties `gathered.interactions` (they belong to the gathering step) so that their rows are
    freed once stacked.
    """
    pieces, refs = gathered.interactions, gathered.interaction_refs
    inter = _concat_rows(pieces)
    pieces.clear()
    first_code = np.cumsum([0] + [len(r) for r in refs])  # each file's refs, one after another
    codes = inter["_ref"].to_numpy(dtype=np.int64) + first_code[inter["_file"].to_numpy(dtype=np.int64)]
    all_refs = pa.concat_arrays(refs) if refs else pa.array([], type=pa.string())
    inter["contact_id"], inter["_contact"] = _map_refs(all_refs, codes, ref_map, contact_ids, inter.index)
    return inter.drop(columns=["_ref"])


def _with_owner_only_rows(rejected: pd.DataFrame, owner_rows: pd.DataFrame, row_new: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows plus the rows whose every record was with the owner, with that reason."""
    if not len(owner_rows):
        return rejected
    owner_only = owner_rows.drop_duplicates().merge(row_new[["_file", "source_row"]], how="left", indicator=True)
    owner_only = owner_only.loc[owner_only["_merge"] == "left_only", ["_file", "source_row"]]
    if not len(owner_only):
        return rejected
    return pd.concat([rejected, owner_only.sort_values(["_file", "source_row"]).assign(
        reason="only the owner of the exports takes part", raw="")], ignore_index=True)


def _file_reports(files: list, rejected: pd.DataFrame, row_new: pd.DataFrame) -> list[dict]:
    """One load report entry per file: rows read, loaded, duplicates, rejected (by reason)."""
    row_file = row_new["_file"].to_numpy(dtype="int64")
    loaded_by_file = np.bincount(row_file[row_new["new"].to_numpy(dtype=bool)], minlength=len(files))
    rows_by_file = np.bincount(row_file, minlength=len(files))
    entries = []
    for index, (path, fmt, rows_read, notes) in enumerate(files):
        rejected_here = rejected[rejected["_file"] == index]
        loaded = int(loaded_by_file[index])
        duplicates = int(rows_by_file[index] - loaded_by_file[index])
        reasons = rejected_here["reason"].astype(str).str.split(":").str[0].value_counts()
        entry = {"path": str(path), "format": fmt, "rows_read": int(rows_read), "loaded": loaded,
                 "duplicates": duplicates, "rejected": len(rejected_here),
                 "rejected_by_reason": {str(k): int(v) for k, v in reasons.items()}, **notes}
        unaccounted = entry["rows_read"] - (loaded + duplicates + len(rejected_here))
        if unaccounted != 0:
            # A parser that yields nothing for a row without rejecting it is a bug;
            # say so in the report rather than silently losing or doubling rows.
            entry["unaccounted"] = unaccounted
        entries.append(entry)
    return entries


def _canonical_tables(inter: pd.DataFrame, outc: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The interactions and outcomes tables with the canonical columns, in order."""
    interactions = inter.drop(columns=["_file", "_rid", "_contact"]).reset_index(drop=True)
    interactions = interactions[list(INTERACTION_COLUMNS)]
    outcomes = outc.drop(columns=["ref", "_file", "_rid"]).reset_index(drop=True)
    outcomes = outcomes[list(OUTCOME_COLUMNS)]
    outcomes["opened_at"] = pd.to_datetime(outcomes["opened_at"], utc=True).astype(UTC)
    return interactions, outcomes


def _first_seen_by_touch(contacts: pd.DataFrame, inter: pd.DataFrame) -> None:
    """Move each contact's `first_seen` back to its first interaction when that is earlier (in place).

    Grouped on the contacts' row numbers (`inter["_contact"]`): grouping millions of rows
    on the id text costs a hash of every string.
    """
    if not len(contacts):  # a header-only file leaves no contacts (min over an empty frame fails)
        return
    first_touch = inter["timestamp"].groupby(inter["_contact"].to_numpy()).min().reindex(range(len(contacts)))
    contacts["first_seen"] = pd.concat([contacts["first_seen"], pd.Series(first_touch.array, index=contacts.index)],
                                       axis=1).min(axis=1)

"""Loading files into a Dataset: detect, parse, merge identities, dedupe, account.

Every input row ends up in exactly one of: loaded, duplicate (all the records
it yields were already loaded, from this file or an earlier one), rejected
(with a reason). `rows_read == loaded + duplicates + rejected` per file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import identity
from .errors import UserError
from .fasttext import hex_ids
from .vocab import empty_interactions, empty_outcomes
from .sources import Parsed, detect_format
from .sources.base import sniff

# In a folder, files with these endings are never exports (reports, notes, data we write).
_NOT_EXPORTS = {".json", ".md", ".parquet", ".png", ".html", ".ipynb", ".py", ".toml", ".pdf", ".zip"}


@dataclass
class LoadContext:
    tz: str = "UTC"
    me: tuple = ()


def expand_inputs(paths) -> list[tuple[Path, bool]]:
    """Files to read, each with whether the user named it explicitly."""
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UserError(f"{p}: no such file or folder")
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.startswith(".") and f.suffix.lower() not in _NOT_EXPORTS \
                        and f.name != "rejected.csv":
                    out.append((f, False))
        else:
            out.append((p, True))
    if not out:
        raise UserError(f"no input files found in {', '.join(map(str, paths))}")
    return out


_HASH_CHUNK = 500_000


def _hash_ids(source: pd.Series, key: pd.Series, prefix: str) -> pd.Series:
    """Stable 64-bit ids of source|natural key (fixed hash key, so run-independent)."""
    if len(key) == 0:
        return pd.Series([], index=key.index, dtype=object)
    # In chunks: hashing needs the text as Python objects, which for 10M rows would take gigabytes at once.
    parts = []
    for lo in range(0, len(key), _HASH_CHUNK):
        text = (source.iloc[lo:lo + _HASH_CHUNK].astype(str) + "|" + key.iloc[lo:lo + _HASH_CHUNK].astype(str)).astype(object)
        parts.append(pd.util.hash_pandas_object(text, index=False, hash_key="netanalysis-ids-1"[:16]).to_numpy())
    return hex_ids(prefix, np.concatenate(parts), index=key.index)  # = prefix + "{:016x}".format(h), vectorised


def _map_refs(refs: pd.Series, ref_map: pd.Series) -> pd.Series:
    """`refs.map(ref_map)`, looked up once per distinct ref (no Python object per row)."""
    codes, uniques = pd.factorize(refs)
    ids = pd.array(ref_map.reindex(pd.Index(np.asarray(uniques, dtype=object))).to_numpy(dtype=object), dtype="string")
    out = ids.take(codes, allow_fill=True)
    return pd.Series(out, index=refs.index)


def _rows_with_new_records(recs: pd.DataFrame) -> pd.Series:
    """For each (file, row): does it yield a record id not seen before (in file and row order)?

    With integer rows this runs on one int64 key (argsort, reduceat) instead of a
    two-column sort and groupby, which at 10M records take gigabytes.
    """
    f, r = recs["_file"].to_numpy(), recs["source_row"].to_numpy()
    if (len(recs) and np.issubdtype(f.dtype, np.integer) and np.issubdtype(r.dtype, np.integer)
            and r.min() >= 0 and r.max() < 2**40 and f.min() >= 0):
        key = (f.astype("int64") << 40) | r.astype("int64")
        order = np.argsort(key, kind="stable")
        ids, _ = pd.factorize(recs["rid"])  # integer codes: no sorted copy of the id strings
        new = ~pd.Series(ids[order]).duplicated(keep="first").to_numpy(dtype=bool)
        key = key[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        first = key[starts]
        index = pd.MultiIndex.from_arrays([first >> 40, first & (2**40 - 1)], names=["_file", "source_row"])
        return pd.Series(np.logical_or.reduceat(new, starts), index=index, name="new")
    recs = recs.sort_values(["_file", "source_row"], kind="stable")
    recs["new"] = ~recs["rid"].duplicated(keep="first")
    return recs.groupby(["_file", "source_row"])["new"].any()


def _concat_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, leaving out empty frames: their all-NA object columns would turn
    timestamps into objects (slow groupbys, a slow re-parse) for millions of rows."""
    given = [f for f in frames if len(f)]
    return pd.concat(given or frames, ignore_index=True)


def load(paths, tz: str = "UTC", me=()):
    """Read exports into a :class:`~netanalysis.dataset.Dataset`.

    Parameters
    ----------
    paths : file or folder paths (a folder is read recursively)
    tz : zone for timestamps that carry no offset
    me : e-mails, profile URLs or names of the owner of the exports

    Examples
    --------
    >>> ds = load(["data/sample"])  # doctest: +SKIP
    >>> ds.interactions.columns.tolist()[:3]  # doctest: +SKIP
    ['interaction_id', 'contact_id', 'timestamp']
    """
    from .dataset import Dataset

    ctx = LoadContext(tz=tz, me=tuple(me or ()))
    files = expand_inputs(paths if isinstance(paths, (list, tuple)) else [paths])
    parsed: list[tuple[Path, Parsed]] = []
    skipped: list[dict] = []
    for path, explicit in files:
        try:
            sn = sniff(path)
            fmt = detect_format(sn)
        except UserError as exc:
            if explicit:
                raise
            skipped.append({"path": str(path), "reason": str(exc).split(": ", 1)[-1]})
            continue
        try:
            result = fmt.read(path, sn, ctx)
        except UserError:
            raise
        except Exception as exc:  # a parser bug or a file damaged beyond row-level repair
            if os.environ.get("NETANALYSIS_DEBUG"):
                raise
            raise UserError(f"{path}: could not be read as {fmt.name}: {type(exc).__name__}: {exc}") from None
        parsed.append((path, result))
    if not parsed:
        raise UserError("none of the inputs is a known export: " + "; ".join(f"{s['path']}: {s['reason']}" for s in skipped))
    return _assemble(parsed, skipped, ctx, Dataset)


def _namespaced_group(records: pd.DataFrame, ns: str) -> pd.Series:
    """The optional `group_key` (one shared meeting, message or deal), kept apart per source."""
    if "group_key" not in records:
        return pd.Series(pd.NA, index=records.index, dtype="string")
    key = records["group_key"].astype("string")
    return (ns + key).where(key.notna(), pd.NA).astype("string")


def _assemble(parsed, skipped, ctx, Dataset):
    people, inters, outs, rejected = [], [], [], []
    owner = list(ctx.me)
    for i, (path, r) in enumerate(parsed):
        ns = r.source + ":"
        pe = r.people.copy()
        pe["ref"] = ns + pe["ref"].astype(str)
        pe["_file"] = i
        people.append(pe)
        it = r.interactions.copy()
        it["ref"] = ns + it["ref"].astype(str)
        it["source"] = r.source
        it["group_key"] = _namespaced_group(it, ns)
        it["_file"] = i
        inters.append(it)
        r.interactions = r.interactions.iloc[:0]  # only the copy is used from here on: free the rows
        oc = r.outcomes.copy()
        oc["ref"] = (ns + oc["ref"].astype("string")).astype(object).where(oc["ref"].notna(), None)
        oc["source"] = r.source
        oc["group_key"] = _namespaced_group(oc, ns)
        oc["_file"] = i
        outs.append(oc)
        rj = r.rejected.copy()
        rj["_file"] = i
        rejected.append(rj)
        owner.extend(r.owner)
    people = pd.concat(people, ignore_index=True)
    # Every ref an interaction or outcome names is a person, even with no details.
    named = pd.concat([x["ref"].drop_duplicates() for x in inters] + [x["ref"].dropna() for x in outs], ignore_index=True)
    missing = pd.Index(named.unique()).difference(pd.Index(people["ref"].unique()))
    if len(missing):
        people = pd.concat([people, pd.DataFrame({"ref": missing, "emails": [[] for _ in missing]})], ignore_index=True)
    people["emails"] = people["emails"].map(lambda v: list(v) if isinstance(v, (list, tuple, np.ndarray)) else [])
    ref_map, contacts, owner_ids = identity.resolve(people, owner)

    inter = _concat_rows(inters) if inters else empty_interactions()
    inters.clear()
    del named
    inter["contact_id"] = _map_refs(inter["ref"], ref_map)
    inter["interaction_id"] = _hash_ids(inter["source"], inter["natural_key"], "i")
    inter = inter.drop(columns=["ref", "natural_key"])  # not needed any more; large at 10M rows
    outc = _concat_rows(outs)
    outc["contact_id"] = outc["ref"].map(ref_map).where(outc["ref"].notna(), None)
    outc["outcome_id"] = _hash_ids(outc["source"], outc["natural_key"], "o")
    people["record_id"] = _hash_ids(people["ref"].str.split(":", n=1).str[0], people["record_key"], "p").where(
        people["record_key"].notna(), None)

    # Interactions with the owner only are not investment in a relationship.
    with_owner = inter["contact_id"].isin(owner_ids)
    owner_rows = inter.loc[with_owner, ["_file", "source_row"]]
    if with_owner.any():  # (a filtered copy of 10M rows costs gigabytes; skip it when nothing goes)
        inter = inter[~with_owner]
    owner_out = outc["contact_id"].isin(owner_ids)
    outc.loc[owner_out, "contact_id"] = None

    # Accounting: for each (file, row), its record ids in file order.
    recs = pd.concat([
        inter[["_file", "source_row", "interaction_id"]].rename(columns={"interaction_id": "rid"}),
        outc[["_file", "source_row", "outcome_id"]].rename(columns={"outcome_id": "rid"}),
        people.loc[people["record_id"].notna(), ["_file", "source_row", "record_id"]].rename(columns={"record_id": "rid"}),
    ], ignore_index=True)
    row_new = _rows_with_new_records(recs)
    del recs

    rej = pd.concat(rejected, ignore_index=True)
    # Rows whose every record was with the owner are rejected, with that reason.
    if len(owner_rows):
        owner_only = owner_rows.drop_duplicates()
        owner_only = owner_only.set_index(["_file", "source_row"]).index.difference(row_new.index)
        if len(owner_only):
            rej = pd.concat([rej, pd.DataFrame({
                "_file": owner_only.get_level_values(0), "source_row": owner_only.get_level_values(1),
                "reason": "only the owner of the exports takes part", "raw": ""})], ignore_index=True)

    inter = inter.loc[~inter["interaction_id"].duplicated(keep="first")]
    outc = outc.loc[~outc["outcome_id"].duplicated(keep="first")]

    report_files = []
    for i, (path, r) in enumerate(parsed):
        rr = rej[rej["_file"] == i]
        per_file = row_new[row_new.index.get_level_values(0) == i]
        loaded = int(per_file.sum())
        dup = int((~per_file).sum())
        rejected_n = len(rr)
        by_reason = {str(k): int(v) for k, v in rr["reason"].astype(str).str.split(":").str[0].value_counts().items()}
        entry = {"path": str(path), "format": r.format, "rows_read": int(r.rows_read), "loaded": loaded,
                 "duplicates": dup, "rejected": rejected_n, "rejected_by_reason": by_reason}
        unaccounted = entry["rows_read"] - (loaded + dup + rejected_n)
        if unaccounted != 0:
            # A parser that yields nothing for a row without rejecting it is a bug;
            # say so in the report rather than silently losing or doubling rows.
            entry["unaccounted"] = unaccounted
        report_files.append(entry)

    interactions = inter.drop(columns=["_file"]).reset_index(drop=True)
    interactions = interactions[["interaction_id", "contact_id", "timestamp", "channel", "direction",
                                 "duration_minutes", "source", "source_row", "group_key"]]
    outcomes = outc.drop(columns=["ref", "natural_key", "_file"]).reset_index(drop=True)
    outcomes = outcomes[["outcome_id", "contact_id", "account", "timestamp", "kind", "status", "value",
                         "currency", "source", "source_row", "group_key"]]
    first_touch = interactions.groupby("contact_id")["timestamp"].min()
    if len(contacts):  # a header-only file leaves no contacts (min over an empty frame fails)
        contacts["first_seen"] = pd.concat([contacts["first_seen"], contacts["contact_id"].map(first_touch)],
                                           axis=1).min(axis=1)
    rejected_out = pd.DataFrame({
        "file": rej["_file"].map(lambda i: str(parsed[int(i)][0])),
        "row": rej["source_row"], "reason": rej["reason"], "raw": rej["raw"],
    })
    load_report = {
        "files": report_files,
        "skipped": skipped,
        "tz": ctx.tz,
        "owner": sorted(owner_ids),
        "totals": {k: int(sum(f[k] for f in report_files)) for k in ("rows_read", "loaded", "duplicates", "rejected")},
    }
    return Dataset.from_frames(contacts, interactions, outcomes, load_report, rejected_out)

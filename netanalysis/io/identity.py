"""Merging one person seen in several sources into one contact.

Records are one person when they share a normalised e-mail or LinkedIn URL;
otherwise when their normalised name and company agree and no e-mail or URL
of theirs conflicts. Links are transitive (connected components of the
record-identifier graph, computed with scipy's sparse graph routines when
any key is shared by two refs).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import re
import unicodedata
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from netanalysis.io.arrow_text import arrow_strings
from netanalysis.io.vocabulary import CONTACT_COLUMNS

_COMPANY_SUFFIX = re.compile(r"\b(inc|llc|ltd|limited|gmbh|corp|corporation|co|plc|sa|ag|bv)\b\.?", re.I)


def normalize_email(value) -> str | None:
    """`Mailto:Ann@X.com ` -> `ann@x.com`; anything without an @ -> None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    v = str(value).strip().strip("<>").strip()
    if v.lower().startswith("mailto:"):
        v = v[7:]
    v = v.strip().lower()
    return v if "@" in v and " " not in v and len(v) > 3 else None


def normalize_url(value) -> str | None:
    """Percent-decoded, no scheme, `www`, query, fragment or trailing slash, lower-cased.

    >>> normalize_url("https://www.linkedin.com/in/J%C3%BCrgen-M/?trk=x")
    'linkedin.com/in/jürgen-m'
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    v = unquote(str(value).strip())
    if not v:
        return None
    v = re.sub(r"^[a-z][a-z0-9+.-]*://", "", v, flags=re.I)
    v = re.split(r"[?#]", v, maxsplit=1)[0]
    v = re.sub(r"^www\.", "", v, flags=re.I).rstrip("/").lower()
    # Country subdomains (de.linkedin.com) point to the same profile.
    v = re.sub(r"^[a-z]{2}\.linkedin\.com/", "linkedin.com/", v)
    return v or None


_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def fold(value) -> str | None:
    """Unicode-folded, case-insensitive, punctuation-free text for matching names."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    v = str(value)
    if v.isascii():
        # Exact shortcut: NFKD and combining marks change nothing in ASCII; casefold is lower.
        v = v.lower()
        if v.replace(" ", "").isalnum() and "  " not in v and v[0] != " " and v[-1] != " ":
            return v
    else:
        v = unicodedata.normalize("NFKD", v)
        v = "".join(ch for ch in v if not unicodedata.combining(ch)).casefold()
    v = _PUNCTUATION.sub(" ", v)
    v = _SPACES.sub(" ", v).strip()
    return v or None


def normalize_company(value) -> str | None:
    v = fold(value)
    if v is None:
        return None
    v = re.sub(r"\s+", " ", _COMPANY_SUFFIX.sub(" ", v)).strip()
    return v or None


def stable_id(*parts: str, prefix: str = "c") -> str:
    """A short, run-independent id from text."""
    return prefix + hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:12]


# The columns of `people` that resolution reads: a source's person record
# (sources/base.py) without its row bookkeeping.
_PEOPLE_COLUMNS = ["ref", *(c for c in CONTACT_COLUMNS if c not in ("contact_id", "sources"))]


def resolve(people: pd.DataFrame, owner: list[str] | tuple = ()) -> tuple[pd.Series, pd.DataFrame, set[str]]:
    """Cluster person records into contacts.

    Vectorised over records and clusters (factorize, integer sorts, sparse
    connected components): work done per cluster in Python is limited to the
    clusters that need it (several records, no canonical id), so 100k records
    that are mostly one contact each merge in a fraction of a second.

    Parameters
    ----------
    people : frame with `ref` (namespaced, e.g. ``linkedin:...``), `name`,
        `emails` (lists), `company`, `title`, `linkedin_url`, `first_seen`, `source`.
    owner : e-mails, URLs or names of the person whose exports these are.

    Returns
    -------
    ref_to_contact : Series mapping every ref to its contact_id
    contacts : the merged contacts table (owner excluded)
    owner_ids : contact_ids that are the owner
    """
    from netanalysis.io.vocabulary import empty_contacts

    if people.empty:
        return pd.Series(dtype=str), empty_contacts(), set()
    with _gc_paused():
        return _resolve(people, owner_keys(owner))


@contextlib.contextmanager
def _gc_paused():
    """The cyclic garbage collector off for the duration (if it was on), on again after.

    Resolution makes two lists per contact (e-mails, sources) besides frames and
    arrays: with the collector on, every so many new objects set off a full
    collection that walks the whole heap again, a fifth of the time on 100k
    records. What is made here holds text, no reference cycles: the collector,
    on again, looks at it once.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _resolve(people: pd.DataFrame, owner_ids_keys: set[str]) -> tuple[pd.Series, pd.DataFrame, set[str]]:
    """`resolve` of a non-empty frame, given the owner's identity keys."""
    # Only the columns used (copy-on-write: the columns added below leave `people` alone).
    p = people[_PEOPLE_COLUMNS].reset_index(drop=True)
    em = _record_emails(p["emails"])
    # Object columns keep None as None (a string column would turn it into NaN).
    p["_url"] = _map_unique(p["linkedin_url"], normalize_url)
    p["_name"] = _map_unique(p["name"], fold)
    p["_company"] = _map_unique(p["company"], normalize_company)
    ref_code, ref_ids = pd.factorize(p["ref"].astype(str))
    p["_ref_code"] = ref_code

    # Records with the same ref are the same person by construction.
    cluster = _key_components(ref_code, len(ref_ids), em, p["_url"])

    # Name + company: link clusters whose e-mails and URLs do not conflict.
    extra_rec, extra_to = _name_company_links(p, em, cluster)
    if extra_rec:
        k = int(cluster.max()) + 1
        cluster = graph_components(np.asarray(extra_rec), np.asarray(extra_to), k)[cluster]
    p["_cluster"] = cluster
    contacts, ref_map, owner_ids = _merge(p, em, owner_ids_keys)
    return ref_map, contacts, owner_ids


def _record_emails(emails: pd.Series) -> pd.DataFrame:
    """One row per (record, normalised e-mail): each pair once, by record, e-mails sorted within a record.

    Most records hold one e-mail, already in place: only the rows of records with
    several are deduplicated and sorted by text; the rest is an integer sort.
    """
    values = emails.to_numpy() if emails.dtype == object else list(emails)  # iterating an array is faster
    lists = [v if isinstance(v, (list, tuple, np.ndarray)) else () for v in values]
    n = len(lists)
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=n)
    flat = np.fromiter(itertools.chain.from_iterable(lists), dtype=object, count=int(lengths.sum()))
    rec = np.repeat(np.arange(n), lengths)
    email = _map_unique(pd.Series(flat, dtype=object), normalize_email).to_numpy()
    given = pd.notna(email)
    rec, email = rec[given], email[given]
    several = np.bincount(rec, minlength=n)[rec] > 1
    if several.any():
        sub = pd.DataFrame({"rec": rec[several], "email": pd.Series(email[several], dtype=object)})
        sub = sub.drop_duplicates().sort_values(["rec", "email"], kind="stable")
        rec = np.concatenate([rec[~several], sub["rec"].to_numpy()])
        email = np.concatenate([email[~several], sub["email"].to_numpy(dtype=object)])
        order = np.argsort(rec, kind="stable")  # records back in order, each one's e-mails still sorted
        rec, email = rec[order], email[order]
    return pd.DataFrame({"rec": rec, "email": pd.Series(email, dtype=object)})


def _key_components(ref_code: np.ndarray, n_refs: int, em: pd.DataFrame, urls: pd.Series) -> np.ndarray:
    """Cluster label of each record: connected components of records and the keys they hold.

    Keys are a record's ref, its normalised e-mails and its URL; each kind is
    numbered on its own (integer codes offset by kind), so no ``kind:value``
    text is built or hashed.
    """
    n = len(ref_code)
    has_url = urls.notna().to_numpy()
    email_code, email_ids = pd.factorize(em["email"])
    url_code, url_ids = pd.factorize(urls[has_url])
    key_rec = np.concatenate([em["rec"].to_numpy(), np.flatnonzero(has_url)])
    key = np.concatenate([email_code, len(email_ids) + url_code])
    if _each_key_within_one_ref(ref_code[key_rec], key, n_refs):
        # No e-mail or URL is held by two refs: the components are the refs, numbered (as
        # graph_components numbers them) in order of their first record, which is factorize's order.
        return ref_code.astype(np.int32)
    rec = np.concatenate([np.arange(n), key_rec])
    key = np.concatenate([ref_code, n_refs + key])
    return graph_components(rec, n + key, n + n_refs + len(email_ids) + len(url_ids))[:n]


def _each_key_within_one_ref(ref_of_key: np.ndarray, key: np.ndarray, n_refs: int) -> bool:
    """Whether every key (e-mail or URL code) is held by records of a single ref."""
    if not len(key):
        return True
    pairs = key.astype(np.int64) * max(n_refs, 1) + ref_of_key
    return len(pd.unique(pairs)) == len(pd.unique(key))


def graph_components(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """Connected component of each of `size` nodes joined by the edges a[i] - b[i], numbered in
    order of each component's lowest node (scipy's csgraph, imported only when a graph needs it)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(size, size))
    return connected_components(graph, directed=False)[1]


# Values these patterns match (and the third, if any, does not, ignoring case) are already
# what the normaliser would return (lower-cased for names and companies): they are mapped
# with pyarrow, and only the rest go through Python. A plain company name keeps every word
# unless one is a legal form (Inc, GmbH, ...) that normalize_company cuts.
_PLAIN = {
    "normalize_email": (r"^[a-z0-9._%+'-]+@[a-z0-9.-]+$", False, None),
    "fold": (r"^[A-Za-z0-9]+( [A-Za-z0-9]+)*$", True, None),
    "normalize_company": (r"^[A-Za-z0-9]+( [A-Za-z0-9]+)*$", True, _COMPANY_SUFFIX.pattern),
}


def _map_unique(values: pd.Series, fn) -> pd.Series:
    """`fn` applied once per distinct value; missing values map to None (object dtype)."""
    values = pd.Series(values).astype(object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    todo = np.ones(len(uniques), dtype=bool)
    plain = _PLAIN.get(getattr(fn, "__name__", ""))
    # Only text takes the shortcut: anything else (numbers, bytes) goes through `fn`'s str().
    if plain and len(uniques) and pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        text = pa.array(np.asarray(uniques, dtype=object), type=pa.string(), from_pandas=True)
        ok = pc.match_substring_regex(text, plain[0])
        if fn is normalize_email:  # it also wants more than three characters
            ok = pc.and_(ok, pc.greater(pc.utf8_length(text), 3))
        if plain[2]:
            ok = pc.and_(ok, pc.invert(pc.match_substring_regex(text, plain[2], ignore_case=True)))
        ok = pc.fill_null(ok, False).to_numpy(zero_copy_only=False)
        if ok.any():
            done = pc.filter(text, pa.array(ok))
            mapped[:-1][ok] = (pc.utf8_lower(done) if plain[1] else done).to_numpy(zero_copy_only=False)
            todo = ~ok
    mapped[:-1][todo] = [fn(u) for u in np.asarray(uniques, dtype=object)[todo]]
    mapped[-1] = None
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _name_company_links(p: pd.DataFrame, em: pd.DataFrame, cluster: np.ndarray):
    """Pairs of clusters (anchor, other) that share a name and company and do not conflict.

    Within each (name, company) group the anchor is the first cluster met; only
    groups spanning several clusters are looked at one by one.
    """
    # (name, company) pairs as one integer: deduplicating and grouping integers is far cheaper than text.
    name_code, _ = pd.factorize(p["_name"])
    company_code, _ = pd.factorize(p["_company"])
    has = (name_code >= 0) & (company_code >= 0)
    pair = name_code[has] * (int(company_code.max()) + 1) + company_code[has]
    named = pd.DataFrame({"pair": pair, "k": cluster[has]}).drop_duplicates()
    named = named[named.duplicated("pair", keep=False)]  # pairs met in several clusters
    if named.empty:
        return [], []
    involved = set(named["k"])
    summary: dict = {k: (set(), set()) for k in involved}
    e_k = cluster[em["rec"].to_numpy()]
    for k, e in zip(e_k, em["email"]):
        if k in summary:
            summary[k][0].add(e)
    for k, u in zip(cluster, p["_url"]):
        if k in summary and isinstance(u, str):
            summary[k][1].add(u)
    extra_rec, extra_to = [], []
    for _, grp in named.groupby("pair", sort=False):
        clusters = list(dict.fromkeys(grp["k"]))
        anchor = clusters[0]
        for c in clusters[1:]:
            if not _conflict(summary[anchor], summary[c]):
                extra_rec.append(anchor); extra_to.append(c)
    return extra_rec, extra_to


def _conflict(a, b) -> bool:
    emails_a, urls_a = a
    emails_b, urls_b = b
    if emails_a and emails_b and not (emails_a & emails_b):
        return True
    if urls_a and urls_b and not (urls_a & urls_b):
        return True
    return False


def owner_keys(owner) -> set[str]:
    """Identity keys (``email:``/``url:``/``name:``) of the owner stated by e-mail, profile URL or name."""
    keys = set()
    for o in owner or ():
        if not o:
            continue
        e = normalize_email(o)
        if e:
            keys.add("email:" + e)
            continue
        if "/" in str(o) or "linkedin" in str(o).lower():
            u = normalize_url(o)
            if u:
                keys.add("url:" + u)
                continue
        f = fold(o)
        if f:
            keys.add("name:" + f)
    return keys


def _is_given(values) -> np.ndarray:
    """Where a value is given: not None, NaN, NA or empty text."""
    s = pd.Series(values, dtype=object)
    return (s.notna() & (s.astype(str) != "")).to_numpy(dtype=bool)


def _first_per_cluster(c: np.ndarray, values: pd.Series, n: int) -> np.ndarray:
    """The first given value of each cluster, in record order (None where there is none)."""
    out = np.full(n, None, dtype=object)
    given = _is_given(values.to_numpy(dtype=object))
    d = pd.DataFrame({"c": c[given], "v": values.to_numpy(dtype=object)[given]}).drop_duplicates("c")
    out[d["c"].to_numpy()] = d["v"].to_numpy()
    return out


def _alone(c: np.ndarray, n: int) -> np.ndarray:
    """Which items are the only one of their cluster: their value is the cluster's, as it is."""
    return np.bincount(c, minlength=n)[c] == 1


def _sorted_sets(c: np.ndarray, values, n: int, rec=None) -> tuple[list[list], np.ndarray]:
    """For each cluster 0..n-1, the sorted distinct values it holds, and the first of them (None if none).

    `values` (none missing) belong to records `rec` (default: one record each); the
    values of one record must come sorted and distinct. A cluster fed by a single
    record (most of them) then takes its values as they come; only the values of
    clusters fed by several records are sorted, on integer codes (values factorized
    in sorted order), not on the text.
    """
    c = np.asarray(c, dtype=np.int64)
    values = np.asarray(values, dtype=object)
    if rec is None:
        several = ~_alone(c, n)
    else:
        _, first = np.unique(np.asarray(rec), return_index=True)  # one item per record
        several = (np.bincount(c[first], minlength=n) > 1)[c]
    if several.any():
        codes, uniques = pd.factorize(pd.Series(values[several], dtype=object), sort=True)
        m = max(len(uniques), 1)
        pairs = np.unique(c[several] * m + codes)  # sorted by cluster, then value
        c = np.concatenate([c[~several], pairs // m])
        values = np.concatenate([values[~several], np.asarray(uniques, dtype=object)[pairs % m]])
    order = np.argsort(c, kind="stable")  # by cluster; within one, as they came
    counts = np.bincount(c, minlength=n)
    ends = np.cumsum(counts)
    values = values[order]
    first = np.full(n, None, dtype=object)
    first[counts > 0] = values[(ends - counts)[counts > 0]]
    items = values.tolist()
    ends = ends.tolist()
    return [items[a:b] for a, b in zip([0] + ends[:-1], ends)], first


def _min_per_cluster(c: np.ndarray, values, n: int) -> np.ndarray:
    """The smallest value of each cluster (None where it has none)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=True)
    given = codes >= 0
    best = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, np.asarray(c)[given], codes[given])
    out = np.full(n, None, dtype=object)
    has = best < len(uniques)
    out[has] = np.asarray(uniques, dtype=object)[best[has]]
    return out


def _most_frequent_names(c: np.ndarray, names: np.ndarray, n: int) -> np.ndarray:
    """The most frequent non-blank name of each cluster; ties go to the one met first.

    A cluster with a single named record takes that name; only clusters with
    several are counted (grouped on cluster and name).
    """
    named = np.fromiter((isinstance(x, str) and bool(x.strip()) for x in names), dtype=bool, count=len(names))
    pos = np.flatnonzero(named)
    out = np.full(n, None, dtype=object)
    alone = _alone(c[pos], n)
    out[c[pos[alone]]] = names[pos[alone]]
    pos = pos[~alone]
    if len(pos):
        nm = pd.DataFrame({"c": c[pos], "v": pd.Series(names[pos], dtype=object), "pos": pos})
        nm = nm.groupby(["c", "v"], sort=False).agg(count=("pos", "size"), first=("pos", "min")).reset_index()
        nm = nm.sort_values(["c", "count", "first"], ascending=[True, False, True], kind="stable")
        nm = nm.drop_duplicates("c")
        out[nm["c"].to_numpy()] = nm["v"].to_numpy(dtype=object)
    return out


def _canonical_ids(c: np.ndarray, refs: pd.Series, n: int) -> np.ndarray:
    """Each cluster's id from the user's own files (None if it has no ``canonical:`` ref).

    A plain id is preferred to an e-mail used as an id, then the smallest. A
    cluster with one canonical ref takes it; only those with several are sorted.
    """
    is_canonical = refs.str.startswith("canonical:").to_numpy(dtype=bool)
    cc = c[is_canonical]
    ids = refs[is_canonical].str.slice(10).to_numpy(dtype=object)
    out = np.full(n, None, dtype=object)
    alone = _alone(cc, n)
    out[cc[alone]] = ids[alone]
    if not alone.all():
        can = pd.DataFrame({"c": cc[~alone], "r": pd.Series(ids[~alone], dtype=object)})
        can["at"] = can["r"].str.contains("@", regex=False)
        can = can.sort_values(["c", "at", "r"], kind="stable").drop_duplicates("c")
        out[can["c"].to_numpy()] = can["r"].to_numpy(dtype=object)
    return out


def _contact_ids(c, p: pd.DataFrame, refs: pd.Series, canonical_id, first_email, first_url, n: int) -> np.ndarray:
    """Each cluster's contact id: its canonical id, else a hash of its smallest e-mail,
    else of its smallest URL, else of its name and company (and smallest ref if nameless).

    Each rule is applied only to the clusters it decides, so names, companies and
    refs are looked at only for clusters with no id, e-mail or URL.
    """
    cids = canonical_id.copy()
    todo = pd.isna(cids)
    for kind, first in (("email", first_email), ("url", first_url)):
        use = todo & pd.notna(first)
        cids[use] = [stable_id(kind, v) for v in first[use]]
        todo &= ~use
    if todo.any():
        rows = todo[c]
        first_name = _first_per_cluster(c[rows], p["_name"][rows], n)
        first_company = _first_per_cluster(c[rows], p["_company"][rows], n)
        min_ref = _min_per_cluster(c[rows], refs[rows].to_numpy(dtype=object), n)
        for k in np.flatnonzero(todo):
            nm_k = first_name[k] or ""
            co_k = first_company[k] or ""
            cids[k] = stable_id("name", nm_k, co_k, min_ref[k] if not nm_k else "")
    return cids


def _ref_sources(refs: pd.Series) -> np.ndarray:
    """The source of each ref (its text before the first ``:``), one Python string per distinct source."""
    text = arrow_strings(refs)  # one array: one dictionary for all
    src = pc.list_element(pc.split_pattern(text, ":", max_splits=1), 0).dictionary_encode()
    return np.asarray(src.dictionary.to_pylist(), dtype=object)[src.indices.to_numpy()]


def _without_pd_na(values: pd.Series) -> pd.Series:
    """`pd.NA` replaced by None in an object column, other values untouched.

    `pd.to_datetime` reads both as NaT, but takes a slow path for pd.NA.
    """
    if values.dtype != object:
        return values
    arr = values.to_numpy(dtype=object)
    missing = np.flatnonzero(pd.isna(arr))
    is_na = np.fromiter((x is pd.NA for x in arr[missing]), dtype=bool, count=len(missing))
    if not is_na.any():
        return values
    arr = arr.copy()
    arr[missing[is_na]] = None
    return pd.Series(arr, index=values.index, dtype=object)


def _merge(p: pd.DataFrame, em: pd.DataFrame, owner_keys: set[str]):
    """One contact per cluster, clusters in order of their first record (vectorised)."""
    c, _ = pd.factorize(p["_cluster"])  # cluster numbers in order of first appearance
    n = int(c.max()) + 1
    refs = p["ref"].astype(str).astype("string[pyarrow]")  # arrow-backed: fast string operations
    em_c = c[em["rec"].to_numpy()]
    emails, first_email = _sorted_sets(em_c, em["email"], n, rec=em["rec"].to_numpy())
    has_url = p["_url"].notna().to_numpy()
    first_url = _min_per_cluster(c[has_url], p["_url"][has_url], n)  # the smallest is the cluster's URL
    name = _most_frequent_names(c, p["name"].to_numpy(dtype=object), n)
    cids = _contact_ids(c, p, refs, _canonical_ids(c, refs, n), first_email, first_url, n)

    is_owner = np.zeros(n, dtype=bool)
    if owner_keys:
        o_email = em["email"].map(lambda e: "email:" + e in owner_keys).to_numpy(dtype=bool)
        is_owner[em_c[o_email]] = True
        o_rec = np.fromiter(((isinstance(u, str) and "url:" + u in owner_keys)
                             or (isinstance(x, str) and bool(x) and "name:" + x in owner_keys)
                             for u, x in zip(p["_url"], p["_name"])), dtype=bool, count=len(p))
        is_owner[c[o_rec]] = True
    owner_ids = set(cids[is_owner])

    fs = pd.to_datetime(_without_pd_na(p["first_seen"]), utc=True, errors="coerce")
    first_seen = fs.reset_index(drop=True).groupby(c).min().reindex(range(n))
    sources, _ = _sorted_sets(c, _ref_sources(refs), n)
    # Text columns are made "string" at once (from object arrays a frame would first infer `str`).
    contacts = pd.DataFrame({
        "contact_id": pd.array(cids, dtype="string"),
        "name": pd.array(name, dtype="string"),
        "emails": emails,
        "company": pd.array(_first_per_cluster(c, p["company"], n), dtype="string"),
        "title": pd.array(_first_per_cluster(c, p["title"], n), dtype="string"),
        "linkedin_url": pd.array(first_url, dtype="string"),
        "sources": sources,
        "first_seen": first_seen.array,
    })
    ref_map = pd.Series(cids[c], index=pd.Index(refs.to_numpy(dtype=object), dtype=object), dtype=object)
    ref_code = p["_ref_code"].to_numpy()
    if ref_code.max() + 1 < len(ref_code):  # some ref met twice: it maps as its last record does
        ref_map = ref_map[~pd.Index(ref_code).duplicated(keep="last")]
    # Different clusters can hash to the same id only if they share the key: merge such ids.
    # The owner is no contact.
    keep = ~(contacts["contact_id"].duplicated(keep="first").to_numpy() | is_owner)
    if not keep.all():
        contacts = contacts[keep].reset_index(drop=True)
    contacts["first_seen"] = pd.to_datetime(contacts["first_seen"], utc=True)
    return contacts, ref_map, owner_ids

"""Merging one person seen in several sources into one contact.

Records are one person when they share a normalised e-mail or LinkedIn URL;
otherwise when their normalised name and company agree and no e-mail or URL
of theirs conflicts. Links are transitive (connected components of the
record-identifier graph, computed with scipy's sparse graph routines).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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


def resolve(people: pd.DataFrame, owner: list[str] | tuple = ()) -> tuple[pd.Series, pd.DataFrame, set[str]]:
    """Cluster person records into contacts.

    Vectorised over records and clusters (groupby, factorize, sparse connected
    components), so 100k+ records merge in about a second; only groups that
    share a name and company across several clusters are checked one by one.

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
    from .vocab import empty_contacts

    if people.empty:
        return pd.Series(dtype=str), empty_contacts(), set()
    p = people.reset_index(drop=True).copy()
    n = len(p)
    # One row per (record, normalised e-mail), each pair once, e-mails sorted within a record.
    lists = [v if isinstance(v, (list, tuple, np.ndarray)) else () for v in p["emails"]]
    lengths = np.fromiter(map(len, lists), dtype="int64", count=n)
    flat = pd.Series([e for lst in lists for e in lst], dtype=object)
    em = pd.DataFrame({"rec": np.repeat(np.arange(n), lengths),
                       "email": _map_unique(flat, normalize_email).to_numpy()})
    em = em[em["email"].notna()].drop_duplicates().sort_values(["rec", "email"], kind="stable").reset_index(drop=True)
    # Object columns keep None as None (a string column would turn it into NaN).
    p["_url"] = _map_unique(p["linkedin_url"], normalize_url)
    p["_name"] = _map_unique(p["name"], fold)
    p["_company"] = _map_unique(p["company"], normalize_company)

    # Records with the same ref are the same person by construction.
    has_url = p["_url"].notna().to_numpy()
    keys = pd.concat([
        pd.DataFrame({"rec": np.arange(n), "key": "ref:" + p["ref"].astype(str).astype(object)}),
        pd.DataFrame({"rec": em["rec"].to_numpy(), "key": "email:" + em["email"].astype(object)}),
        pd.DataFrame({"rec": np.flatnonzero(has_url), "key": "url:" + p.loc[has_url, "_url"].astype(object)}),
    ], ignore_index=True)
    codes, uniques = pd.factorize(keys["key"])
    m = len(uniques)
    graph = coo_matrix((np.ones(len(keys)), (keys["rec"].to_numpy(), n + codes)), shape=(n + m, n + m))
    _, label = connected_components(graph, directed=False)
    cluster = label[:n]

    # Name + company: link clusters whose e-mails and URLs do not conflict.
    extra_rec, extra_to = _name_company_links(p, em, cluster)
    if extra_rec:
        k = int(cluster.max()) + 1
        g2 = coo_matrix((np.ones(len(extra_rec)), (extra_rec, extra_to)), shape=(k, k))
        _, relabel = connected_components(g2, directed=False)
        cluster = relabel[cluster]
    p["_cluster"] = cluster

    owner_ids_keys = owner_keys(owner)
    contacts, ref_map, owner_ids = _merge(p, em, owner_ids_keys)
    return ref_map, contacts, owner_ids


# Values these patterns match are already what the normaliser would return (lower-cased
# for names): they are mapped with pyarrow, and only the rest go through Python.
_PLAIN = {
    "normalize_email": (r"^[a-z0-9._%+'-]+@[a-z0-9.-]+$", False),
    "fold": (r"^[A-Za-z0-9]+( [A-Za-z0-9]+)*$", True),
}


def _map_unique(values: pd.Series, fn) -> pd.Series:
    """`fn` applied once per distinct value; missing values map to None (object dtype)."""
    values = pd.Series(values).astype(object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    todo = np.ones(len(uniques), dtype=bool)
    plain = _PLAIN.get(getattr(fn, "__name__", ""))
    if plain and len(uniques):
        text = pa.array(np.asarray(uniques, dtype=object), type=pa.string(), from_pandas=True)
        ok = pc.fill_null(pc.match_substring_regex(text, plain[0]), False)
        if fn is normalize_email:  # it also wants more than three characters
            ok = pc.and_(ok, pc.greater(pc.utf8_length(text), 3))
        ok = ok.to_numpy(zero_copy_only=False)
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
    named = pd.DataFrame({"n": p["_name"], "c": p["_company"], "k": cluster})
    named = named[named["n"].notna() & named["c"].notna()].drop_duplicates()
    named = named[named.groupby(["n", "c"], sort=False)["k"].transform("size") > 1]
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
    for _, grp in named.groupby(["n", "c"], sort=False):
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


def _sorted_sets(c: np.ndarray, values, n: int) -> list[list]:
    """For each cluster 0..n-1, the sorted distinct values it holds.

    Sorted on integer codes (values factorized in sorted order), not on the text.
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=True)
    given = codes >= 0
    m = max(len(uniques), 1)
    pairs = np.unique(np.asarray(c, dtype=np.int64)[given] * m + codes[given])  # sorted by cluster, then value
    items = np.asarray(uniques, dtype=object)[pairs % m].tolist()
    ends = np.cumsum(np.bincount(pairs // m, minlength=n)).tolist()
    return [items[a:b] for a, b in zip([0] + ends[:-1], ends)]


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


def _merge(p: pd.DataFrame, em: pd.DataFrame, owner_keys: set[str]):
    """One contact per cluster, clusters in order of their first record (vectorised)."""
    c, _ = pd.factorize(p["_cluster"])  # cluster numbers in order of first appearance
    n = int(c.max()) + 1
    refs = p["ref"].astype(str).astype("string[pyarrow]")  # arrow-backed: fast string operations
    em_c = c[em["rec"].to_numpy()]
    emails = _sorted_sets(em_c, em["email"], n)
    has_url = p["_url"].notna().to_numpy()
    urls = _sorted_sets(c[has_url], p.loc[has_url, "_url"], n)

    # The most frequent non-blank name; ties go to the one met first.
    names = p["name"].to_numpy(dtype=object)
    named = np.fromiter((isinstance(x, str) and bool(x.strip()) for x in names), dtype=bool, count=len(names))
    nm = pd.DataFrame({"c": c[named], "v": names[named], "pos": np.flatnonzero(named)})
    nm = nm.groupby(["c", "v"], sort=False).agg(count=("pos", "size"), first=("pos", "min")).reset_index()
    nm = nm.sort_values(["c", "count", "first"], ascending=[True, False, True], kind="stable").drop_duplicates("c")
    name = np.full(n, None, dtype=object)
    name[nm["c"].to_numpy()] = nm["v"].to_numpy()

    # The user's own ids win; a plain id is preferred to an e-mail used as an id.
    is_canonical = refs.str.startswith("canonical:").to_numpy(dtype=bool)
    can = pd.DataFrame({"c": c[is_canonical], "r": refs[is_canonical].str.slice(10).to_numpy(dtype=object)})
    can["at"] = can["r"].str.contains("@", regex=False)
    can = can.sort_values(["c", "at", "r"], kind="stable").drop_duplicates("c")
    canonical_id = np.full(n, None, dtype=object)
    canonical_id[can["c"].to_numpy()] = can["r"].to_numpy()
    first_name = _first_per_cluster(c, p["_name"], n)
    first_company = _first_per_cluster(c, p["_company"], n)
    min_ref = _min_per_cluster(c, refs.to_numpy(dtype=object), n)
    cids = []
    for k in range(n):
        if canonical_id[k] is not None:
            cids.append(canonical_id[k])
        elif emails[k]:
            cids.append(stable_id("email", emails[k][0]))
        elif urls[k]:
            cids.append(stable_id("url", urls[k][0]))
        else:
            nm_k = first_name[k] or ""
            co_k = first_company[k] or ""
            cids.append(stable_id("name", nm_k, co_k, min_ref[k] if not nm_k else ""))
    cids = np.asarray(cids, dtype=object)

    is_owner = np.zeros(n, dtype=bool)
    if owner_keys:
        o_email = em["email"].map(lambda e: "email:" + e in owner_keys).to_numpy(dtype=bool)
        is_owner[em_c[o_email]] = True
        o_rec = np.fromiter(((isinstance(u, str) and "url:" + u in owner_keys)
                             or (isinstance(x, str) and bool(x) and "name:" + x in owner_keys)
                             for u, x in zip(p["_url"], p["_name"])), dtype=bool, count=len(p))
        is_owner[c[o_rec]] = True
    owner_ids = set(cids[is_owner])

    fs = pd.to_datetime(p["first_seen"], utc=True, errors="coerce")
    first_seen = fs.reset_index(drop=True).groupby(c).min().reindex(range(n))
    sources = _sorted_sets(c, pc.list_element(pc.split_pattern(pa.array(refs), ":", max_splits=1), 0).to_pandas(), n)
    contacts = pd.DataFrame({
        "contact_id": cids,
        "name": name,
        "emails": emails,
        "company": _first_per_cluster(c, p["company"], n),
        "title": _first_per_cluster(c, p["title"], n),
        "linkedin_url": np.array([u[0] if u else None for u in urls], dtype=object),
        "sources": sources,
        "first_seen": first_seen.array,
        "_owner": is_owner,
    })
    ref_map = pd.Series(cids[c], index=pd.Index(refs.to_numpy(dtype=object), dtype=object), dtype=object)
    ref_map = ref_map[~ref_map.index.duplicated(keep="last")]
    # Different clusters can hash to the same id only if they share the key: merge such ids.
    contacts = contacts.drop_duplicates("contact_id", keep="first")
    contacts = contacts[~contacts["_owner"]].drop(columns="_owner").reset_index(drop=True)
    contacts["first_seen"] = pd.to_datetime(contacts["first_seen"], utc=True)
    for col in ("contact_id", "name", "company", "title", "linkedin_url"):
        contacts[col] = contacts[col].astype("string")
    return contacts, ref_map, owner_ids

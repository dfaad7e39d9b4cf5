"""The per-cluster identity merge as it was before vectorisation (commit fbe94e0).

A reference implementation for tests/test_scale.py: the vectorised
`netanalysis.io.identity.resolve` must give the same contacts, ref map and owner ids.
"""

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from netanalysis.io.identity import _conflict, fold, normalize_company, normalize_email, normalize_url, stable_id
from netanalysis.io.identity import owner_keys as _owner_keys


def reference_resolve(people: pd.DataFrame, owner: list[str] | tuple = ()) -> tuple[pd.Series, pd.DataFrame, set[str]]:
    """Cluster person records into contacts.

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
    from netanalysis.io.schema import empty_contacts

    if people.empty:
        return pd.Series(dtype=str), empty_contacts(), set()
    p = people.reset_index(drop=True).copy()
    n = len(p)
    p["_email_list"] = [
        sorted({e for e in (normalize_email(x) for x in (lst if isinstance(lst, (list, tuple, np.ndarray)) else [])) if e})
        for lst in p["emails"]
    ]
    # Object columns keep None as None (a string column would turn it into NaN).
    p["_url"] = pd.Series([normalize_url(u) for u in p["linkedin_url"]], index=p.index, dtype=object)
    p["_name"] = pd.Series([fold(x) for x in p["name"]], index=p.index, dtype=object)
    p["_company"] = pd.Series([normalize_company(x) for x in p["company"]], index=p.index, dtype=object)

    keys_rec, keys_val = [], []
    # Records with the same ref are the same person by construction.
    for i, ref in enumerate(p["ref"]):
        keys_rec.append(i); keys_val.append("ref:" + str(ref))
    for i, lst in enumerate(p["_email_list"]):
        for e in lst:
            keys_rec.append(i); keys_val.append("email:" + e)
    for i, u in enumerate(p["_url"]):
        if isinstance(u, str):
            keys_rec.append(i); keys_val.append("url:" + u)
    keys = pd.DataFrame({"rec": keys_rec, "key": keys_val})
    codes, uniques = pd.factorize(keys["key"])
    m = len(uniques)
    graph = coo_matrix((np.ones(len(keys)), (keys["rec"].to_numpy(), n + codes)), shape=(n + m, n + m))
    _, label = connected_components(graph, directed=False)
    cluster = label[:n]

    # Name + company: link clusters whose e-mails and URLs do not conflict.
    p["_cluster"] = cluster
    summary = _cluster_identifiers(p)
    named = p[p["_name"].notna() & p["_company"].notna()]
    extra_rec, extra_to = [], []
    for (_, _), grp in named.groupby(["_name", "_company"], sort=False):
        clusters = list(dict.fromkeys(grp["_cluster"]))
        if len(clusters) < 2:
            continue
        anchor = clusters[0]
        for c in clusters[1:]:
            if not _conflict(summary[anchor], summary[c]):
                extra_rec.append(anchor); extra_to.append(c)
    if extra_rec:
        k = int(cluster.max()) + 1
        g2 = coo_matrix((np.ones(len(extra_rec)), (extra_rec, extra_to)), shape=(k, k))
        _, relabel = connected_components(g2, directed=False)
        cluster = relabel[cluster]
    p["_cluster"] = cluster

    owner_keys = _owner_keys(owner)
    contacts, ref_map, owner_ids = _merge(p, owner_keys)
    return ref_map, contacts, owner_ids


def _cluster_identifiers(p: pd.DataFrame) -> dict:
    out: dict = {}
    for c, e, u in zip(p["_cluster"], p["_email_list"], p["_url"]):
        d = out.setdefault(c, (set(), set()))
        d[0].update(e)
        if isinstance(u, str):
            d[1].add(u)
    return out


def _first(values):
    for v in values:
        if v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA and str(v) != "":
            return v
    return None


def _merge(p: pd.DataFrame, owner_keys: set[str]):
    rows = []
    ref_rows = []
    owner_ids: set[str] = set()
    p = p.copy()
    p["_src"] = p["ref"].astype(str).str.split(":", n=1).str[0]
    for _, grp in p.groupby("_cluster", sort=False):
        emails = sorted({e for lst in grp["_email_list"] for e in lst})
        urls = sorted({u for u in grp["_url"] if isinstance(u, str)})
        names = [x for x in grp["name"] if isinstance(x, str) and x.strip()]
        name = pd.Series(names).value_counts().index[0] if names else None
        # The user's own ids win; a plain id is preferred to an e-mail used as an id.
        canonical_refs = sorted((r.split(":", 1)[1] for r in grp["ref"] if str(r).startswith("canonical:")),
                                key=lambda r: ("@" in r, r))
        if canonical_refs:
            cid = canonical_refs[0]
        elif emails:
            cid = stable_id("email", emails[0])
        elif urls:
            cid = stable_id("url", urls[0])
        else:
            nm = _first(grp["_name"]) or ""
            co = _first(grp["_company"]) or ""
            cid = stable_id("name", nm, co, min(map(str, grp["ref"])) if not nm else "")
        keys = {"email:" + e for e in emails} | {"url:" + u for u in urls}
        keys |= {"name:" + n for n in grp["_name"] if isinstance(n, str) and n}
        is_owner = bool(owner_keys & keys)
        if is_owner:
            owner_ids.add(cid)
        fs = pd.to_datetime(grp["first_seen"], utc=True, errors="coerce")
        rows.append({
            "contact_id": cid,
            "name": name,
            "emails": emails,
            "company": _first(grp["company"]),
            "title": _first(grp["title"]),
            "linkedin_url": urls[0] if urls else None,
            "sources": sorted(set(grp["_src"])),
            "first_seen": fs.min() if fs.notna().any() else pd.NaT,
            "_owner": is_owner,
        })
        ref_rows.extend((r, cid) for r in grp["ref"])
    contacts = pd.DataFrame(rows)
    ref_map = pd.Series(dict(ref_rows), dtype=object)
    # Different clusters can hash to the same id only if they share the key: merge such ids.
    contacts = contacts.drop_duplicates("contact_id", keep="first")
    contacts = contacts[~contacts["_owner"]].drop(columns="_owner").reset_index(drop=True)
    contacts["first_seen"] = pd.to_datetime(contacts["first_seen"], utc=True)
    for c in ("contact_id", "name", "company", "title", "linkedin_url"):
        contacts[c] = contacts[c].astype("string")
    return contacts, ref_map, owner_ids

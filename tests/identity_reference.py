"""An independent reference for identity resolution, written from DESIGN.md's identity rules.

It imports nothing from `netanalysis`: the normalisation, the linking and the merge are
written here again, slowly and plainly (a dict-based union-find, one cluster at a time),
so `netanalysis.io.identity.resolve` is checked against a second reading of the rules
rather than against its own helpers. The rules (DESIGN.md, "Identity"):

- records are one person when they share a normalised e-mail (case-insensitive) or a
  normalised LinkedIn URL (percent-decoded, no scheme, `www`, query or trailing slash;
  a country subdomain such as ``de.linkedin.com`` is the same profile);
- records that share neither are one person when their normalised names (Unicode-folded,
  case-insensitive) and companies agree and no e-mail or URL of theirs conflicts;
- links are transitive; the owner of the exports is never a contact.

The contact id is the package's documented id scheme: the user's own canonical id when there
is one, else ``"c"`` + the first 12 hex digits of the SHA-1 of the kind and the key.
"""

import hashlib
import re
import unicodedata
from urllib.parse import unquote

import pandas as pd

COMPANY_SUFFIXES = ("inc", "llc", "ltd", "limited", "gmbh", "corp", "corporation", "co", "plc", "sa", "ag", "bv")
CONTACT_COLUMNS = ["contact_id", "name", "emails", "company", "title", "linkedin_url", "sources", "first_seen"]


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def email_key(value) -> str | None:
    """Lower-cased address without `mailto:` or angle brackets; None unless it looks like one."""
    if _missing(value):
        return None
    v = str(value).strip().strip("<>").strip()
    if v.lower().startswith("mailto:"):
        v = v[len("mailto:"):]
    v = v.strip().lower()
    return v if "@" in v and " " not in v and len(v) > 3 else None


def url_key(value) -> str | None:
    """Percent-decoded, lower-cased, without scheme, `www.`, query, fragment, trailing slash or country subdomain."""
    if _missing(value):
        return None
    v = unquote(str(value).strip())
    if "://" in v and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", v.split("://", 1)[0]):
        v = v.split("://", 1)[1]
    for cut in "?#":
        v = v.split(cut, 1)[0]
    if v.lower().startswith("www."):
        v = v[4:]
    v = v.rstrip("/").lower()
    head, sep, rest = v.partition(".linkedin.com/")
    if sep and len(head) == 2 and head.isalpha() and head.isascii():
        v = "linkedin.com/" + rest
    return v or None


def name_key(value) -> str | None:
    """Accents removed (NFKD), case-folded, punctuation turned into spaces, spaces collapsed."""
    if _missing(value):
        return None
    v = unicodedata.normalize("NFKD", str(value))
    v = "".join(ch for ch in v if not unicodedata.combining(ch)).casefold()
    v = "".join(ch if (ch.isalnum() or ch == "_" or ch.isspace()) else " " for ch in v)
    return " ".join(v.split()) or None


def company_key(value) -> str | None:
    """The name key without legal-form words (Inc, GmbH, ...)."""
    v = name_key(value)
    if v is None:
        return None
    return " ".join(w for w in v.split() if w not in COMPANY_SUFFIXES) or None


def contact_id_for(*parts: str) -> str:
    return "c" + hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:12]


def owner_identity(owner) -> set[str]:
    """The owner's keys: an e-mail, else a profile URL (has a slash or says linkedin), else a name."""
    keys = set()
    for o in owner or ():
        if not o:
            continue
        if email_key(o):
            keys.add("email:" + email_key(o))
        elif ("/" in str(o) or "linkedin" in str(o).lower()) and url_key(o):
            keys.add("url:" + url_key(o))
        elif name_key(o):
            keys.add("name:" + name_key(o))
    return keys


class _Components:
    """Union-find over hashable items: the transitive closure of the links."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _emails_of(value) -> list[str]:
    items = list(value) if pd.api.types.is_list_like(value) and not isinstance(value, (str, dict)) else []
    return sorted({e for e in (email_key(x) for x in items) if e})


def _clusters(records: list[dict]) -> list[int]:
    """Cluster number of each record: shared ref, e-mail or URL, then name + company without conflict."""
    links = _Components()
    for i, r in enumerate(records):
        links.find(("rec", i))
        for key in ["ref:" + r["ref"], *("email:" + e for e in r["emails"]), *(["url:" + r["url"]] if r["url"] else [])]:
            links.union(("rec", i), ("key", key))
    first_stage = [links.find(("rec", i)) for i in range(len(records))]
    ids: dict = {}
    for i, root in enumerate(first_stage):
        emails, urls = ids.setdefault(root, (set(), set()))
        emails.update(records[i]["emails"])
        if records[i]["url"]:
            urls.add(records[i]["url"])

    def conflict(a, b) -> bool:
        return any(x and y and not (x & y) for x, y in zip(ids[a], ids[b]))

    by_name: dict = {}
    for i, r in enumerate(records):
        if r["name_key"] and r["company_key"]:
            groups = by_name.setdefault((r["name_key"], r["company_key"]), [])
            if first_stage[i] not in groups:
                groups.append(first_stage[i])
    merged = _Components()
    for groups in by_name.values():
        anchor = groups[0]
        for other in groups[1:]:
            if not conflict(anchor, other):
                merged.union(anchor, other)
    return [merged.find(root) for root in first_stage]


def _first_given(values):
    for v in values:
        if not _missing(v) and str(v) != "":
            return v
    return None


def _contact(members: list[dict], owner: set[str]) -> tuple[dict, bool]:
    emails = sorted({e for r in members for e in r["emails"]})
    urls = sorted({r["url"] for r in members if r["url"]})
    names = [r["name"] for r in members if isinstance(r["name"], str) and r["name"].strip()]
    own_ids = sorted((r["ref"].split(":", 1)[1] for r in members if r["ref"].startswith("canonical:")),
                     key=lambda x: ("@" in x, x))
    if own_ids:
        cid = own_ids[0]
    elif emails:
        cid = contact_id_for("email", emails[0])
    elif urls:
        cid = contact_id_for("url", urls[0])
    else:
        nm = _first_given(r["name_key"] for r in members) or ""
        co = _first_given(r["company_key"] for r in members) or ""
        cid = contact_id_for("name", nm, co, min(r["ref"] for r in members) if not nm else "")
    keys = {"email:" + e for e in emails} | {"url:" + u for u in urls}
    keys |= {"name:" + r["name_key"] for r in members if r["name_key"]}
    seen = pd.to_datetime(pd.Series([r["first_seen"] for r in members], dtype=object), utc=True, errors="coerce")
    return {
        "contact_id": cid,
        "name": pd.Series(names).value_counts().index[0] if names else None,
        "emails": emails,
        "company": _first_given(r["company"] for r in members),
        "title": _first_given(r["title"] for r in members),
        "linkedin_url": urls[0] if urls else None,
        "sources": sorted({r["ref"].split(":", 1)[0] for r in members}),
        "first_seen": seen.min() if seen.notna().any() else pd.NaT,
    }, bool(owner & keys)


def reference_resolve(people: pd.DataFrame, owner: list[str] | tuple = ()) -> tuple[pd.Series, pd.DataFrame, set[str]]:
    """Cluster person records into contacts, one record and one cluster at a time.

    Parameters
    ----------
    people : frame with `ref` (namespaced, e.g. ``linkedin:...``), `name`, `emails` (lists),
        `company`, `title`, `linkedin_url`, `first_seen`.
    owner : e-mails, URLs or names of the person whose exports these are.

    Returns
    -------
    ref_to_contact : Series mapping every ref to its contact_id
    contacts : the merged contacts table (owner excluded), in order of each contact's first record
    owner_ids : contact_ids that are the owner
    """
    records = [{
        "ref": str(r["ref"]), "name": r["name"], "company": r["company"], "title": r["title"],
        "first_seen": r["first_seen"], "emails": _emails_of(r["emails"]), "url": url_key(r["linkedin_url"]),
        "name_key": name_key(r["name"]), "company_key": company_key(r["company"]),
    } for r in people.to_dict("records")]
    cluster = _clusters(records)
    order = list(dict.fromkeys(cluster))
    owner = owner_identity(owner)
    rows, ref_map, owner_ids, seen_ids = [], {}, set(), set()
    for c in order:
        members = [r for r, k in zip(records, cluster) if k == c]
        contact, is_owner = _contact(members, owner)
        ref_map.update({r["ref"]: contact["contact_id"] for r in members})
        if is_owner:
            owner_ids.add(contact["contact_id"])
        # Different clusters can hash to the same id only if they share the key: the first one stands.
        if contact["contact_id"] not in seen_ids:
            seen_ids.add(contact["contact_id"])
            if not is_owner:
                rows.append(contact)
    contacts = pd.DataFrame(rows, columns=CONTACT_COLUMNS)
    contacts["first_seen"] = pd.to_datetime(contacts["first_seen"], utc=True)
    for col in ("contact_id", "name", "company", "title", "linkedin_url"):
        contacts[col] = contacts[col].astype("string")
    return pd.Series(ref_map, dtype=object), contacts, owner_ids

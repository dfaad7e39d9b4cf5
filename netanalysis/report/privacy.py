"""Stable pseudonyms for names, e-mails, companies and profile URLs (`--anonymize`).

A keyed hash (HMAC-SHA256) maps each original string to the same pseudonym on
every run, so reports stay comparable across periods, while the key (kept out
of git) prevents anyone from reversing a pseudonym by hashing guesses.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from netanalysis.paths import ROOT

KEY_FILE = ROOT / ".netanalysis_key"


def load_key(path: Path | None = None) -> bytes:
    """The pseudonym key: $NETANALYSIS_KEY, else a git-ignored key file made on first use."""
    env = os.environ.get("NETANALYSIS_KEY")
    if env:
        return env.encode("utf-8")
    path = Path(path or KEY_FILE)
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        with contextlib.suppress(OSError):
            path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


class Pseudonymizer:
    """Maps originals to pseudonyms with a keyed hash.

    >>> p = Pseudonymizer(b"k")
    >>> p.name("Ann Lee") == p.name("Ann Lee"), p.name("Ann Lee").startswith("Person ")
    (True, True)
    """

    def __init__(self, key: bytes):
        self.key = key

    def _digest(self, kind: str, value: str) -> str:
        return hmac.new(self.key, f"{kind}|{value}".encode(), hashlib.sha256).hexdigest()[:8]

    def name(self, v):
        return None if _missing(v) else f"Person {self._digest('name', str(v).strip().casefold())}"

    def company(self, v):
        return None if _missing(v) else f"Company {self._digest('company', str(v).strip().casefold())}"

    def email(self, v):
        return None if _missing(v) else f"{self._digest('email', str(v).strip().lower())}@example.invalid"

    def url(self, v):
        return None if _missing(v) else f"linkedin.com/in/{self._digest('url', str(v).strip().lower())}"

    def contact_id(self, v):
        return None if _missing(v) else f"p{self._digest('id', str(v))}"


def _missing(v) -> bool:
    return v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) or str(v).strip() == ""


def anonymize(ds, key: bytes | None = None):
    """A copy of the dataset with every personal string replaced by its pseudonym."""
    from netanalysis.dataset import Dataset

    p = Pseudonymizer(key or load_key())
    c = ds.contacts.copy()
    c["contact_id"] = c["contact_id"].map(p.contact_id).astype("string")
    c["name"] = c["name"].map(p.name).astype("string")
    c["company"] = c["company"].map(p.company).astype("string")
    c["linkedin_url"] = c["linkedin_url"].map(p.url).astype("string")
    c["emails"] = c["emails"].map(lambda lst: [p.email(e) for e in lst])
    c["title"] = c["title"].astype("string")
    i = ds.interactions.copy()
    i["contact_id"] = i["contact_id"].map(p.contact_id).astype("string")
    if "group_key" in i:  # may hold Message-IDs or event ids: keep only which records share one
        i["group_key"] = i["group_key"].map(p.contact_id).astype("string")
    o = ds.outcomes.copy()
    o["contact_id"] = o["contact_id"].map(p.contact_id).astype("string")
    o["account"] = o["account"].map(p.company).astype("string")
    if "group_key" in o:
        o["group_key"] = o["group_key"].map(p.contact_id).astype("string")
    report, labels = anonymize_load_report(ds.load_report, p)
    rejected = ds.rejected.copy()
    if "raw" in rejected:
        rejected["raw"] = "(hidden: --anonymize)"
    if "file" in rejected:
        rejected["file"] = rejected["file"].map(lambda f: labels.get(str(f), "file"))
    if "reason" in rejected:  # a reason may quote the rejected value after a colon
        rejected["reason"] = rejected["reason"].astype(str).str.split(":").str[0]
    return Dataset(c, i, o, report, rejected)


def input_label(number: int, path) -> str:
    """What an input path becomes under --anonymize: ``file 3 (.csv)``; a path can hold a name."""
    suffix = "".join(Path(str(path)).suffixes[-1:])
    return f"file {number}" + (f" ({suffix})" if suffix else "")


def anonymize_load_report(load_report: dict, p: Pseudonymizer) -> tuple[dict, dict]:
    """The load report with input paths replaced by neutral labels and owners by pseudonyms.

    Returns the new report and the map from original path to label.
    """
    import copy

    report = copy.deepcopy(load_report)
    labels: dict[str, str] = {}
    for n, entry in enumerate(report.get("files", []), start=1):
        labels[str(entry.get("path"))] = entry["path"] = input_label(n, entry.get("path"))
        if isinstance(entry.get("rejected_by_reason"), dict):
            merged: dict[str, int] = {}
            for k, v in entry["rejected_by_reason"].items():
                merged[str(k).split(":")[0]] = merged.get(str(k).split(":")[0], 0) + v
            entry["rejected_by_reason"] = merged
    for n, entry in enumerate(report.get("skipped", []), start=len(labels) + 1):
        entry["path"] = input_label(n, entry.get("path"))
        entry["reason"] = str(entry.get("reason", "")).split(":")[0]
    report["owner"] = [p.contact_id(x) for x in report.get("owner", [])]
    return report, labels

"""vCard 3.0 and 4.0 address books (.vcf from Apple Contacts, Google, Outlook, phones).

Properties used: ``FN``, ``N``, every ``EMAIL`` (also grouped ``item1.EMAIL``),
``ORG`` (first component), ``TITLE``, ``URL`` (a LinkedIn profile becomes the
contact's URL). ``NOTE`` and ``REV`` are read but not used: a revision date is
when the card was edited, not when the relationship started. Parsing (folded
lines, ``\\,`` escapes, groups, parameters) is done by the ``vobject``
library, one card at a time, so a damaged card is rejected with its number
while the others load. Each card is one row (numbered from 1).
"""

from __future__ import annotations

import re

import pandas as pd

from netanalysis.io.sources.base import Format, Parsed, Sniff
from netanalysis.io.sources.people import address_book
from netanalysis.io.sources.registry import register

SOURCE = "vcard"
_BEGIN = re.compile(r"^\s*BEGIN:VCARD\s*$", re.I)
_END = re.compile(r"^\s*END:VCARD\s*$", re.I)


def detect(sn: Sniff) -> float:
    first = next((ln for ln in sn.lines if ln.strip()), "").lstrip("\ufeff")
    return 0.98 if _BEGIN.match(first) else 0.0


def _cards(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    """Split a .vcf into (card number, text) blocks; unterminated cards are damaged."""
    cards, bad = [], []
    current: list[str] | None = None
    n = 0
    for line in text.splitlines():
        if _BEGIN.match(line):
            if current is not None:
                bad.append((n, "damaged card: no END:VCARD", "\n".join(current)[:500]))
            n += 1
            current = [line]
        elif current is not None:
            current.append(line)
            if _END.match(line):
                cards.append((n, "\r\n".join(current) + "\r\n"))
                current = None
    if current is not None:
        bad.append((n, "damaged card: no END:VCARD", "\n".join(current)[:500]))
    return cards, bad


def _unescape(v) -> str | None:
    if v is None:
        return None
    v = str(v).replace("\\:", ":").replace("\\,", ",").replace("\\;", ";").strip()
    return v or None


def _card_fields(card) -> dict:
    c = card.contents
    fn = _unescape(c["fn"][0].value) if "fn" in c else None
    if not fn and "n" in c:
        n = c["n"][0].value
        fn = _unescape(" ".join(x for x in (n.prefix, n.given, n.additional, n.family, n.suffix) if x))
    emails = [_unescape(e.value) for e in c.get("email", []) if e.value]
    org = None
    if "org" in c:
        v = c["org"][0].value
        org = _unescape(v[0] if isinstance(v, (list, tuple)) and v else v)
    title = _unescape(c["title"][0].value) if "title" in c else None
    urls = [_unescape(u.value) for u in c.get("url", []) if u.value]
    return {"name": fn, "emails": [e for e in emails if e], "company": org, "title": title,
            "urls": [u for u in urls if u]}


def read(path, sn: Sniff, ctx) -> Parsed:
    import vobject

    with open(path, encoding=sn.encoding, errors="replace", newline="") as fh:
        text = fh.read()
    cards, bad = _cards(text)
    records, numbers = [], []
    for n, block in cards:
        try:
            card = vobject.readOne(block, validate=False, ignoreUnreadable=False)
            fields = _card_fields(card)
        except Exception as exc:  # noqa: BLE001 - vobject raises several types for malformed cards
            bad.append((n, f"damaged card: {type(exc).__name__}", block[:500]))
            continue
        records.append(fields)
        numbers.append(n)
    rows = pd.DataFrame({"__row__": pd.Series(numbers, dtype="int64"),
                         "card": [str(r.get("name") or "") for r in records]})
    return _finish(rows, records, cards, bad, ctx)


def _finish(rows, records, cards, bad, ctx) -> Parsed:
    def col(k):
        return pd.Series([r[k] for r in records], index=rows.index, dtype=object)

    unterminated = sum(1 for b in bad if b[1] == "damaged card: no END:VCARD")
    return address_book("vcard", SOURCE, len(cards) + unterminated, rows, bad, name=col("name"),
                        emails=[r["emails"] for r in records], company=col("company"), title=col("title"),
                        urls=[r["urls"] for r in records], me=ctx.me)


register(Format("vcard", SOURCE, detect, read, "BEGIN:VCARD ... FN, N, EMAIL, ORG, TITLE, URL ... END:VCARD"))

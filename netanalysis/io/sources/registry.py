"""Format registry: every family module registers its formats here."""

from __future__ import annotations

import difflib

from netanalysis.errors import UserError
from netanalysis.io.sources.base import Format, Sniff, header_fields, is_binary

FORMATS: list[Format] = []


def register(fmt: Format) -> Format:
    FORMATS.append(fmt)
    return fmt


def detect_format(sn: Sniff) -> Format:
    """The best-scoring format for a file, or a UserError naming the closest."""
    if not sn.raw.strip():
        raise UserError(f"{sn.path}: the file is empty")
    if is_binary(sn.raw, sn.encoding):
        raise UserError(f"{sn.path}: the file holds binary data, not a known export (expected CSV, ICS, vCard or mbox)")
    scores = [(fmt.detect(sn), fmt) for fmt in FORMATS]
    scores.sort(key=lambda t: -t[0])
    if scores and scores[0][0] >= 0.5:
        return scores[0][1]
    first = next((ln for ln in sn.lines if ln.strip()), "")
    closest = _closest(first)
    hint = f"Closest known format: {closest.name}, which expects {closest.expects}"
    raise UserError(f"{sn.path}: unknown format (first line: {first[:120]!r}). {hint}",
                    public=f"{sn.path}: unknown format. {hint}")


def _closest(first_line: str) -> Format:
    cols = {c.lower() for c in header_fields(first_line)}

    def similarity(fmt: Format) -> float:
        want = {c.strip().lower() for c in fmt.expects.split(",")}
        overlap = len(cols & want) / max(1, len(want))
        return overlap + 0.1 * difflib.SequenceMatcher(None, first_line.lower(), fmt.expects.lower()).ratio()

    return max(FORMATS, key=similarity)

"""Which data a report is about: a dataset's name and key, so history compares like with like.

A report compares itself only with earlier reports of the same dataset. The
dataset is the name the user gives with ``--name`` (the inputs may then move
from month to month, ``data/raw/2026-03/`` after ``data/raw/2026-02/``), or
else the set of input paths: the same files or folders, in any order. The key
hashes the resolved paths, never the files' contents, which change with every
monthly export.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from netanalysis.errors import UserError

MAX_NAME = 60
KEY_LENGTH = 12


def check_name(name) -> str | None:
    """A `--name` value, trimmed; None when not given. Raises UserError naming the problem.

    A name is 1 to 60 printable characters (no line breaks or control
    characters). It is shown as text on every page, never as markup.

    >>> check_name("  Acme sales "), check_name(None)
    ('Acme sales', None)
    """
    if name is None:
        return None
    if not isinstance(name, str):
        raise UserError(f"--name: expected text, not {type(name).__name__}")
    text = name.strip()
    if not text:
        raise UserError("--name: empty; give a short name for this data, e.g. --name 'my network'")
    if len(text) > MAX_NAME:
        raise UserError(f"--name: {len(text)} characters; at most {MAX_NAME}")
    if not text.isprintable():
        raise UserError("--name: holds a line break or a control character; use plain text")
    return text


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:KEY_LENGTH]


def dataset_identity(inputs, name: str | None = None, anonymize: bool = False) -> dict:
    """The `dataset` block of summary.json: ``{"name": ..., "key": ...}``.

    With a `name`, the key depends on the name alone; without one, on the
    sorted, resolved input paths (a file's contents never enter it). Under
    `anonymize` a derived name does not quote the paths.

    >>> a = dataset_identity(["/data/linkedin", "/data/calendar"])
    >>> b = dataset_identity(["/data/calendar", "/data/linkedin/"])
    >>> a == b, a["name"]
    (True, 'calendar + linkedin')
    >>> dataset_identity(["/x"], name="mine")["key"] == dataset_identity(["/y"], name="mine")["key"]
    True
    """
    name = check_name(name)
    if name is not None:
        return {"name": name, "key": "n-" + _digest("name\0" + name)}
    paths = sorted({str(Path(p).expanduser().resolve()) for p in inputs})
    key = "i-" + _digest("inputs\0" + "\0".join(paths))
    if anonymize:
        label = f"{len(paths)} input{'s' if len(paths) != 1 else ''} ({key[2:8]})"
    else:
        label = " + ".join(sorted(Path(p).name or p for p in paths))
    return {"name": label, "key": key}


def dataset_key(summary: dict) -> str | None:
    """The dataset key a summary.json records; None for reports written before datasets were recorded."""
    block = summary.get("dataset")
    key = block.get("key") if isinstance(block, dict) else None
    return key if isinstance(key, str) and key else None

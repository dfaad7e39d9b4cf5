"""`report.toml`: everything a scheduled report needs, so a scheduler runs one line.

    netanalysis report --config report.toml

Keys (all optional): `inputs` (list of files or folders), `as_of` (a rule, see
:func:`resolve_as_of`), `period` (month or quarter), `anonymize` (bool), `out`
(folder; may hold ``{as_of}``; default ``reports/<as_of>``), `tz`, `me` (list),
`show_code` (bool), `name` (the dataset's name, see ``--name``) and a ``[parameters]`` table passed to the notebooks.
Relative paths are read from the folder holding the config file.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pandas as pd

from netanalysis.errors import UserError

KEYS = {"inputs": list, "as_of": str, "period": str, "anonymize": bool, "out": str, "tz": str, "me": list,
        "show_code": bool, "name": str, "parameters": dict}
RULES = ("last data", "end of last month", "end of last quarter", "end of last year", "today", "a date YYYY-MM-DD")


def read_config(path) -> dict:
    """Read and check a report config file; returns `run_report` keyword arguments.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "report.toml"
    >>> _ = f.write_text('inputs = ["exports"]\\nas_of = "end of last month"\\n[parameters]\\nseed = 3\\n')
    >>> cfg = read_config(f); cfg["as_of"], cfg["parameters"], cfg["inputs"][0].name
    ('end of last month', {'seed': 3}, 'exports')
    """
    path = Path(path)
    if not path.exists():
        raise UserError(f"--config: {path} does not exist")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise UserError(f"{path}: unknown key {', '.join(unknown)}; known keys: {', '.join(KEYS)}")
    for key, kind in KEYS.items():
        if key in raw and not isinstance(raw[key], kind):
            raise UserError(f"{path}: {key} must be a {kind.__name__}, not {type(raw[key]).__name__} ({raw[key]!r})")
    base = path.resolve().parent
    cfg = dict(raw)
    if "inputs" in cfg:
        cfg["inputs"] = [_relative(base, p, path, "inputs") for p in cfg["inputs"]]
    if cfg.get("out"):
        cfg["out"] = str(_relative(base, cfg["out"], path, "out"))
    elif "out" in cfg:
        del cfg["out"]
    if "me" in cfg:
        cfg["me"] = [str(m) for m in cfg["me"]]
    return cfg


def _relative(base: Path, value, path: Path, key: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{path}: {key} must hold non-empty paths, not {value!r}")
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def resolve_as_of(rule, last_data: pd.Timestamp | None, today: dt.date | None = None):
    """Turn an as-of rule into a date string (YYYY-MM-DD), or None for "the last data".

    Rules: ``"last data"`` (or empty), ``"end of last month"``, ``"end of last
    quarter"``, ``"end of last year"``, ``"today"``, or a date ``YYYY-MM-DD``.
    `today` is the UTC date (given in tests).

    >>> resolve_as_of("end of last month", None, dt.date(2026, 3, 15))
    '2026-02-28'
    >>> resolve_as_of("end of last quarter", None, dt.date(2026, 1, 10))
    '2025-12-31'
    >>> resolve_as_of("2025-06-30", None) , resolve_as_of("last data", None)
    ('2025-06-30', None)
    """
    if rule is None:
        return None
    text = str(rule).strip().lower()
    text = re.sub(r"\s+", " ", text.replace("_", " "))
    if text in ("", "last data", "latest", "last"):
        return None
    today = today or dt.datetime.now(dt.UTC).date()
    if text == "today":
        return today.isoformat()
    if text in ("end of last month", "last month"):
        return (today.replace(day=1) - dt.timedelta(days=1)).isoformat()
    if text in ("end of last quarter", "last quarter"):
        first_month = 3 * ((today.month - 1) // 3) + 1
        return (today.replace(month=first_month, day=1) - dt.timedelta(days=1)).isoformat()
    if text in ("end of last year", "last year"):
        return dt.date(today.year - 1, 12, 31).isoformat()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise UserError(f"as_of: {rule!r} is not a real date") from None
        return text
    try:
        pd.Timestamp(str(rule))  # a full timestamp is fine as it is
    except (ValueError, TypeError):
        raise UserError(f"as_of: {rule!r} is neither a date nor a rule; use YYYY-MM-DD, \"end of last month\", "
                        f"\"end of last quarter\", \"end of last year\", \"today\" or \"last data\"") from None
    return str(rule)

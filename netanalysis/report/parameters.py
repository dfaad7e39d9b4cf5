"""Notebook parameters: checked against each notebook's `parameters` cell and typed by its annotations.

papermill only warns about a parameter no notebook declares; here an unknown
name or a value that does not fit the annotation (``seed: int = 0``) is a
UserError (exit 2) that names the parameter.
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

from netanalysis.errors import UserError

# Set by netanalysis itself, or through their own options.
RESERVED = {"data_dir": "set by netanalysis itself", "output_dir": "set by netanalysis itself",
            "as_of": "use --as-of", "period": "use --period", "anonymize": "use --anonymize"}


def check_parameters(nbs: list[Path], given: dict) -> dict:
    """Check `-p NAME=VALUE` against the notebooks' parameters cells.

    Returns ``{notebook stem: {"accepts": set of names, "given": {name: typed value}}}``;
    a parameter goes to every notebook that declares it.
    """
    import papermill as pm

    out = {}
    known: dict[str, dict] = {}
    for nb in nbs:
        try:
            spec = pm.inspect_notebook(str(nb))
        except Exception as exc:  # noqa: BLE001 - an unreadable notebook is named, not traced
            raise UserError(f"{nb}: cannot read its parameters cell ({type(exc).__name__}: {exc})") from None
        known[nb.stem] = spec
        out[nb.stem] = {"accepts": set(spec), "given": {}}
    for name, raw in given.items():
        if name in RESERVED:
            raise UserError(f"-p {name}: {RESERVED[name]}, not -p")
        owners = [nb for nb, spec in known.items() if name in spec]
        if not owners:
            names = sorted({n for spec in known.values() for n in spec} - set(RESERVED))
            raise UserError(f"-p {name}: unknown parameter; the notebooks accept: {', '.join(names) or 'none'}")
        for nb in owners:
            spec = known[nb][name]
            out[nb]["given"][name] = coerce_parameter(name, raw, spec.get("inferred_type_name", "None"),
                                                      spec.get("default"))
    return out


_OPTIONAL = re.compile(r"^(?:Optional\[(?P<a>.+)\]|(?P<b>.+?)\s*\|\s*None|None\s*\|\s*(?P<c>.+))$")
_NONE_WORDS = ("none", "null", "")


def _split_type(type_name: str) -> tuple[str, str | None, bool]:
    """``"Optional[list[int]]"`` -> ("list", "int", True)."""
    t = (type_name or "None").strip().replace("typing.", "")
    optional = False
    m = _OPTIONAL.match(t)
    if m:
        t, optional = (m.group("a") or m.group("b") or m.group("c")).strip(), True
    m = re.match(r"^(\w+)\s*\[\s*(.+?)\s*\]$", t)
    if m:
        return m.group(1).lower(), m.group(2), optional
    return {"List": "list", "Dict": "dict", "Tuple": "tuple"}.get(t, t), None, optional


def _type_from_default(default) -> str:
    try:
        value = ast.literal_eval(default) if isinstance(default, str) else None
    except (ValueError, SyntaxError):
        return "None"
    return type(value).__name__ if value is not None else "None"


def coerce_parameter(name: str, raw, type_name: str, default: str | None = None):
    """Turn a value into the type the notebook declares (``x: int = 3``).

    Strings come from the command line; values from a config file already have
    a type, which must fit. Without an annotation the default's type is used.

    >>> coerce_parameter("seed", "3", "int"), coerce_parameter("on", "yes", "bool")
    (3, True)
    >>> coerce_parameter("ids", "a, b", "list[str]"), coerce_parameter("xs", "[1, 2]", "list[int]")
    (['a', 'b'], [1, 2])
    >>> coerce_parameter("half", "2", "float"), coerce_parameter("n", "7", "None", default="5")
    (2.0, 7)
    """
    kind, inner, optional = _split_type(type_name)
    if kind == "None" and default is not None:
        kind, inner, optional = _split_type(_type_from_default(default))
    where = f"-p {name}={raw}" if isinstance(raw, str) else f"parameter {name} = {raw!r}"
    try:
        if optional and (raw is None or (isinstance(raw, str) and raw.strip().lower() in _NONE_WORDS)):
            return None
        return _coerce(raw, kind, inner)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        detail = f" ({exc})" if str(exc) and str(exc) != str(raw) else ""
        raise UserError(f"{where}: expected a value of type {type_name}{detail}") from None


def _coerce(raw, kind: str, inner: str | None):
    if kind == "int":
        if isinstance(raw, bool):
            raise TypeError("a boolean is not an int")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str):
            return int(raw.strip())
        raise TypeError(f"{type(raw).__name__} is not an int")
    if kind == "float":
        if isinstance(raw, bool):
            raise TypeError("a boolean is not a float")
        value = float(raw.strip()) if isinstance(raw, str) else float(raw) if isinstance(raw, (int, float)) else None
        if value is None:
            raise TypeError(f"{type(raw).__name__} is not a number")
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        low = str(raw).strip().lower() if isinstance(raw, str) else None
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError("use true or false")
    if kind == "str":
        if isinstance(raw, str):
            return raw
        raise TypeError(f"{type(raw).__name__} is not a string")
    if kind in ("list", "tuple"):
        if isinstance(raw, str):
            text = raw.strip()
            items = json.loads(text) if text.startswith("[") else [s.strip() for s in text.split(",") if s.strip()]
        else:
            items = raw
        if not isinstance(items, (list, tuple)):
            raise TypeError("expected a list")
        if inner:
            items = [_coerce(v, *_split_type(inner)[:2]) for v in items]
        return list(items)
    if kind == "dict":
        value = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(value, dict):
            raise TypeError("expected a JSON object")
        return value
    return raw  # no annotation and no usable default: passed as given

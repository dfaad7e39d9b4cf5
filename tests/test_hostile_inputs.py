"""`netanalysis load` on hostile inputs: one clear line or every row accounted for.

Each case (tests/fixtures/hostile/cases.py) knows how many data rows it wrote;
the load must read exactly that many and place each one (loaded, duplicate,
rejected), or fail with exit 2 and one line; no input file may change.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import stat
import sys
from pathlib import Path

import pandas as pd
import pytest

from netanalysis.cli import main

_SPEC = importlib.util.spec_from_file_location("hostile_cases", Path(__file__).parent / "fixtures/hostile/cases.py")
cases = importlib.util.module_from_spec(_SPEC)
sys.modules["hostile_cases"] = cases  # dataclasses look their module up
_SPEC.loader.exec_module(cases)


def _digests(paths) -> dict:
    out = {}
    for p in paths:
        for f in ([p] if not p.is_dir() else sorted(p.rglob("*"))):
            if stat.S_ISREG(f.stat().st_mode):
                out[f] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_hostile_input(name, tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    case = cases.CASES[name](src)
    before = _digests(case.inputs)
    out = tmp_path / "out"
    code = main(["load", *map(str, case.inputs), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == case.exit, captured.err
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert _digests(case.inputs) == before
    if code != 0:
        assert len(captured.err.strip().splitlines()) == 1, captured.err
        assert case.message in captured.err
        return
    report = json.loads((out / "load_report.json").read_text())
    files = report["files"]
    assert sum(f["rows_read"] for f in files) == case.rows
    for f in files:
        assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"], f
        assert "unaccounted" not in f
    assert sum(f["rejected"] for f in files) >= case.rejected_at_least
    assert len(report["skipped"]) == case.skipped
    if case.skipped:
        assert all(case.message in s["reason"] for s in report["skipped"])
        assert captured.out.count("skipped") == case.skipped
    if "values" in case.extra:
        outcomes = pd.read_parquet(out / "outcomes.parquet")
        assert sorted(outcomes["value"].round(2)) == case.extra["values"]
    if "max_interactions" in case.extra:
        assert len(pd.read_parquet(out / "interactions.parquet")) <= case.extra["max_interactions"]

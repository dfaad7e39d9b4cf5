"""Progress bars of `load` and `panel`: on a terminal they count files, rows and panel rows;
anywhere else (pipes, logs, the output tests capture) they print nothing."""

import io
import sys

import pandas as pd
import pytest

from netanalysis import cli
from netanalysis.simulate.world import simulate_world, write_canonical


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("progress")
    write_canonical(simulate_world(contacts=30, months=12, seed=5), root / "csv")
    return root


def _rows(folder) -> int:
    return sum(sum(1 for _ in open(f, encoding="utf-8")) - 1 for f in sorted(folder.glob("*.csv")))


def test_no_bar_when_output_is_not_a_terminal(world, tmp_path, capsys):
    assert cli.main(["load", str(world / "csv"), "--out", str(tmp_path / "loaded")]) == 0
    assert cli.main(["panel", str(tmp_path / "loaded"), "--out", str(tmp_path / "p.parquet")]) == 0
    err = capsys.readouterr().err
    assert "load:" not in err and "panel:" not in err and "%|" not in err


def test_bars_count_files_rows_and_panel_rows_on_a_terminal(world, tmp_path, monkeypatch, capsys):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["load", str(world / "csv"), "--out", str(tmp_path / "loaded")]) == 0
    assert cli.main(["panel", str(tmp_path / "loaded"), "--out", str(tmp_path / "p.parquet")]) == 0
    shown = terminal.getvalue()
    n_files = len(list((world / "csv").glob("*.csv")))
    assert f"{n_files}/{n_files}" in shown  # every file counted
    assert f"rows={_rows(world / 'csv'):,}" in shown  # every data row read (headers left out)
    panel_rows = len(pd.read_parquet(tmp_path / "p.parquet"))
    # the bar counts toward every row written (its last redraw may be skipped by tqdm's rate limit before it clears)
    assert "panel:" in shown and f"/{panel_rows} " in shown.split("panel:")[-1]

"""`report --engine dask`: the notebooks' panels are built by dask, with the pandas engine's numbers.

The report hands its notebooks a loaded folder; with the dask engine that
folder records the engine, and the Dataset a notebook opens builds every
``ds.panel(...)`` with `dask_panel` from those tables. These tests check that
the panels equal pandas' (unit, half-life, cut-off, channel minutes) and that
the dask engine really ran.
"""

import pandas as pd
import pytest

import netanalysis
from netanalysis import cli
from netanalysis.dates import parse_as_of
from netanalysis.panel import command
from netanalysis.panel.build import build_panel
from netanalysis.panel.engines import DaskPanels, write_engine
from netanalysis.report.session import open_report_data
from netanalysis.simulate.world import simulate_world, write_canonical


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine")
    write_canonical(simulate_world(contacts=40, months=15, seed=11), root / "csv")
    netanalysis.load([root / "csv"]).to_parquet(root / "loaded")
    write_engine(root / "loaded", "dask", None)
    return root / "loaded"


@pytest.fixture
def dask_calls(monkeypatch):
    calls = []
    real = command.dask_panel

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr("netanalysis.panel.engines.dask_panel", counted)
    return calls


@pytest.mark.parametrize("kwargs", [
    {},
    {"half_life_months": 1.0, "unit": "account"},
    {"freq": "Q", "minutes_by_channel": {"email": 30.0}},
])
def test_report_dataset_builds_the_pandas_panel_on_dask(loaded, dask_calls, kwargs):
    nb = open_report_data(str(loaded), as_of="2024-01-31")
    assert isinstance(nb.ds.panel_builder, DaskPanels)
    got = nb.ds.panel(**kwargs)
    expected = build_panel(nb.ds, **kwargs)
    assert len(dask_calls) == 1 and len(expected) > 50
    assert dask_calls[0]["local"] == "synchronous"  # a report kernel: one task at a time, no pool of threads
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs


def test_a_cut_dataset_is_built_on_dask_only_up_to_its_cut(loaded, dask_calls):
    nb = open_report_data(str(loaded))
    early = nb.ds.until(pd.Timestamp("2023-06-30", tz="UTC"))
    # Past its own cut the Dataset holds fewer rows than the folder: pandas builds that one.
    later = early.panel(as_of="2023-12-31")
    pd.testing.assert_frame_equal(later, build_panel(early, as_of=parse_as_of("2023-12-31")))
    assert dask_calls == []
    pd.testing.assert_frame_equal(early.panel(as_of="2023-05-31"), build_panel(early, as_of=parse_as_of("2023-05-31")))
    assert len(dask_calls) == 1


def test_without_the_engine_file_panels_stay_on_pandas(tmp_path):
    write_canonical(simulate_world(contacts=10, months=6, seed=2), tmp_path / "csv")
    netanalysis.load([tmp_path / "csv"]).to_parquet(tmp_path / "loaded")
    assert open_report_data(str(tmp_path / "loaded")).ds.panel_builder is None


def test_scheduler_without_the_dask_engine_is_a_one_line_error(capsys):
    assert cli.main(["report", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler" in err and len(err.strip().splitlines()) == 1

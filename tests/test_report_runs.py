"""The whole report runs on the sample through papermill, into a temporary folder."""

import json
import subprocess
import sys

import pytest

from netanalysis.report import run_report, HEADLINE_KEYS
from netanalysis.errors import UserError


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "r"
    run_report(out=out)
    return out


def test_report_files(report):
    assert (report / "index.html").exists()
    assert len(list((report / "figures").glob("*.png"))) >= 3
    for nb in ("01_data_overview", "02_investment_over_time", "03_delayed_returns"):
        assert (report / f"{nb}.html").exists() and (report / f"{nb}.ipynb").exists()
    html = (report / "03_delayed_returns.html").read_text()
    assert "import pandas" not in html  # no code by default


def test_summary_has_every_design_key(report):
    s = json.loads((report / "summary.json").read_text())
    assert set(s) >= {"as_of", "inputs", "counts", "metrics", "notes"}
    for k in HEADLINE_KEYS:
        assert k in s["metrics"]
        assert s["metrics"][k] is not None or any(n.startswith(k) for n in s["notes"])
    p12 = s["metrics"]["first_outcome_probability_12m"]
    lo, hi = s["metrics"]["first_outcome_probability_12m_ci"]
    assert 0 < lo < p12 < hi < 1


def test_as_of_before_the_data_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="before all data"):
        run_report(out=tmp_path / "x", as_of="1990-01-01")
    assert not (tmp_path / "x").exists()


def test_unknown_parameter_exit_2(tmp_path):
    r = subprocess.run([sys.executable, "-m", "netanalysis.cli", "report", "--out", str(tmp_path / "r"), "-p", "colour=red"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "colour" in r.stderr and "Traceback" not in r.stderr

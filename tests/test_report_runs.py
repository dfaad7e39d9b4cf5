"""The whole report runs through papermill, into a temporary folder (the session's shared report; the
sample gives the default inputs), and its failures are user errors."""

import json
import subprocess
import sys

import nbformat
import pytest

from netanalysis.dates import parse_as_of
from netanalysis.errors import UserError
from netanalysis.report.history import list_reports, window_changes
from netanalysis.report.runner import HEADLINE_KEYS, run_report


@pytest.fixture(scope="module")
def report(hostile_report):
    """The session's one full report (conftest), read here only."""
    return hostile_report


@pytest.mark.slow
def test_report_files(report):
    assert (report / "index.html").exists()
    assert len(list((report / "figures").glob("*.png"))) >= 3
    for nb in ("01_data_overview", "02_investment_over_time", "03_delayed_returns"):
        assert (report / f"{nb}.html").exists() and (report / f"{nb}.ipynb").exists()
    html = (report / "03_delayed_returns.html").read_text()
    assert "import pandas" not in html  # no code by default


@pytest.mark.slow
def test_summary_has_every_design_key(report):
    s = json.loads((report / "summary.json").read_text())
    assert set(s) >= {"as_of", "inputs", "counts", "metrics", "notes"}
    for k in HEADLINE_KEYS:
        assert k in s["metrics"]
        assert s["metrics"][k] is not None or any(n.startswith(k) for n in s["notes"])
    p12 = s["metrics"]["first_outcome_probability_12m"]
    lo, hi = s["metrics"]["first_outcome_probability_12m_ci"]
    assert 0 < lo < p12 < hi < 1


def test_a_missing_input_is_refused_before_the_kernels_start(tmp_path, monkeypatch):
    import netanalysis.report.runner as runner

    started = []
    monkeypatch.setattr(runner, "warm_kernels_for", started.append)
    with pytest.raises(UserError, match=r"missing\.csv: no such file or folder"):
        run_report([tmp_path / "missing.csv"], out=tmp_path / "r")
    assert started == [] and not (tmp_path / "r").exists()


def test_as_of_before_the_data_is_a_user_error(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "x"  # apart from the input folder (`tiny` is the test's tmp_path)
    with pytest.raises(UserError, match="before all data"):
        run_report([tiny], out=out, as_of="1990-01-01")
    assert not out.exists()


def test_unknown_parameter_exit_2(tmp_path, capsys):
    from netanalysis.cli import main

    assert main(["report", "--out", str(tmp_path / "r"), "-p", "colour=red"]) == 2
    err = capsys.readouterr().err
    assert "colour" in err and "Traceback" not in err and not (tmp_path / "r").exists()


# -- with small test-only notebooks: atomicity, failures, history ---------------

PARAMS = '''data_dir: str = ""
output_dir: str = ""
as_of: str = ""
period: str = "month"
anonymize: bool = False
mode: str = "ok"
top: int = 2
'''
OK_CELL = '''import pandas as pd
from netanalysis.report.session import open_report_data
from netanalysis.report.runner import record_metrics
from netanalysis.report.csv_safety import write_safe_csv
nb = open_report_data(data_dir, as_of, output_dir, period)
won = nb.ds.outcomes[nb.ds.outcomes["status"] == "won"]
c = nb.ds.contacts.set_index("contact_id")
# follow-up list: contacts by number of interactions (ties by id), top `top`
n = nb.ds.interactions.groupby("contact_id").size().rename("n").reset_index().sort_values(["n", "contact_id"], ascending=[False, True])
f = n.head(top).assign(rank=range(1, min(top, len(n)) + 1), name=lambda d: d["contact_id"].map(c["name"]))
write_safe_csv(f[["rank", "contact_id", "name"]], nb.output_dir / "followup.csv")
record_metrics(nb.output_dir, "01_ok", {"first_outcome_probability_12m": len(won) / 10})'''
FAIL_CELL = '''if mode not in ("ok", "fine"):
    raise ValueError(f"mode must be ok or fine, not {mode!r}")'''


def make_notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, src in cells:
        cell = nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        if kind == "params":
            cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def small_notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nbs")
    ok = make_notebook(folder / "01_ok.ipynb", [("md", "# OK"), ("params", PARAMS), ("code", OK_CELL)])
    strict = make_notebook(folder / "02_strict.ipynb", [("params", PARAMS), ("code", "x = 1"), ("code", FAIL_CELL)])
    return ok, strict


@pytest.fixture
def three_people(tmp_path):
    """Ann: 3 touches (Jan, Feb, Apr), Bob: 2 (Jan, Mar), Cy: 1 (Mar) + 2 (May); deals won in Feb and Apr."""
    from helpers import write

    tmp_path = tmp_path / "data"  # outputs go next to this folder: never inside an input
    tmp_path.mkdir()
    write(tmp_path, "contacts.csv", "contact_id,name,company\na,Ann,Acme\nb,Bob,Beta\nc,Cy,Core\n")
    write(tmp_path, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
a,2025-01-10T10:00:00Z,meeting,outbound,60
b,2025-01-20T10:00:00Z,call,outbound,
a,2025-02-10T10:00:00Z,email,outbound,
b,2025-03-05T10:00:00Z,call,inbound,30
c,2025-03-15T10:00:00Z,meeting,outbound,
a,2025-04-10T10:00:00Z,message,outbound,
c,2025-05-01T10:00:00Z,meeting,outbound,45
c,2025-05-20T10:00:00Z,event,outbound,
""")
    write(tmp_path, "outcomes.csv", "contact_id,timestamp,kind,status,value\na,2025-02-20T00:00:00Z,deal,won,100\nb,2025-04-20T00:00:00Z,referral,won,\nc,2025-05-10T00:00:00Z,deal,lost,50\n")
    return tmp_path


def test_window_changes_by_hand(three_people):
    ds = netanalysis_load(three_people)
    w = window_changes(ds, parse_as_of("2025-02-28"), parse_as_of("2025-05-31"))
    # after Feb: b call 30 + c meeting 60 + a message 2 + c meeting 45 + c event 90 = 227 minutes in 5 interactions
    assert w == {"new_relationships": 1, "interactions": 5, "invested_minutes": 227.0, "outcomes": 2,
                 "outcomes_won": 1, "value_won": 0.0}


def netanalysis_load(folder):
    import netanalysis

    return netanalysis.load([folder])


@pytest.mark.slow
def test_history_changes_and_index(three_people, small_notebooks, tmp_path):
    ok, _ = small_notebooks
    reports = tmp_path / "out" / "reports"
    run_report([three_people], out=reports / "{as_of}", as_of="2025-02-28", notebooks=[ok], progress=False)
    import datetime as dt

    later = run_report([three_people], as_of="end of last month", today=dt.date(2025, 6, 10), out=reports / "{as_of}",
                       notebooks=[ok], progress=False)
    assert later == reports / "2025-05-31"
    s = json.loads((later / "summary.json").read_text())
    ch = s["changes"]
    assert ch["previous_as_of"] == "2025-02-28"
    assert ch["since_previous"]["new_relationships"] == 1 and ch["since_previous"]["outcomes_won"] == 1
    # counts at Feb: 2 contacts seen, 3 interactions, 1 outcome; at May: 3, 8, 3
    assert ch["counts_delta"] == {"contacts": 1, "interactions": 5, "outcomes": 2}
    assert ch["metrics_delta"]["first_outcome_probability_12m"] == pytest.approx(0.2 - 0.1)
    # top 2 by touches: Feb a(2), b(1) -> May c(3), a(3): c entered, b left
    assert [p["name"] for p in ch["followup"]["entered"]] == ["Cy"]
    assert [p["name"] for p in ch["followup"]["left"]] == ["Bob"] and ch["followup"]["stayed"] == 1
    page = (later / "index.html").read_text()
    assert "Changes since 2025-02-28" in page and "Cy" in page and "../index.html" in page
    assert [p.name for p, _ in list_reports(reports)] == ["2025-02-28", "2025-05-31"]
    hist = (reports / "index.html").read_text()
    assert 'href="2025-02-28/index.html"' in hist and 'href="2025-05-31/index.html"' in hist
    # two reports of one dataset: a trend needs three (a line through two points says nothing)
    assert "Trend after 3 reports (2 so far)" in hist and list(reports.glob("trends*.png")) == []


@pytest.mark.slow
def test_failed_notebook_leaves_the_earlier_report_untouched(three_people, small_notebooks, tmp_path):
    ok, strict = small_notebooks
    out = tmp_path / "reports" / "r"  # a folder of reports netanalysis made: the failed notebook is kept there
    run_report([three_people], out=out, notebooks=[ok, strict], progress=False)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(UserError) as err:
        run_report([three_people], out=out, notebooks=[ok, strict], parameters={"mode": "banana"}, progress=False)
    msg = str(err.value)
    # source notebook: parameters (1), x = 1 (2), the check (3); papermill's added cells are not counted
    assert "notebook 02_strict failed in cell 3" in msg and "if mode not in" in msg
    assert "ValueError" in msg and "banana" in msg
    kept = out.parent / "r.failed-02_strict.ipynb"
    assert str(kept) in msg and kept.exists() and "banana" in kept.read_text()
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.parent.iterdir() if ".building-" in p.name] == []  # no half-built folder left


@pytest.mark.slow
def test_a_cut_off_before_all_data_is_a_user_error(three_people, small_notebooks, tmp_path):
    # data without outcomes is reported on (tests/test_report_without_outcomes.py); a cut-off before it all is not
    (three_people / "outcomes.csv").unlink()
    with pytest.raises(UserError, match="before all data"):
        run_report([three_people], out=tmp_path / "x", as_of="2024-12-31", notebooks=small_notebooks[:1])
    assert not (tmp_path / "x").exists()


def test_bad_parameter_value_exit_2_names_it(tmp_path, capsys):
    from netanalysis.cli import main

    assert main(["report", "--out", str(tmp_path / "r"), "-p", "seed=abc"]) == 2
    err = capsys.readouterr().err
    assert "seed=abc" in err and "int" in err and "Traceback" not in err


def test_cli_exit_2_in_a_fresh_process(tmp_path):
    """One end-to-end check of the console entry point: a user error is one line, exit 2."""
    r = subprocess.run([sys.executable, "-m", "netanalysis.cli", "report", "--period", "weekly"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "weekly" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_followup_names_read_back_without_the_safety_quote(tmp_path):
    import pandas as pd

    from netanalysis.report.csv_safety import write_safe_csv
    from netanalysis.report.history import followup_movements

    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    write_safe_csv(pd.DataFrame({"rank": [1, 2], "contact_id": ["x", "y"], "name": ["=Evil()", "Ann"]}), tmp_path / "a" / "followup.csv")
    write_safe_csv(pd.DataFrame({"rank": [1, 2], "contact_id": ["y", "z"], "name": ["Ann", "'Quoted"]}), tmp_path / "b" / "followup.csv")
    m = followup_movements(tmp_path / "a", tmp_path / "b")
    assert m["left"] == [{"id": "x", "name": "=Evil()"}] and m["entered"] == [{"id": "z", "name": "'Quoted"}]
    assert m["stayed"] == 1


@pytest.mark.slow
def test_parallel_notebooks_each_run_in_their_folder_without_moving_the_process(tmp_path):
    """papermill's `cwd=` chdirs the whole process, which broke parallel runs; kernels get their folder instead."""
    import os

    from netanalysis.report.runner import run_notebooks

    nb = make_notebook(tmp_path / "01_cwd.ipynb", [("params", "k: int = 0"),
                                                   ("code", "import os; open('where.txt', 'w').write(os.getcwd())")])
    jobs = []
    for k in range(3):
        (tmp_path / f"b{k}").mkdir()
        jobs.append((nb, tmp_path / f"b{k}" / "01_cwd.ipynb", {"k": k}, tmp_path / f"b{k}"))
    before = os.getcwd()
    results = run_notebooks(jobs, show_code=False, workers=2, progress=False)
    assert [r["ok"] for r in results] == [True, True, True] and os.getcwd() == before
    assert [(tmp_path / f"b{k}" / "where.txt").read_text() for k in range(3)] == [str(tmp_path / f"b{k}") for k in range(3)]
    assert all((tmp_path / f"b{k}" / "01_cwd.html").exists() for k in range(3))


def test_the_longest_notebooks_start_first_each_kernel_with_one_blas_thread(monkeypatch, tmp_path):
    """Delayed returns, prediction and the network start before the short pages; kernels see one BLAS and one
    OpenMP thread, and the runner's own environment is put back afterwards."""
    import os
    import time
    from pathlib import Path

    from netanalysis.report import runner

    started = []

    def fake_run_one(nb, *args):
        started.append((Path(nb).stem, (os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("OMP_NUM_THREADS"))))
        time.sleep(0.2)  # both workers take a notebook before either finishes
        return {"ok": True, "notebook": Path(nb).stem}

    monkeypatch.setattr(runner, "_run_one", fake_run_one)
    monkeypatch.setattr(runner, "project_kernel", lambda: None)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # (conftest sets it for the test workers)
    stems = ["01_data_overview", "02_investment_over_time", "03_delayed_returns", "04_predicting_outcomes",
             "05_network_structure"]
    jobs = [(tmp_path / f"{s}.ipynb", tmp_path / "out" / f"{s}.ipynb", {}, tmp_path) for s in stems]
    results = runner.run_notebooks(jobs, show_code=False, workers=2, progress=False)
    assert [r["notebook"] for r in results] == stems  # results still in report order
    assert {stem for stem, _ in started[:2]} == {"03_delayed_returns", "04_predicting_outcomes"}
    assert {threads for _, threads in started} == {("1", "1")}
    assert "OPENBLAS_NUM_THREADS" not in os.environ and "OMP_NUM_THREADS" not in os.environ


def test_memory_is_handed_back_only_after_large_tables(monkeypatch):
    from netanalysis.report import runner

    runner.give_back_memory()  # runs here (glibc or not)
    calls = []
    monkeypatch.setattr(runner, "give_back_memory", lambda: calls.append("handed back"))
    runner._give_back_memory_after(runner.GIVE_BACK_ABOVE)  # a few megabytes: nothing worth a full collection
    assert calls == []
    runner._give_back_memory_after(runner.GIVE_BACK_ABOVE + 1)
    assert calls == ["handed back"]

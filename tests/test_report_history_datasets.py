"""History by dataset: a report compares only with earlier reports of the same data."""

import json
import shutil

import pytest
import test_report_runs
from test_report_runs import OK_CELL, PARAMS, make_notebook

from netanalysis.errors import UserError
from netanalysis.report.dataset_identity import check_name, dataset_identity
from netanalysis.report.history import TREND_MIN_REPORTS, list_reports, trend_file, write_history_index
from netanalysis.report.runner import run_report

three_people = test_report_runs.three_people  # the fixture: Ann, Bob and Cy, with two won deals


# -- the dataset's identity ---------------------------------------------------
def test_same_input_set_same_key_in_any_order_and_whatever_the_contents(tmp_path):
    a, b = tmp_path / "linkedin", tmp_path / "calendar.ics"
    a.mkdir()
    b.write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    first = dataset_identity([a, b])
    b.write_text("BEGIN:VCALENDAR\nX-NEW:next month's export\nEND:VCALENDAR\n")  # a fresher export, same path
    assert dataset_identity([b, a]) == first
    assert dataset_identity([tmp_path / "linkedin" / ".." / "linkedin", b]) == first  # paths are resolved
    assert dataset_identity([a])["key"] != first["key"]
    assert first["name"] == "calendar.ics + linkedin"


def test_a_name_decides_the_dataset_whatever_the_inputs(tmp_path):
    march = dataset_identity([tmp_path / "raw" / "2026-03"], name="my network")
    april = dataset_identity([tmp_path / "raw" / "2026-04"], name=" my network ")
    assert march == april and march["name"] == "my network"
    assert dataset_identity([tmp_path / "raw" / "2026-03"])["key"] != march["key"]
    assert dataset_identity([tmp_path], name="other")["key"] != march["key"]


def test_anonymized_names_do_not_quote_paths(tmp_path):
    ident = dataset_identity([tmp_path / "Jane Doe exports"], anonymize=True)
    assert "Jane" not in ident["name"] and ident["name"].startswith("1 input (")


@pytest.mark.parametrize("bad", ["", "   ", "x" * 61, "two\nlines", "tab\there", "bell\x07"])
def test_bad_names_are_user_errors(bad):
    with pytest.raises(UserError, match="--name"):
        check_name(bad)


@pytest.mark.parametrize("bad", ["", "a\nb", "y" * 80])
def test_bad_name_on_the_command_line_exits_2_with_one_line(bad, tmp_path, capsys):
    from netanalysis.cli import main

    assert main(["report", "--name", bad, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("netanalysis: error: --name") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()


# -- reports of two datasets in one folder -----------------------------------
@pytest.fixture(scope="module")
def ok_notebook(tmp_path_factory):
    return make_notebook(tmp_path_factory.mktemp("nbs") / "01_ok.ipynb",
                         [("md", "# OK"), ("params", PARAMS), ("code", OK_CELL)])


def _summary(folder):
    return json.loads((folder / "summary.json").read_text())


@pytest.fixture
def two_datasets(three_people, ok_notebook, tmp_path):
    """Data A (three people) reported at Feb, Apr and May; data B (a copy, another path) at Mar, between them.

    An older report without a dataset key (an earlier version's) sits at Jan.
    """
    other = tmp_path / "other"
    shutil.copytree(three_people, other)
    reports = tmp_path / "out" / "reports"

    def report(data, as_of, **kw):
        return run_report([data], out=reports / "{as_of}", as_of=as_of, notebooks=[ok_notebook], progress=False, **kw)

    runs = {"A1": report(three_people, "2025-02-28")}
    legacy = reports / "2025-01-31"  # written by hand, as an earlier version would have: no `dataset`
    legacy.mkdir()
    (legacy / "summary.json").write_text(json.dumps({"as_of": "2025-01-31", "counts": {"contacts": 1},
                                                     "metrics": {"first_outcome_probability_12m": 0.9}}))
    runs["B1"] = report(other, "2025-03-31")
    runs["A2"] = report(three_people, "2025-04-30")
    runs["A3"] = report(three_people, "2025-05-31")
    return reports, runs


@pytest.mark.slow
def test_two_datasets_in_one_folder_never_compare_and_are_listed_apart(two_datasets):
    reports, runs = two_datasets
    a1, b1, a2, a3 = (_summary(runs[k]) for k in ("A1", "B1", "A2", "A3"))
    assert a1["dataset"]["key"] == a2["dataset"]["key"] == a3["dataset"]["key"] != b1["dataset"]["key"]
    # A1 is the first of A (the legacy January report is of unknown data); B1 is the first of B, though A1 is older
    assert a1["changes"] is None and b1["changes"] is None
    assert any(n.startswith("changes: no earlier report of the same data") for n in b1["notes"])
    # A2 compares with A1 (Feb), not with B1 (Mar), the latest report in the folder
    assert a2["changes"]["previous_as_of"] == "2025-02-28" and a3["changes"]["previous_as_of"] == "2025-04-30"
    # since Feb: Bob's call (Mar 5), Cy's meeting (Mar 15), Ann's message (Apr 10); Cy is new; Bob's referral won (Apr 20)
    assert a2["changes"]["since_previous"]["interactions"] == 3
    assert a2["changes"]["since_previous"]["new_relationships"] == 1
    assert a2["changes"]["since_previous"]["outcomes_won"] == 1
    # won outcomes / 10: Feb 1 -> Apr 2
    assert a2["changes"]["metrics_delta"]["first_outcome_probability_12m"] == pytest.approx(0.1)
    # the index: one heading per dataset, trends only for A (3 reports)
    key_a, key_b = _summary(runs["A1"])["dataset"]["key"], _summary(runs["B1"])["dataset"]["key"]
    page = (reports / "index.html").read_text()
    # headings: A (newest report May) before B (Mar) before the reports of unknown data
    pos_a, pos_b, pos_old = page.index("<h2>data</h2>"), page.index("<h2>other</h2>"), page.index("<h2>Earlier reports")
    assert pos_a < pos_b < pos_old
    section_a = page[pos_a:pos_b]
    assert [section_a.index(f'href="{d}/index.html"') for d in ("2025-05-31", "2025-04-30", "2025-02-28")] == sorted(
        section_a.index(f'href="{d}/index.html"') for d in ("2025-05-31", "2025-04-30", "2025-02-28"))
    assert "2025-03-31" not in section_a and "2025-01-31" in page[pos_old:]
    assert (reports / trend_file(key_a)).exists() and trend_file(key_a) in section_a
    assert not (reports / trend_file(key_b)).exists()
    assert f"Trend after {TREND_MIN_REPORTS} reports (1 so far)" in page[pos_b:pos_old]
    assert not (reports / "trends.png").exists()


@pytest.mark.slow
def test_second_report_has_no_trend_the_third_has(three_people, ok_notebook, tmp_path):
    reports = tmp_path / "reports"
    key = None
    for n, as_of in enumerate(("2025-03-31", "2025-04-30", "2025-05-31"), 1):
        out = run_report([three_people], out=reports / "{as_of}", as_of=as_of, notebooks=[ok_notebook],
                         progress=False)
        key = _summary(out)["dataset"]["key"]
        page = (reports / "index.html").read_text()
        assert (reports / trend_file(key)).exists() == (n >= 3)
        assert ("Trend after 3 reports" in page) == (n < 3)


@pytest.mark.slow
def test_the_same_name_compares_across_inputs_and_is_escaped(three_people, ok_notebook, tmp_path):
    moved = tmp_path / "april export"
    shutil.copytree(three_people, moved)
    reports = tmp_path / "reports"
    name = "Acme <b>&</b> 'sales'"
    run_report([three_people], out=reports / "{as_of}", as_of="2025-02-28", notebooks=[ok_notebook],
               progress=False, name=name)
    later = run_report([moved], out=reports / "{as_of}", as_of="2025-04-30", notebooks=[ok_notebook],
                       progress=False, name=name)
    s = _summary(later)
    assert s["dataset"]["name"] == name and s["changes"]["previous_as_of"] == "2025-02-28"
    for page in ((reports / "index.html").read_text(), (later / "index.html").read_text()):
        assert "Acme &lt;b&gt;&amp;&lt;/b&gt; &#x27;sales&#x27;" in page and "<b>&</b>" not in page


def test_history_index_of_old_reports_only(tmp_path):
    """A folder of reports written before datasets were recorded: listed, never trended or compared."""
    for as_of in ("2025-01-31", "2025-02-28", "2025-03-31"):
        (tmp_path / as_of).mkdir()
        (tmp_path / as_of / "summary.json").write_text(json.dumps({"as_of": as_of, "metrics": {}}))
    write_history_index(tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert "<h2>Earlier reports" in page and page.count("<tr><td><a") == 3
    assert list(tmp_path.glob("trends*.png")) == [] and len(list_reports(tmp_path)) == 3

"""Data without outcomes gets a report: the sections that need none, and a template to record wins."""

import csv
import json
import shutil

import pytest
import test_report_runs
from test_report_runs import OK_CELL, PARAMS, make_notebook

from netanalysis.analysis.predict.holdout import predict_outcomes
from netanalysis.dates import parse_as_of
from netanalysis.io.loader import load
from netanalysis.io.sources.canonical import BLANK_OUTCOME
from netanalysis.report.privacy import anonymize
from netanalysis.report.runner import run_report
from netanalysis.report.without_outcomes import OUTCOME_METRICS, TEMPLATE_COLUMNS, write_outcomes_template

three_people = test_report_runs.three_people  # the fixture: Ann, Bob and Cy

# A stand-in for the delayed-returns notebook: it fails without outcomes, so it must not run then.
NEEDS_OUTCOMES = '''from netanalysis.report.session import open_report_data
from netanalysis.report.runner import record_metrics
nb = open_report_data(data_dir, as_of, output_dir, period)
won = nb.ds.outcomes[nb.ds.outcomes["status"] == "won"]
if won.empty:
    raise ValueError("this section needs won outcomes")
record_metrics(nb.output_dir, "03_delayed_returns", {"first_outcome_probability_24m": len(won) / 10})'''


@pytest.fixture
def no_outcomes(three_people):
    (three_people / "outcomes.csv").unlink()
    return three_people


def _rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_followup_list_ranks_by_recency_without_outcomes(no_outcomes):
    pred = predict_outcomes(load([no_outcomes]), as_of=parse_as_of("2025-05-31"), horizon_months=1, n_boot=10)
    # last touches: Cy May 20, Ann Apr 10, Bob Mar 5
    assert pred.followup["name"].tolist() == ["Cy", "Ann", "Bob"]
    assert pred.followup["rank"].tolist() == [1, 2, 3] and "probability" not in pred.followup.columns
    assert pred.followup["group"].tolist() == ["active"] * 3  # all touched in Mar, Apr or May
    assert any("ranked by recency alone" in n for n in pred.notes)
    assert pred.holdout.sentence().startswith("**No prediction:** the data has no outcomes")
    metrics, notes = pred.metrics()
    assert metrics["holdout_auc"] is None and any(n.startswith("holdout_auc: the data has no outcomes") for n in notes)


def test_template_is_spreadsheet_safe_and_respects_anonymize(no_outcomes, tmp_path):
    contacts = no_outcomes / "contacts.csv"
    contacts.write_text(contacts.read_text().replace("Bob", "=HYPERLINK(\"http://x\")"))
    ds = load([no_outcomes])
    rows = _rows(write_outcomes_template(ds, tmp_path))
    assert rows[0] == TEMPLATE_COLUMNS == ["contact_id", "name", "timestamp", "kind", "status", "value", "currency"]
    by_id = {r[0]: r[1:] for r in rows[1:]}
    assert set(by_id) == set(ds.contacts["contact_id"]) and len(rows) == 4
    assert "'=HYPERLINK(\"http://x\")" in [v[0] for v in by_id.values()]
    assert all(v[1:] == [""] * 5 for v in by_id.values())
    hidden = anonymize(ds, key=b"test")
    text = write_outcomes_template(hidden, tmp_path).read_text()
    assert "Ann" not in text and "HYPERLINK" not in text and text.count("Person ") == 3
    assert {r[0] for r in _rows(tmp_path / "outcomes_template.csv")[1:]} == set(hidden.contacts["contact_id"])


@pytest.mark.slow
def test_report_without_outcomes_then_with_the_filled_template(no_outcomes, tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    overview = OK_CELL.replace('"first_outcome_probability_12m"', '"contacts_seen"')  # a section needing no outcomes
    ok = make_notebook(nbs / "01_ok.ipynb", [("md", "# OK"), ("params", PARAMS), ("code", overview)])
    returns = make_notebook(nbs / "03_delayed_returns.ipynb", [("params", PARAMS), ("code", NEEDS_OUTCOMES)])
    reports = tmp_path / "out" / "reports"
    first = run_report([no_outcomes], out=reports / "{as_of}", as_of="2025-04-30", notebooks=[ok, returns],
                       progress=False, name="mine")
    s = json.loads((first / "summary.json").read_text())
    assert s["counts"]["outcomes"] == 0 and s["metrics"]["delayed_returns_verdict"] == "not_estimable"
    for key in OUTCOME_METRICS:
        assert s["metrics"][key] is None and any(n.startswith(f"{key}: the data up to 2025-04-30 has no outcomes")
                                                 for n in s["notes"])
    page = (first / "03_delayed_returns.html").read_text()
    assert not (first / "03_delayed_returns.ipynb").exists()  # not run: it would have failed
    assert "has no outcomes" in page and 'href="outcomes_template.csv"' in page and 'href="index.html"' in page
    assert 'href="03_delayed_returns.html"' in (first / "index.html").read_text()
    template = _rows(first / "outcomes_template.csv")
    assert [r[1] for r in template[1:]] == ["Ann", "Bob", "Cy"]  # Cy's first touch (Mar 15) is before the cut
    # the user records one win, Bob's referral, and keeps the blank rows
    filled = [template[0]] + [r[:2] + (["2025-04-20", "referral", "won", "", ""] if r[1] == "Bob" else r[2:])
                              for r in template[1:]]
    mine = tmp_path / "my_outcomes.csv"
    with mine.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(filled)
    shutil.copy(mine, no_outcomes / "my_outcomes.csv")  # in the folder reported on: the same inputs
    second = run_report([no_outcomes], out=reports / "{as_of}", as_of="2025-05-31", notebooks=[ok, returns],
                        progress=False, name="mine")
    s2 = json.loads((second / "summary.json").read_text())
    assert s2["counts"]["outcomes"] == 1 and s2["metrics"]["first_outcome_probability_24m"] == pytest.approx(0.1)
    assert (second / "03_delayed_returns.ipynb").exists() and not (second / "outcomes_template.csv").exists()
    # the referral (Apr 20) is recorded after the fact: one more outcome in all, none in the month since
    assert s2["changes"]["previous_as_of"] == "2025-04-30" and s2["changes"]["counts_delta"]["outcomes"] == 1
    assert s2["changes"]["since_previous"]["outcomes_won"] == 0
    rejected = _rows(second / "rejected.csv")
    assert sum(BLANK_OUTCOME in r for r in rejected[1:]) == 2  # Ann's and Cy's rows, left blank


@pytest.fixture(scope="module")
def linkedin_and_calendar(tmp_path_factory):
    """The most common personal export: a simulated LinkedIn archive and calendar, without the CRM's deals."""
    from netanalysis.simulate.folder import simulate_to_folder

    world = simulate_to_folder(tmp_path_factory.mktemp("world") / "w", contacts=60, months=24, seed=3, fmt="exports")
    mine = tmp_path_factory.mktemp("exports") / "mine"
    for part in ("linkedin", "calendar"):
        shutil.copytree(world / part, mine / part)
    assert not load([world / "hubspot"]).outcomes.empty  # the world's outcomes are all in the CRM's deals
    return mine


@pytest.mark.slow
def test_real_notebooks_on_linkedin_and_calendar_only(linkedin_and_calendar, tmp_path):
    import re

    ds = load([linkedin_and_calendar])
    assert ds.outcomes.empty and len(ds.interactions) > 100
    out = run_report([linkedin_and_calendar], out=tmp_path / "reports" / "r", progress=False)
    s = json.loads((out / "summary.json").read_text())
    for key in (*OUTCOME_METRICS, "holdout_auc", "holdout_auc_recency_baseline", "outcome_rate_by_tie_strength",
                "dormant_reactivation_outcome_rate", "active_tie_outcome_rate"):
        assert s["metrics"].get(key) is None, key
        assert any(n.startswith(f"{key}: ") and "no outcomes" in n for n in s["notes"]), key
    assert s["metrics"]["hours_invested"] > 0 and s["metrics"]["network_diversity"] > 0  # sections needing none ran
    for nb in ("01_data_overview", "02_investment_over_time", "04_predicting_outcomes", "05_network_structure"):
        page = (out / f"{nb}.html").read_text()
        text = re.sub(r"<[^>]+>|data:image/[^\"]+", " ", page)
        assert not re.search(r"\bnan\b|\bNaN\b|Traceback", text), nb
    assert "has no outcomes" in (out / "03_delayed_returns.html").read_text()
    figures = {p.stem for p in (out / "figures").glob("*.png")}
    assert {"01_coverage", "02_investment", "05_network"} <= figures
    assert not figures & {"05_tie_strength", "05_dormant_ties"} and not any(f.startswith("03_") for f in figures)
    follow = list(csv.DictReader((out / "followup.csv").open(encoding="utf-8")))
    assert "probability" not in follow[0] and len(follow) == len(ds.contacts)
    touches = [r["last_touch"] for r in follow]
    assert touches == sorted(touches, reverse=True)  # most recently in touch first
    template = _rows(out / "outcomes_template.csv")
    assert len(template) == len(ds.contacts) + 1 and {r[0] for r in template[1:]} == set(ds.contacts["contact_id"])


def test_network_parts_without_outcomes_show_no_outcome_columns(no_outcomes):
    from netanalysis.analysis.network.ties import dormant_ties, tie_strength

    ds = load([no_outcomes])
    ties = tie_strength(ds, parse_as_of("2025-05-31"), n_boot=20)
    assert not ties.has_outcomes and ties.metrics()["outcome_rate_by_tie_strength"] is None
    assert list(ties.summary().columns) == ["hours in 12 months, above", "relationship-months", "relationships"]
    assert "no outcomes" in ties.sentence() and "0.0%" not in ties.sentence()
    assert {n.split(":")[0] for n in ties.notes} >= {"outcome_rate_by_tie_strength", "outcome_share_by_tie_strength"}
    dormant = dormant_ties(ds, parse_as_of("2025-05-31"), n_boot=20)
    assert dormant.metrics()["active_tie_outcome_rate"] is None
    assert list(dormant.summary().columns) == ["reactivations", "relationships", "relationship-months"]
    assert not dormant.summary().isna().any().any()

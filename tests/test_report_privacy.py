"""--anonymize: no original name, e-mail, company or profile URL in any output file; pseudonyms are
stable for one key; and the same data, parameters and seed give a byte-identical summary.json (apart
from the count of input rows read, when one input also holds rows after as_of)."""

import difflib
import json

import pytest
from helpers import text_files

import netanalysis
from netanalysis.report.privacy import Pseudonymizer, anonymize

# The --anonymize reports are the session's `anonymized_reports` (conftest): as_of 2024-06-30 on the hostile
# distinctive world cut there (`past`) and on the whole world (`full`), same key, same copy of the notebooks.


def originals(data):
    ds = netanalysis.load([data])
    c = ds.contacts
    strings = set(c["name"].dropna()) | set(c["company"].dropna()) | set(c["linkedin_url"].dropna())
    strings |= {e for lst in c["emails"] for e in lst}
    return {s for s in strings if len(s) >= 6}


@pytest.mark.slow
def test_no_original_string_in_any_output(anonymized_reports, distinctive_tokens):
    needles = originals(anonymized_reports["full_data"])
    assert len(needles) > 100  # names, companies, e-mails and URLs of 120 people
    for run, data in ((anonymized_reports["past"], anonymized_reports["past_data"]),
                      (anonymized_reports["full"], anonymized_reports["full_data"])):
        root = run.parent.parent
        files = text_files(run) + [p for p in (root / "reports").iterdir() if p.is_file() and p.suffix != ".png"]
        assert any(p.suffix == ".ipynb" for p in files) and any(p.name == "summary.json" for p in files)
        assert any(p.name == "rejected.csv" for p in files)
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            low = text.lower()
            leaked = [t for t in distinctive_tokens if t in low] + [s for s in needles if s in text][:3]
            assert not leaked, f"{path.relative_to(root)} holds original strings: {leaked[:5]}"
            assert str(data) not in text and str(anonymized_reports["input"]) not in text, \
                f"{path.name} names the input folder"


@pytest.mark.slow
def test_summary_marks_anonymized_and_hides_input_paths(anonymized_reports):
    s = json.loads((anonymized_reports["past"] / "summary.json").read_text())
    assert s["anonymized"] is True
    assert s["inputs"] == ["file 1"]  # one folder given; a path can hold a person's name


def test_pseudonyms_are_stable_and_keyed(tmp_path, distinctive_world):
    p, q = Pseudonymizer(b"k1"), Pseudonymizer(b"k2")
    assert p.name("Ann Lee") == p.name(" ann lee ") == Pseudonymizer(b"k1").name("Ann Lee")
    assert p.name("Ann Lee") != q.name("Ann Lee") and p.name("Ann Lee") != p.name("Bob Roy")
    assert p.email("Ann@X.com") == p.email("ann@x.com") and p.email("ann@x.com").endswith("@example.invalid")
    ds = netanalysis.load([distinctive_world(tmp_path, contacts=30, months=12)])
    a, b = anonymize(ds, b"k1"), anonymize(ds, b"k1")
    assert a.contacts["name"].tolist() == b.contacts["name"].tolist()
    assert a.interactions["contact_id"].nunique() == ds.interactions["contact_id"].nunique()  # one pseudonym per person
    assert not any("Zorblax" in str(v) for v in a.contacts.astype(str).to_numpy().ravel())


@pytest.mark.slow
def test_same_inputs_give_an_identical_summary(anonymized_reports):
    """The two runs read the same folder with the same data up to as_of; for the second, its files also hold six
    later months, which only the count of rows read may show (by the rows those files have beyond the first's)."""
    a, b = ((anonymized_reports[k] / "summary.json").read_text() for k in ("past", "full"))
    same = [[ln for ln in t.splitlines(True) if '"rows_read"' not in ln] for t in (a, b)]
    assert same[0] == same[1], "".join(difflib.unified_diff(same[0], same[1], n=1))[:3000]

    def rows_in_files(folder):
        return sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in folder.glob("*.csv"))

    extra = rows_in_files(anonymized_reports["full_data"]) - rows_in_files(anonymized_reports["past_data"])
    read = [json.loads(t)["metrics"]["rows_read"] for t in (a, b)]
    assert extra > 100 and read[1] - read[0] == extra

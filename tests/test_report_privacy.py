"""--anonymize: no original name, e-mail, company or profile URL in any output file; pseudonyms are
stable for one key; and the same inputs, parameters and seed give a byte-identical summary.json."""

import difflib
import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import text_files

import netanalysis
from netanalysis.report.privacy import Pseudonymizer, anonymize
from netanalysis.report.runner import report_notebooks, run_report

KEY = "test-key-not-secret"


@pytest.fixture(scope="module")
def anonymized(tmp_path_factory, distinctive_world):
    root = tmp_path_factory.mktemp("anon")
    data = distinctive_world(root / "data")
    # the same notebooks for both runs (a copy, so that an edit in between cannot change them)
    (root / "nbs").mkdir()
    nbs = [Path(shutil.copy(nb, root / "nbs" / nb.name)) for nb in report_notebooks()]
    old = os.environ.get("NETANALYSIS_KEY")
    os.environ["NETANALYSIS_KEY"] = KEY
    try:
        first = run_report([data], out=root / "reports" / "first", anonymize=True, progress=False, notebooks=nbs)
        second = run_report([data], out=root / "again" / "reports" / "second", anonymize=True, progress=False,
                            notebooks=nbs)
    finally:
        os.environ.pop("NETANALYSIS_KEY") if old is None else os.environ.__setitem__("NETANALYSIS_KEY", old)
    return root, data, first, second


def originals(data):
    ds = netanalysis.load([data])
    c = ds.contacts
    strings = set(c["name"].dropna()) | set(c["company"].dropna()) | set(c["linkedin_url"].dropna())
    strings |= {e for lst in c["emails"] for e in lst}
    return {s for s in strings if len(s) >= 6}


@pytest.mark.slow
def test_no_original_string_in_any_output(anonymized, distinctive_tokens):
    root, data, first, _ = anonymized
    files = text_files(first) + [p for p in (root / "reports").iterdir() if p.is_file() and p.suffix != ".png"]
    assert any(p.suffix == ".ipynb" for p in files) and any(p.name == "summary.json" for p in files)
    assert any(p.name == "rejected.csv" for p in files)
    needles = originals(data)
    assert len(needles) > 100  # names, companies, e-mails and URLs of 120 people
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        low = text.lower()
        leaked = [t for t in distinctive_tokens if t in low] + [s for s in needles if s in text][:3]
        assert not leaked, f"{path.relative_to(root)} holds original strings: {leaked[:5]}"
        assert str(data) not in text, f"{path.name} names the input folder"


@pytest.mark.slow
def test_summary_marks_anonymized_and_hides_input_paths(anonymized):
    _, data, first, _ = anonymized
    s = json.loads((first / "summary.json").read_text())
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
def test_same_inputs_give_an_identical_summary(anonymized):
    _, _, first, second = anonymized
    a, b = (first / "summary.json").read_text(), (second / "summary.json").read_text()
    assert a == b, "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), n=1))[:3000]

"""Safety of every report output built from hostile data: HTML escaping (checked in headless
Chromium) and spreadsheet-safe CSVs (OWASP CSV injection rule)."""

import csv
import html
import io
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from netanalysis.report.csv_safety import is_dangerous, neutralize, neutralize_csv_file, write_safe_csv
from netanalysis.report.front_page import write_index
from netanalysis.report.history import write_history_index


# -- CSV injection ------------------------------------------------------------
@pytest.mark.parametrize("cell, dangerous", [
    ("=1+1", True), ("+Ann", True), ("-2+3", True), ("@SUM(A1)", True), ("\tAnn", True), ("\rAnn", True),
    ("-3", False), ("+1.5", False), ("Ann", False), ("", False), ("'=1", False), (" =1", False),
])
def test_owasp_rule_by_hand(cell, dangerous):
    assert is_dangerous(cell) is dangerous
    assert neutralize(cell) == ("'" + cell if dangerous else cell)


def test_write_safe_csv_and_file_pass_are_idempotent(tmp_path):
    df = pd.DataFrame({"name": ["=cmd()", "Ann", "-1+1"], "value": [-3.5, 2.0, 1.0]})
    write_safe_csv(df, tmp_path / "a.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "a.csv").read_text())))
    assert rows == [["name", "value"], ["'=cmd()", "-3.5"], ["Ann", "2.0"], ["'-1+1", "1.0"]]
    before = (tmp_path / "a.csv").read_bytes()
    assert neutralize_csv_file(tmp_path / "a.csv") == 0 and (tmp_path / "a.csv").read_bytes() == before
    (tmp_path / "b.csv").write_text('name,n\n=evil(),-4\n"@x",5\n')
    assert neutralize_csv_file(tmp_path / "b.csv") == 2
    assert list(csv.reader(io.StringIO((tmp_path / "b.csv").read_text()))) == [["name", "n"], ["'=evil()", "-4"], ["'@x", "5"]]


@pytest.mark.slow
def test_every_csv_in_the_report_is_spreadsheet_safe(hostile_report):
    csvs = sorted(hostile_report.rglob("*.csv"))
    assert hostile_report / "rejected.csv" in csvs
    rejected = list(csv.DictReader((hostile_report / "rejected.csv").open(encoding="utf-8")))
    assert len(rejected) == 1 and rejected[0]["raw"].startswith("'=2+5")  # the hostile row, neutralised
    for path in csvs:
        with path.open(newline="", encoding="utf-8") as fh:
            bad = [cell for row in csv.reader(fh) for cell in row if is_dangerous(cell)]
        assert not bad, f"{path.name} has formula-like cells: {bad[:3]}"


# -- HTML escaping ------------------------------------------------------------
class DomScan(HTMLParser):
    """Collect what a hostile payload would have produced had it been injected or run."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings, self.text, self._tag = [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._tag = tag
        if "data-pwned" in a:
            self.findings.append(f"a script ran: data-pwned={a['data-pwned']!r} on <{tag}>")
        if a.get("id", "").startswith("pwned"):
            self.findings.append(f"injected element <{tag} id={a['id']}>")
        if tag == "img" and a.get("src") == "x":
            self.findings.append("injected <img src=x>")
        if any(k.startswith("on") and "pwned" in (v or "") for k, v in a.items()):
            self.findings.append(f"injected event handler on <{tag}>")
        if tag in ("a", "iframe") and (a.get("href") or a.get("src") or "").lower().startswith("javascript:"):
            self.findings.append(f"injected javascript: link on <{tag}>")

    def handle_data(self, data):
        if self._tag == "script" and ("pwned" in data or "alert(1)" in data):
            self.findings.append("a <script> element holds data")
        self.text.append(data)


def scan_in_browser(browser, pages: list[Path]) -> dict[str, DomScan]:
    """Each page's DOM after its scripts ran, scanned; a dialog a script opened (an `alert()` from the data)
    is a finding too."""
    scans = {}
    for page in pages:
        shown = browser.show_once(page, budget_ms=3000)  # a shared report's page: loaded once per session
        assert "<html" in shown.dom, page.name
        scan = scans[str(page)] = DomScan()
        scan.feed(shown.dom)
        scan.findings += [f"a script opened a dialog: {dialog}" for dialog in shown.dialogs]
    return scans


@pytest.mark.browser
def test_oracle_catches_an_unescaped_page(tmp_path, hostile_names, browser):
    """The browser check itself: a page that pastes the payloads raw is caught, its escaped twin is not."""
    (tmp_path / "raw.html").write_text("<!doctype html><html><body>" + "".join(f"<p>{n}</p>" for n in hostile_names) + "</body></html>")
    (tmp_path / "safe.html").write_text("<!doctype html><html><body>" + "".join(f"<p>{html.escape(n)}</p>" for n in hostile_names) + "</body></html>")
    scans = scan_in_browser(browser, [tmp_path / "raw.html", tmp_path / "safe.html"])
    raw, safe = scans[str(tmp_path / "raw.html")], scans[str(tmp_path / "safe.html")]
    found = " | ".join(raw.findings)
    assert "script ran" in found and "pwned-b" in found and "img src=x" in found and "dialog: alert: 1" in found
    assert safe.findings == []
    assert "Zorblax Bold" in "".join(safe.text)


@pytest.mark.browser
def test_front_page_and_history_escape_data_strings(tmp_path, hostile_names, browser):
    """Names reach our own pages through the follow-up movements and notes; the pages must show them as text."""
    rep = tmp_path / "reports" / "2025-02-28"
    rep.mkdir(parents=True)
    people = [{"id": f"c{i}", "name": n} for i, n in enumerate(hostile_names)]
    summary = {"as_of": "2025-02-28", "counts": {"contacts": 3}, "metrics": {}, "notes": hostile_names[:3],
               "changes": {"previous_as_of": hostile_names[3], "since_previous": {},
                           "followup": {"top": 20, "stayed": 0, "entered": people, "left": people[:2]}}}
    (rep / "summary.json").write_text(__import__("json").dumps(summary))
    write_index(rep, summary, [], title=hostile_names[0], history_link=True)
    write_history_index(tmp_path / "reports")
    scans = scan_in_browser(browser, [rep / "index.html", tmp_path / "reports" / "index.html"])
    for name, scan in scans.items():
        assert scan.findings == [], f"{name}: {scan.findings}"
    assert "Zorblax Bold" in "".join(scans[str(rep / "index.html")].text)


@pytest.mark.browser
@pytest.mark.slow
def test_every_report_page_escapes_hostile_names_in_the_browser(hostile_report, browser):
    pages = sorted(hostile_report.glob("*.html"))
    assert len(pages) >= 4
    scans = scan_in_browser(browser, pages)
    problems = {name: s.findings for name, s in scans.items() if s.findings}
    assert not problems, problems
    if (hostile_report / "followup.csv").exists():  # the follow-up list names people: markup shows as text
        shown = "".join(t for s in scans.values() for t in s.text)
        assert "Zorblax" in shown and ("<img src=x" in shown or "<script>" in shown or "<b id=" in shown)


@pytest.mark.browser
def test_the_browser_session_reports_a_load_the_policy_blocks(tmp_path, browser):
    """The check the report pages pass (no console line naming the Content Security Policy) can fail: under
    the pages' own policy, an image from another site and an external script are blocked and logged."""
    from netanalysis.report.pages import CSP_META

    page = tmp_path / "blocked.html"
    page.write_text(f"<!doctype html><html><head>{CSP_META}</head><body><p>text</p>"
                    '<img src="https://example.invalid/x.png"><script src="https://example.invalid/x.js"></script>'
                    "</body></html>")
    shown = browser.show(page, budget_ms=2000)
    blocked = [line for line in shown.console if "Content Security Policy" in line]
    assert len(blocked) >= 2, shown.console
    assert "<p>text</p>" in shown.dom

"""A real report run against the output rule: a killed run is cleaned up next time, a failing notebook leaves
the earlier report byte-identical, a report replaces only its own earlier output, and every page works
offline under a strict Content-Security-Policy with data never typeset as math.

The killed run is the real `netanalysis report`; the run after it, which must clean up, runs a small
notebook that writes a figure. The pages checked are the session's shared reports (conftest): the full
report on the hostile world, whose names include a TeX link, and the classroom demo.
"""

import json
import os
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_outputs import tree
from test_report_runs import OK_CELL, PARAMS, make_notebook

from netanalysis import outputs
from netanalysis.errors import UserError
from netanalysis.report.pages import CONTENT_SECURITY_POLICY
from netanalysis.report.runner import run_report

pytestmark = pytest.mark.slow  # every test here runs the report notebooks through papermill

MATH_NAME = r"$\href{javascript:alert(1)}{x}$"  # one of the hostile world's names (conftest)


def kill_a_report_while_it_runs(data: Path, out: Path) -> int:
    """Start `netanalysis report` in its own process group, SIGKILL it once its notebooks run; return its pid."""
    proc = subprocess.Popen([sys.executable, "-m", "netanalysis.cli", "report", str(data), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if any((b / "data" / "contacts.parquet").exists() for b in out.parent.glob(f".{out.name}.building-*")):
            time.sleep(1.0)  # the notebooks have started
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the report ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: no orphaned kernel keeps writing
    proc.wait()
    return proc.pid


# a figure, so that the report has a figures folder whose mode the umask sets
FIGURE_CELL = '''import matplotlib.pyplot as plt
from netanalysis.report.runner import write_figure
write_figure(plt.subplots(figsize=(2, 2))[0], nb.output_dir, "01_ok")'''


@pytest.fixture(scope="module")
def run(tmp_path_factory, distinctive_world):
    root = tmp_path_factory.mktemp("report_outputs")
    data = distinctive_world(root / "data", contacts=60, months=18, hostile=False)
    (root / "nbs").mkdir()
    drawing = make_notebook(root / "nbs" / "01_ok.ipynb", [("params", PARAMS), ("code", OK_CELL), ("code", FIGURE_CELL)])
    (root / "keep.txt").write_text("a user's file next to the reports\n")
    reports = root / "reports"
    out = reports / "r"
    killed_pid = kill_a_report_while_it_runs(data, out)
    left = sorted(reports.glob(".r.building-*"))
    left_info = [json.loads((b / outputs.BUILDING_MARKER).read_text()) for b in left]
    left_bytes = sum(p.stat().st_size for b in left for p in b.rglob("*") if p.is_file())
    not_ours = reports / ".mine.building-2024"  # looks like a building folder, but holds no marker of ours
    not_ours.mkdir()
    (not_ours / "x.txt").write_text("mine\n")
    before = {k: v for k, v in tree(root).items() if not k.startswith("reports/.r.building-")}
    old = os.umask(0o022)
    try:
        run_report([data], out=out, notebooks=[drawing], progress=False)
    finally:
        os.umask(old)
    after = tree(root)
    return {"root": root, "data": data, "out": out, "reports": reports, "killed_pid": killed_pid, "left": left,
            "left_info": left_info, "left_bytes": left_bytes, "before": before, "after": after}


def test_killed_run_is_cleaned_by_the_next_run_and_nothing_else_is_touched(run):
    assert len(run["left"]) == 1 and run["left_info"][0]["pid"] == run["killed_pid"]
    assert run["left_bytes"] > 10_000  # it held a copy of the contacts
    assert not any(b.exists() for b in run["left"])
    changed = {k for k in run["before"] if run["after"].get(k) != run["before"][k]}
    assert changed == set()  # the data, keep.txt and the foreign hidden folder are byte-identical
    new = set(run["after"]) - set(run["before"])
    assert all(k.startswith("reports/r/") or k in ("reports/r", "reports/index.html", "reports/trends.png")
               for k in new), sorted(new)[:5]


def test_report_folders_follow_the_umask(run):
    for d in (run["reports"], run["out"], run["out"] / "figures"):
        assert d.stat().st_mode & 0o777 == 0o755, (d, oct(d.stat().st_mode))
    assert (run["out"] / "index.html").stat().st_mode & 0o777 == 0o644


def test_the_marker_lists_every_file_the_report_wrote(run):
    marker = json.loads((run["out"] / ".netanalysis").read_text())
    assert marker["command"] == "report"
    assert set(marker["files"]) == {p.relative_to(run["out"]).as_posix() for p in run["out"].rglob("*")
                                    if p.is_file() and p.name != ".netanalysis"}


def test_a_failing_notebook_leaves_the_earlier_report_byte_identical(run, tmp_path):
    boom = make_notebook(tmp_path / "01_boom.ipynb", [("params", PARAMS), ("code", "raise RuntimeError('boom')")])
    before = tree(run["out"])
    with pytest.raises(UserError, match="boom") as err:
        run_report([run["data"]], out=run["out"], notebooks=[boom], progress=False)
    assert tree(run["out"]) == before
    kept = run["reports"] / "r.failed-01_boom.ipynb"  # the parent is a reports folder netanalysis made
    assert str(kept) in str(err.value) and outputs.is_our_failed_notebook(kept)
    kept.unlink()
    assert not list(run["reports"].glob(".r.building-*"))


def test_a_report_replaces_its_own_output_and_refuses_once_a_user_file_is_added(run, tmp_path):
    ok = make_notebook(tmp_path / "01_ok.ipynb", [("params", PARAMS), ("code", OK_CELL)])
    extra = make_notebook(tmp_path / "02_extra.ipynb", [("params", PARAMS), ("code", "x = 1")])
    out = tmp_path / "reports" / "s"
    run_report([run["data"]], out=out, notebooks=[ok, extra], progress=False, as_of="2024-06-30")
    assert (out / "02_extra.html").exists()
    run_report([run["data"]], out=out, notebooks=[ok], progress=False, as_of="2024-03-31")
    assert json.loads((out / "summary.json").read_text())["as_of"] == "2024-03-31"
    assert not (out / "02_extra.html").exists()  # the first report's own file went with it
    (out / "my_comments.txt").write_text("the user's notes on this report\n")
    before = tree(tmp_path)
    with pytest.raises(UserError, match="my_comments.txt"):
        run_report([run["data"]], out=out, notebooks=[ok], progress=False, as_of="2024-03-31")
    assert tree(tmp_path) == before


# -- pages ----------------------------------------------------------------------
class PageScan(HTMLParser):
    """The CSP meta tag, scripts, resources loaded from elsewhere, and the text of a page."""

    RESOURCE = {"script": "src", "link": "href", "img": "src", "iframe": "src", "object": "data", "embed": "src",
                "source": "src", "audio": "src", "video": "src"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.csp, self.scripts, self.external, self.text, self.styles = [], 0, [], [], []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(a.get("content"))
        if tag == "script":
            self.scripts += 1
        url = (a.get(self.RESOURCE.get(tag, "")) or "").strip().lower()
        if url.startswith(("http:", "https:", "//")):
            self.external.append(f"<{tag}> {url}")
        if tag == "a" and (a.get("href") or "").strip().lower().startswith("javascript:"):
            self.external.append(f"javascript: link {a['href']}")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


@pytest.fixture(scope="module")
def pages(hostile_report, classroom_demo, hostile_names):
    assert MATH_NAME in hostile_names
    demo = classroom_demo
    found = sorted(hostile_report.glob("*.html")) + [hostile_report.parent / "index.html"] + sorted(demo.glob("*.html"))
    assert len(found) >= 9  # 5 sections + front page + reports index + classroom page and notebook
    return found


def scan(page: Path) -> PageScan:
    s = PageScan()
    s.feed(page.read_text(encoding="utf-8"))
    return s


def test_every_page_has_the_policy_and_nothing_from_the_internet(pages):
    for page in pages:
        s = scan(page)
        assert s.csp == [CONTENT_SECURITY_POLICY], (page.name, s.csp)
        assert s.scripts == 0 and s.external == [], (page.name, s.scripts, s.external[:3])
        css = "".join(s.styles).lower()
        assert "@import" not in css and "url(http" not in css and "url(//" not in css, page.name
        raw = page.read_text(encoding="utf-8")
        assert "mathjax" not in raw.lower() and "require.js" not in raw.lower(), page.name


def test_a_tex_link_in_a_name_is_literal_text(pages):
    shown = {p.name: "".join(scan(p).text) for p in pages}
    assert any(MATH_NAME in text for text in shown.values()), "no page shows a name"


@pytest.mark.browser
def test_pages_render_under_the_policy_in_chromium(pages, browser):
    """Nothing a page needs is blocked (a blocked image or style is logged to the console), and the TeX
    link stays text after the page has loaded."""
    with_name = 0
    for page in pages:
        shown = browser.show_once(page, budget_ms=3000)  # the report safety checks read the same pages
        assert "<html" in shown.dom, page.name
        blocked = [line for line in shown.console if "Content Security Policy" in line]
        assert blocked == [], (page.name, blocked[:2])
        dom = PageScan()
        dom.feed(shown.dom)
        assert dom.external == []
        with_name += MATH_NAME in "".join(dom.text)
    assert with_name >= 1

"""The report as a reader sees it: figures on the section pages beside their words, a title, a heading and a
link back on every page, tables for people, and one self-contained `report.html` to send on.

The slow tests read the session's one full report (conftest's `hostile_report`: 120 people whose names carry
markup, over 24 months).
"""

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the test process has no display; the package itself sets no backend

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from netanalysis.report.pages import CONTENT_SECURITY_POLICY, section_title
from netanalysis.report.runner import report_notebooks, write_figure
from netanalysis.report.tables import people_html

MISSING_WORDS = {"nan", "none", "<na>", "nat"}


class Page(HTMLParser):
    """What a reader's browser would load and show: title, headings, links, images, tables, policy."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.h1, self.links, self.imgs, self.srcs, self.csp = "", [], [], [], [], []
        self.tables: list[list[list[tuple[str, str]]]] = []  # table -> rows -> (tag, text) cells
        self.sections: list[str] = []
        self._in: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._in.append(tag)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(a.get("content"))
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img":
            self.imgs.append(a.get("src") or "")
        for attr in ("src", "href"):
            if a.get(attr) and tag in ("img", "script", "link", "iframe", "source", "a", "embed", "object"):
                self.srcs.append(a[attr])
        if tag == "section":
            self.sections.append(a.get("id", ""))
        if tag == "table":
            self.tables.append([])
        if tag == "tr" and self.tables:
            self.tables[-1].append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append((tag, "".join(self._cell).strip()))
            self._cell = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in and self._in[-1] == "title":
            self.title += data
        if "h1" in self._in and (self._in[-1] == "h1" or not self.h1):
            self.h1.append(data)


def read_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def numbered_rows(table) -> bool:
    """Whether a table's rows start with a row-label cell (th) holding 0, 1, ..., n-1 (n >= 2): a pandas index
    left in. A column of data that happens to count from 0 (months before a win) is a td, and is fine."""
    first = [row[0] for row in table[1:] if row]  # without the header row
    return len(first) >= 2 and all(tag == "th" for tag, _ in first) and \
        [text for _, text in first] == [str(i) for i in range(len(first))]


# -- tables for people, worked out by hand on tiny frames (no notebook needed) --------------------------------
def test_a_table_for_people_has_no_row_numbers_and_says_what_is_missing():
    df = pd.DataFrame({"rows_read": [1001, 400], "value_won": [32920.0, float("nan")], "reason": [None, "x" * 200]})
    page = Page()
    page.feed(people_html(df))
    header, *rows = page.tables[0]
    assert [t for _, t in header] == ["rows read", "value won", "why"]
    assert [[t for _, t in r] for r in rows] == [["1,001", "32,920", "–"], ["400", "–", "x" * 200]]  # not cut


def test_a_meaningful_index_becomes_a_column_and_shares_are_percentages():
    df = pd.DataFrame({"monthly chance": [0.0066, 0.0336], "p (Holm)": [0.0002, 0.25]},
                      index=pd.Index(["weak", "strong"], name="tie_strength"))
    page = Page()
    page.feed(people_html(df))
    header, *rows = page.tables[0]
    assert [t for _, t in header] == ["tie strength", "monthly chance", "p (Holm)"]
    assert [[t for _, t in r] for r in rows] == [["weak", "0.7%", "< 0.001"], ["strong", "3.4%", "0.250"]]


def test_the_row_number_check_tells_an_index_from_a_column_that_counts_from_zero():
    plain = pd.DataFrame({"x": [5, 6, 7]})
    page = Page()
    page.feed(plain.to_html())  # pandas' own table: the index as row labels
    page.feed(people_html(pd.DataFrame({"months before": [0, 1, 2], "x": [5, 6, 7]})))
    assert [numbered_rows(t) for t in page.tables] == [True, False]


def test_a_filtered_frame_loses_its_leftover_row_numbers_and_names_are_escaped():
    df = pd.DataFrame({"name": ["<b>Ann</b>", "Bo"], "clear": [True, False]}, index=[24, 25])
    html = people_html(df)
    assert "<b>Ann" not in html and "&lt;b&gt;Ann&lt;/b&gt;" in html
    page = Page()
    page.feed(html)
    assert [[t for _, t in r] for r in page.tables[0]] == [["name", "clear after correction"],
                                                          ["<b>Ann</b>", "yes"], ["Bo", "no"]]


def test_no_module_of_the_package_chooses_a_matplotlib_backend():
    """A backend chosen at import (matplotlib.use) would stop JupyterLab from showing figures inline."""
    package = Path(__file__).resolve().parents[1] / "netanalysis"
    choosing = [str(p.relative_to(package)) for p in package.rglob("*.py")
                if re.search(r"matplotlib\.use\(|\buse\([\"']agg", p.read_text(encoding="utf-8"), re.I)]
    assert choosing == []


def test_a_saved_figure_is_the_same_bytes_for_the_same_data(tmp_path):
    files = []
    for n in range(2):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1, 2], [1, 3, 2], label="minutes")
        ax.legend()
        files.append(write_figure(fig, tmp_path / str(n), "f").read_bytes())
        plt.close(fig)
    assert files[0] == files[1] and files[0][:8] == b"\x89PNG\r\n\x1a\n"


# -- the session's full report -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report(hostile_report):
    """The session's one full report (conftest), read here only."""
    return hostile_report


@pytest.fixture(scope="module")
def sections(report):
    return [(nb.stem, section_title(nb)) for nb in report_notebooks()]


@pytest.mark.slow
def test_every_figure_is_shown_once_on_its_section_page(report, sections):
    for stem, _ in sections:
        saved = sorted((report / "figures").glob(f"{stem[:2]}_*.png"))
        executed = nbformat.read(str(report / f"{stem}.ipynb"), as_version=4)
        shown = [o["data"]["image/png"] for c in executed.cells for o in c.get("outputs", [])
                 if "image/png" in o.get("data", {})]
        assert len(saved) >= 1, stem  # every section of this world draws at least one figure
        assert len(shown) == len(saved), (stem, len(shown), len(saved))  # once each: no double display
        assert {base64.b64decode(s) for s in shown} == {p.read_bytes() for p in saved}  # the very same PNGs
        imgs = read_page(report / f"{stem}.html").imgs
        assert len(imgs) == len(saved) and all(src.startswith("data:image/png;base64,") for src in imgs), stem


@pytest.mark.slow
def test_every_section_page_has_its_name_as_title_and_heading_and_links_back(report, sections):
    index = read_page(report / "index.html")
    for stem, name in sections:
        page = read_page(report / f"{stem}.html")
        assert page.title.strip() == name, (stem, page.title)
        assert name in "".join(page.h1), (stem, page.h1)
        assert "index.html" in page.links and "report.html" in page.links, stem
        assert f"{stem}.html" in index.links
    assert [name for _, name in sections] == list(index_section_names(report))
    assert sections[4][1].startswith("5. Quality and diversity")  # the page's own heading, not "Network structure"


def index_section_names(report: Path) -> list[str]:
    """The link texts of the front page's section list, in order."""
    text = (report / "index.html").read_text(encoding="utf-8")
    found = re.findall(r'<li><a href="(\d\d_[a-z_]+)\.html">([^<]+)</a></li>', text.split("<h2>Sections</h2>")[1])
    return [re.sub(r"&amp;", "&", name) for _, name in found]


@pytest.mark.slow
def test_the_front_page_shows_headline_figures_that_link_to_their_sections(report, sections):
    index = read_page(report / "index.html")
    figures = [src for src in index.imgs if src.startswith("figures/")]
    all_pngs = list((report / "figures").glob("*.png"))
    assert 1 <= len(figures) < len(all_pngs)  # the headline ones, not a gallery of every PNG
    linked = re.findall(r'<a href="(\d\d_[a-z_]+)\.html"><img src="figures/(\d\d)_',
                        (report / "index.html").read_text(encoding="utf-8"))
    assert len(linked) == len(figures)
    assert all(stem[:2] == number and stem in {s for s, _ in sections} for stem, number in linked), linked


@pytest.mark.slow
def test_no_page_has_row_numbers_or_missing_value_words_in_its_tables(report, sections):
    for stem, _ in sections:
        page = read_page(report / f"{stem}.html")
        for table in page.tables:
            assert not numbered_rows(table), (stem, table[:3])
            words = {text.lower() for row in table for _, text in row}
            assert not (words & MISSING_WORDS), (stem, words & MISSING_WORDS)
            assert not any(text.endswith("...") or text.endswith("…") for row in table for _, text in row), stem


@pytest.mark.slow
def test_report_html_is_one_self_contained_file_with_every_section(report, sections):
    path = report / "report.html"
    assert path.stat().st_size < 10 * 1024 * 1024
    page = read_page(path)
    assert page.csp == [CONTENT_SECURITY_POLICY]
    assert page.imgs and all(src.startswith("data:image/png;base64,") for src in page.imgs)
    assert all(src.startswith(("data:", "#")) for src in page.srcs), [s for s in page.srcs if not s.startswith(("data:", "#"))][:3]
    assert page.sections == [stem for stem, _ in sections]  # every section, in order
    toc = [link[1:] for link in page.links if link.startswith("#") and link[1:] in page.sections]
    assert toc == [stem for stem, _ in sections]
    n_figures = len(list((report / "figures").glob("*.png")))
    assert len(page.imgs) == n_figures
    css = path.read_text(encoding="utf-8")
    assert "@media print" in css and "break-before:page" in css.replace(" ", "")
    assert "<script" not in css.lower()


@pytest.mark.slow
@pytest.mark.browser
def test_report_html_renders_in_chromium_without_console_errors(report, browser):
    shown = browser.show(report / "report.html", budget_ms=3000, screenshot=(1280, 2400))
    assert shown.png[:8] == b"\x89PNG\r\n\x1a\n" and len(shown.png) > 50_000  # a page with charts, not blank
    assert "<section" in shown.dom
    assert shown.console == [] and shown.dialogs == [], (shown.console[:3], shown.dialogs[:3])


def test_pages_rendered_from_the_shared_compiled_templates_equal_freshly_compiled_ones(tmp_path, monkeypatch):
    """Every exporter shares one cache of compiled templates; a page is the same as with templates compiled anew."""
    from netanalysis.report import pages
    from netanalysis.report.runner import SECTION_NAV, to_html

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Section\n\nText with <b>markup</b> and $x$."),
                nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("stream", text="one\n")])]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, str(path))
    uuids = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")  # nbconvert's fresh ids per page
    shared = [uuids.sub("U", to_html(path, show, SECTION_NAV)) for show in (False, True, False)]
    assert pages._COMPILED.code  # filled by the first page, read by the others
    monkeypatch.setattr(pages, "_compiled_templates", lambda: None)  # every exporter compiles its own
    fresh = [uuids.sub("U", to_html(path, show, SECTION_NAV)) for show in (False, True, False)]
    assert shared == fresh and shared[0] == shared[2] != shared[1]  # with code, a different page

"""The report as one file to send on: `report.html`, every section in order, figures embedded.

The executed notebooks are merged into one notebook (each section's cells keep
their outputs, so its figures are `data:` images already) and rendered with the
same offline template and Content-Security-Policy as the section pages. A table
of contents links to each section; printed, each section starts a new page.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from netanalysis.report.pages import notebook_exporter, page_resources, section_title

FILE_NAME = "report.html"


def merged_notebook(executed: list[Path]) -> tuple[nbformat.NotebookNode, list[tuple[str, str]]]:
    """One notebook holding every section's cells in order, and the (anchor, title) of each section.

    Each section's first cell opens a `<section id=anchor>` and its last cell closes it
    (cell metadata read by the offline template); cell ids get the section's name so
    they stay unique.
    """
    merged = nbformat.v4.new_notebook()
    toc = []
    for path in executed:
        nb = nbformat.read(str(path), as_version=4)
        if not nb.cells:
            continue
        anchor = Path(path).stem
        toc.append((anchor, section_title(nb)))
        if not merged.metadata:
            merged.metadata = nb.metadata
        for cell in nb.cells:
            if cell.get("id"):
                cell.id = f"{anchor}-{cell.id}"[:64]
        nb.cells[0].metadata.setdefault("netanalysis", {})["section_start"] = anchor
        nb.cells[-1].metadata.setdefault("netanalysis", {})["section_end"] = True
        merged.cells.extend(nb.cells)
    return merged, toc


def single_file_html(executed: list[Path], title: str, subtitle: str = "", show_code: bool = False) -> str:
    """Every executed notebook in `executed`, in order, as one offline HTML page with a table of contents."""
    merged, toc = merged_notebook(executed)
    merged.metadata["title"] = title
    resources = page_resources(toc=toc)
    resources.update(heading=title, subtitle=subtitle)
    body, _ = notebook_exporter(show_code).from_notebook_node(merged, resources=resources)
    return body


def write_single_file(folder: Path, notebooks: list[Path], summary: dict, show_code: bool = False) -> Path:
    """Write `report.html` into the report folder from the executed copies of `notebooks` there."""
    folder = Path(folder)
    executed = [folder / f"{Path(nb).stem}.ipynb" for nb in notebooks]
    counts = summary.get("counts", {})
    subtitle = f"Data up to {summary.get('as_of', '')}" + (
        " · " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) if counts else "")
    page = single_file_html([p for p in executed if p.exists()], title=f"netanalysis report · {summary.get('as_of', '')}",
                            subtitle=subtitle, show_code=show_code)
    path = folder / FILE_NAME
    path.write_text(page, encoding="utf-8")
    return path

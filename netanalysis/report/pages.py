"""What every HTML page netanalysis writes shares: it works offline and runs no script.

No page loads a script or a style from the internet (the notebook pages use
the `offline` nbconvert template in `netanalysis/report/templates/`, the lab template
without require.js, MathJax, Mermaid and widget scripts), and every page
carries a strict Content-Security-Policy that forbids scripts altogether: even
markup that escaped escaping could not run. Data is never typeset as math:
without MathJax, ``$...$`` in a name stays literal text.
"""

from __future__ import annotations

import html
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data: 'self'; style-src 'unsafe-inline' 'self'; "
                           "base-uri 'none'; form-action 'none'")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CONTENT_SECURITY_POLICY)}">'


def notebook_exporter(show_code: bool = False):
    """An nbconvert HTMLExporter for report pages: offline template, no prompts, code only if asked.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    # Each exporter makes its own Jinja environment; sharing the compiled templates saves compiling the same
    # dozen files again for every page (about half a second each).
    exporter.environment.bytecode_cache = _compiled_templates()
    return exporter


def _compiled_templates():
    """One in-memory Jinja bytecode cache for every page of this process (the templates do not change)."""
    global _COMPILED
    if _COMPILED is None:
        from jinja2 import BytecodeCache

        class InMemory(BytecodeCache):
            def __init__(self):
                self.code = {}

            def load_bytecode(self, bucket):
                if bucket.key in self.code:
                    bucket.bytecode_from_string(self.code[bucket.key])

            def dump_bytecode(self, bucket):
                self.code[bucket.key] = bucket.bytecode_to_string()

        _COMPILED = InMemory()
    return _COMPILED


_COMPILED = None


# Navigation bars are for the screen; on paper each section of the single-file report starts a page.
PAGE_CSS = """
nav.na-nav{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:.95rem;padding:.6rem 1rem;
  border-bottom:1px solid #d0d7de;margin-bottom:.5rem}
nav.na-toc{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;padding:0 1rem 1rem;border-bottom:1px solid #d0d7de}
nav.na-toc ul{list-style:none;padding-left:.5rem}nav.na-toc li{margin:.2rem 0}
header.na-cover{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;padding:1rem 1rem 0}
header.na-cover p{color:#57606a}
.jp-RenderedHTMLCommon table{margin:.4rem 0}
@media print{
  nav.na-nav{display:none}
  nav.na-toc{border:0}
  section.na-section{break-before:page}
  .jp-OutputArea-output img{break-inside:avoid;max-width:100%}
}
"""


def page_resources(nav=(), toc=()) -> dict:
    """The resources the `offline` template reads: the policy it writes into the page, the page's own CSS,
    an optional navigation bar (`nav`: (href, text) pairs) and table of contents (`toc`: (anchor, title) pairs)."""
    return {"content_security_policy": CONTENT_SECURITY_POLICY, "page_css": PAGE_CSS,
            "nav": [tuple(x) for x in nav], "toc": [tuple(x) for x in toc]}


def section_title(nb) -> str:
    """A section's name: the text of the notebook's first `# ` heading (the name the index links by).

    `nb` is a notebook node or a path to one; without a heading, the file name in words.

    Examples
    --------
    >>> import nbformat
    >>> section_title(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 2. Time invested\\nText")]))
    '2. Time invested'
    """
    import nbformat

    if not hasattr(nb, "cells"):
        path = Path(nb)
        fallback = path.stem.replace("_", " ").lstrip("0123456789 ").capitalize()
        try:
            nb = nbformat.read(str(path), as_version=4)
        except (OSError, ValueError):
            return fallback
    else:
        fallback = "Notebook"
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return fallback

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
    return exporter


def page_resources() -> dict:
    """The resources the `offline` template reads (the policy it writes into the page)."""
    return {"content_security_policy": CONTENT_SECURITY_POLICY}

"""Leave out jsonschema's IRI check in the processes the report runs: its grammar costs seconds to build.

jsonschema (which nbformat, papermill and nbconvert import) checks IRIs with
rfc3987-syntax when that is installed (jupyterlab brings it in), and
rfc3987-syntax builds a grammar parser when imported: about 3 CPU seconds in
every process that runs or renders a notebook. Nothing in the report checks
IRIs; without the module, jsonschema leaves that one check out.

Only the processes that run or render the report's notebooks do this: the
runner (`runner.run_report`, `runner.execute_notebook`, `runner.to_html`,
`classroom.demo.run_classroom`), the kernels it starts (`netanalysis.report.kernel`) and the test processes. Anyone
else importing netanalysis keeps jsonschema's full checks and can import
rfc3987-syntax.
"""

from __future__ import annotations

import sys


def skip_iri_grammar() -> None:
    """Make `import rfc3987_syntax` fail in this process, so jsonschema leaves its IRI check out.

    Does nothing once jsonschema is imported (it has made its choice) or once rfc3987-syntax is.
    A later `import rfc3987_syntax` in this process raises ImportError.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)

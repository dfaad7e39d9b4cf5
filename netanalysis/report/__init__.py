"""The report: papermill runner, parameters, config, history, front page, privacy, safety."""

import sys

# jsonschema (which nbformat, papermill and nbconvert import) checks IRIs with rfc3987-syntax when that is
# installed (jupyterlab brings it in), and rfc3987-syntax builds a grammar parser when imported: about
# 3 CPU seconds in every process that runs or renders a notebook. Nothing here checks IRIs; without the
# module, jsonschema leaves that one check out. (A later `import rfc3987_syntax` in this process fails.)
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

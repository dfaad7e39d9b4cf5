"""CPU seconds of each report notebook's import lines, in a fresh interpreter that has started a kernel's imports.

    .venv/bin/python benchmarks/bench_import_cells.py [--repeat 3] [--modules 12]

Not a test; run by hand. For each notebook, the import statements of its first
cell after the parameters run in a new process after ``import ipykernel.kernelapp``
(a kernel has that already), with the report kernels' figure backend; the
smallest CPU time of `--repeat` runs is printed, then the modules that took the
longest to import (``python -X importtime``, cumulative microseconds), and
whether jsonschema (and with it the IRI grammar of rfc3987-syntax) was imported.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRELUDE = "import ipykernel.kernelapp, sys, time\n"


def import_lines(notebook: Path) -> str:
    """The import statements of the notebook's first code cell after its parameters."""
    cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    source = "".join(cells[1]["source"])
    return "\n".join(ast.get_source_segment(source, node) for node in ast.parse(source).body
                     if isinstance(node, (ast.Import, ast.ImportFrom)))


def _run(args: list[str], code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    return subprocess.run([sys.executable, *args, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          check=True)


def slowest_modules(imports: str, n: int) -> list[tuple[float, str]]:
    """The `n` modules with the longest cumulative import time (seconds) among those the lines import."""
    err = _run(["-X", "importtime"], PRELUDE + "sys.stderr.write('START\\n')\n" + imports).stderr
    rows = []
    for line in err.split("START\n", 1)[1].splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]) / 1e6, parts[2].rstrip()))
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--modules", type=int, default=12)
    args = ap.parse_args()
    for notebook in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        imports = import_lines(notebook)
        code = (PRELUDE + "t = time.process_time()\n" + imports + "\nprint(time.process_time() - t, "
                "'jsonschema' in sys.modules, len(sys.modules))")
        runs = [_run([], code).stdout.split() for _ in range(args.repeat)]
        cpu, jsonschema, modules = min(runs, key=lambda r: float(r[0]))
        print(f"{notebook.stem}: {float(cpu):.2f} CPU s, {modules} modules loaded, jsonschema imported: {jsonschema}")
        for seconds, name in slowest_modules(imports, args.modules):
            print(f"    {seconds:6.3f} s  {name}")


if __name__ == "__main__":
    main()

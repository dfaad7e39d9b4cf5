"""The notebooks read like the analysis a student follows: no functions, no joined statements, no outputs."""

import ast
import re

import nbformat
import pytest

from netanalysis.paths import NOTEBOOKS

NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
# Bookkeeping a cell should leave to the results' own metrics(), notes() and captions.
BOOKKEEPING = re.compile(r"\bmetrics\[[^\]]*\]\s*(?:,[^=\n]*)?=(?!=)|\bmetrics\.update\(|\bnotes\.(?:append|extend)\("
                         r"|\bcaptions\[[^\]]*\]\s*=(?!=)")


def _code(cell) -> str:
    """A code cell's Python, IPython magics and shell escapes blanked out (line numbers kept)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())


def _joined(tree: ast.AST) -> list[int]:
    """Lines where one statement starts on the line another ends: statements joined with `;`."""
    lines = []
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                lines += [b.lineno for a, b in zip(block, block[1:])
                          if isinstance(a, ast.stmt) and isinstance(b, ast.stmt) and a.end_lineno == b.lineno]
    return lines


def test_there_are_notebooks():
    assert len(NOTEBOOK_PATHS) >= 6


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_cells_define_no_functions_and_join_no_statements(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        tree = ast.parse(_code(cell), filename=f"{path.name} code cell {i}")
        defined = [type(n).__name__ for n in ast.walk(tree)
                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
        assert not defined, f"{path.name} code cell {i} defines {defined}"
        assert not _joined(tree), f"{path.name} code cell {i} joins statements with ';' on lines {_joined(tree)}"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_one_parameters_cell_and_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} keeps outputs"


def test_the_checks_catch_what_they_look_for():
    # Worked out by hand: `a = 1; b = 2` is two statements on line 1, a trailing `;` only silences output.
    assert _joined(ast.parse("a = 1; b = 2")) == [1]
    assert _joined(ast.parse("if x:\n    a = 1; b = 2\nc = 3")) == [2]
    assert _joined(ast.parse("record(x);\nshow(y)")) == []
    assert any(isinstance(n, ast.Lambda) for n in ast.walk(ast.parse("f = lambda c: c")))


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_cells_do_no_bookkeeping(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        found = [m.group(0) for m in BOOKKEEPING.finditer(_code(cell))]
        assert not found, f"{path.name} code cell {i} does bookkeeping the results should do: {found}"


def test_the_bookkeeping_check_catches_what_it_looks_for():
    # Each line below is bookkeeping written by hand; the reads and comparisons after them are not.
    for line in ('metrics["a"] = 1', "metrics[key], metrics[key + '_ci'] = p, ci", "metrics.update(fit.metrics())",
                 "notes.append('a: why')", "notes.extend(fit.notes())", 'captions["03_x"] = "A figure."',
                 'part.metrics["a"] = 1'):
        assert BOOKKEEPING.search(line), line
    for line in ('metrics["a"] == 1', "x = metrics['a']", "page.notes", "record_metrics(d, n, metrics, notes)",
                 "first_outcome.metrics.get('a')"):
        assert not BOOKKEEPING.search(line), line

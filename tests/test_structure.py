"""The package's shape: the rules a newcomer relies on (no import cycles, a small top)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "netanalysis"
MAX_BODY_LINES = 60
MAX_TOP_MODULES = 12


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _body_lines(node: ast.AST) -> int:
    body = node.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) and len(body) > 1:
        first = body[1]  # the docstring does not count
    return node.end_lineno - first.lineno + 1


def test_no_function_body_over_60_lines():
    long = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _body_lines(node) > MAX_BODY_LINES:
                long.append(f"{name}.{node.name}: {_body_lines(node)} lines")
    assert not long, "functions over 60 lines:\n" + "\n".join(long)


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Package modules that `name` imports, at module level or inside functions."""
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                found.add(sub if sub in known else mod)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in known and m != name}


def test_no_import_cycles_between_modules():
    mods = _modules()
    graph = nx.DiGraph()
    for name, path in mods.items():
        for target in _imports(name, path, set(mods)):
            # a package's __init__ re-exporting its own modules is not a cycle of ideas
            if not target.startswith(name + ".") and not name.startswith(target + "."):
                graph.add_edge(name, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles: {cycles}"


def test_top_of_the_package_stays_small():
    top = [p.name for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()]
    assert len(top) <= MAX_TOP_MODULES + 8, sorted(top)  # modules plus stage subpackages
    modules = [n for n in top if n.endswith(".py")]
    assert len(modules) <= MAX_TOP_MODULES, sorted(modules)


# Where a run starts and the user's text (or a stored report's) becomes the cut-off; see netanalysis/dates.py.
PARSE_AS_OF_ENTRY_POINTS = {
    "netanalysis.dates",  # defines it
    "netanalysis.cli",  # `netanalysis panel --as-of`
    "netanalysis.dataset",  # Dataset.until and Dataset.panel take the user's text
    "netanalysis.report.runner",  # `netanalysis report --as-of` and report.toml
    "netanalysis.report.session",  # a notebook's `as_of` parameter
    "netanalysis.report.history",  # the as_of of earlier reports, read from their summary.json
}


def test_as_of_is_parsed_only_where_a_run_starts():
    """Analyses, the panel and plots take a pd.Timestamp; only the entry points turn text into one."""
    parsing = set()
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = isinstance(node, ast.Call) and "parse_as_of" in (getattr(node.func, "id", None),
                                                                       getattr(node.func, "attr", None))
            imported = isinstance(node, ast.ImportFrom) and any(a.name == "parse_as_of" for a in node.names)
            if called or imported:
                parsing.add(name)
    outside = sorted(parsing - PARSE_AS_OF_ENTRY_POINTS)
    assert not outside, f"parse_as_of outside the entry points (take a pd.Timestamp instead): {outside}"
    assert "netanalysis.report.runner" in parsing  # the walk finds calls at all

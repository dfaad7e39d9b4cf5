"""Kernels forked from the warm process (`report.warm_kernels`) are what a new kernel process would be:
the same folder, path, arguments, environment, thread limits, hash seed and inline figures; their own
process group, and numpy's generator seeded afresh. They end when the runner does, and a kernel still
starts (as a new process) when the warm process is gone."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from netanalysis.report import runner, warm_kernels

pytestmark = [pytest.mark.slow,  # starts kernels
              pytest.mark.skipif(not warm_kernels.enabled(), reason="warm kernels are used on Linux only")]

FACTS = textwrap.dedent("""\
    import hashlib, json, os, sys
    import matplotlib.pyplot as plt
    import numpy as np
    from threadpoolctl import threadpool_info
    plt.plot([1, 2, 3])  # left open: the inline backend shows it when the cell ends
    facts = {
        "cwd": os.getcwd(), "path0": sys.path[0], "argv": [a for a in sys.argv if not a.endswith(".json") and "parent_handle" not in a],
        "env": {k: os.environ.get(k) for k in ("MPLBACKEND", "PYTHONHASHSEED", "OMP_NUM_THREADS",
                                               "OPENBLAS_NUM_THREADS", "NETANALYSIS_TEST_VALUE",
                                               "NETANALYSIS_KEY", "NETANALYSIS_BATCH")},
        "hash": hash("netanalysis"), "own_group": os.getpgid(0) == os.getpid(),
        "parent_is_jpy_parent": os.environ.get("JPY_PARENT_PID") == str(os.getppid()),
        "stdin_is_not_a_tty": not os.isatty(0), "backend": plt.get_backend(),
        # the libraries loaded depend on what the warm process imported before: their thread limits do not
        "threads": sorted({i["num_threads"] for i in threadpool_info()}),
        "main": sys.modules["__main__"].__name__,
    }
    print(json.dumps({"facts": facts, "ppid": os.getppid(), "draw": float(np.random.rand())}))
""")


KEY_AND_BATCH = ("NETANALYSIS_KEY", "NETANALYSIS_BATCH")


def _run(tmp_path: Path, name: str) -> dict:
    folder = tmp_path / name
    folder.mkdir()
    nb = new_notebook(cells=[new_code_cell(FACTS)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "01_facts.ipynb")
    runner.run_notebooks([(folder / "01_facts.ipynb", folder / "out.ipynb", {}, folder)], show_code=False,
                         workers=1, progress=False)
    outputs = nbformat.read(folder / "out.ipynb", as_version=4).cells[0].outputs
    seen = json.loads(next(o["text"] for o in outputs if o.get("name") == "stdout"))
    seen["facts"]["figure_shown"] = any("image/png" in o.get("data", {}) for o in outputs)
    seen["facts"]["cwd"] = os.path.relpath(seen["facts"]["cwd"], folder)
    seen["facts"]["path0"] = os.path.relpath(seen["facts"]["path0"], folder)
    return seen


def test_a_forked_kernel_is_what_a_new_kernel_process_is(tmp_path, monkeypatch):
    monkeypatch.setenv("NETANALYSIS_TEST_VALUE", "given")
    for name in KEY_AND_BATCH:
        monkeypatch.delenv(name, raising=False)
    warm = [_run(tmp_path, "warm0")]
    # the anonymizing key and the batch flag are read when a function runs, never on import (see the next
    # test): the same warm process forks a kernel whose environment has them, and the kernel sees its own
    monkeypatch.setenv("NETANALYSIS_KEY", "test-key-not-secret")
    monkeypatch.setenv("NETANALYSIS_BATCH", "1")
    warm.append(_run(tmp_path, "warm1"))
    forked_from = warm_kernels._current.process.pid
    monkeypatch.setenv("NETANALYSIS_WARM_KERNELS", "0")
    cold = _run(tmp_path, "cold")
    assert [w["ppid"] for w in warm] == [forked_from] * 2  # the warm ones were forked...
    assert cold["ppid"] == os.getpid()  # ...and the other one was started by the runner
    assert [warm[0]["facts"]["env"].pop(k) for k in KEY_AND_BATCH] == [None, None]
    assert [warm[1]["facts"]["env"].pop(k) for k in KEY_AND_BATCH] == ["test-key-not-secret", "1"]
    assert [cold["facts"]["env"].pop(k) for k in KEY_AND_BATCH] == ["test-key-not-secret", "1"]
    assert warm[0]["facts"] == warm[1]["facts"] == cold["facts"]
    assert cold["facts"]["cwd"] == "." and cold["facts"]["figure_shown"] and cold["facts"]["own_group"]
    assert cold["facts"]["env"]["NETANALYSIS_TEST_VALUE"] == "given"
    assert warm[0]["draw"] != warm[1]["draw"]  # not one inherited state of numpy's global generator


def test_no_module_of_the_package_reads_the_environment_when_imported():
    """What lets a warm process serve kernels whose KEY and BATCH variables differ (`NOT_COMPARED`): the
    package reads the environment only inside functions, never at a module's top level or in a class body."""
    import ast

    import netanalysis

    def top_level(node):  # the nodes run on import: not those inside a function or lambda
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield child
                yield from top_level(child)

    read = []
    for path in Path(netanalysis.__file__).parent.rglob("*.py"):
        for node in top_level(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if name in ("environ", "environb", "getenv"):
                read.append(f"{path.name}:{node.lineno}")
    assert read == []
    assert set(KEY_AND_BATCH) <= warm_kernels.NOT_COMPARED


def test_a_kernel_starts_as_a_new_process_when_the_warm_process_is_gone(tmp_path):
    first = _run(tmp_path, "first")
    gone = warm_kernels._current.process
    gone.send_signal(signal.SIGKILL)
    gone.wait(timeout=10)
    assert first["ppid"] == gone.pid
    second = _run(tmp_path, "second")  # the dead process is noticed: a new warm process forks this kernel
    assert second["ppid"] == warm_kernels._current.process.pid != gone.pid
    assert second["facts"] == first["facts"]


def test_kernels_and_the_warm_process_end_when_the_runner_is_killed(tmp_path):
    notebook = tmp_path / "01_wait.ipynb"
    nb = new_notebook(cells=[new_code_cell(
        "import os, time\n"
        f"open({str(tmp_path / 'pids.json')!r}, 'w').write('[%d, %d]' % (os.getpid(), os.getppid()))\n"
        "time.sleep(120)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, notebook)
    script = (f"from pathlib import Path\nfrom netanalysis.report import runner\n"
              f"runner.run_notebooks([(Path({str(notebook)!r}), Path({str(tmp_path / 'out.ipynb')!r}), {{}}, "
              f"Path({str(tmp_path)!r}))], show_code=False, workers=1, progress=False)\n")
    the_runner = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    try:
        deadline = time.time() + 120
        while not (tmp_path / "pids.json").exists() and time.time() < deadline and the_runner.poll() is None:
            time.sleep(0.2)
        kernel, warm = json.loads((tmp_path / "pids.json").read_text())
        assert warm != the_runner.pid  # forked from the warm process
    finally:
        the_runner.kill()
        the_runner.wait()
    deadline = time.time() + 20
    while time.time() < deadline and (_alive(kernel) or _alive(warm)):
        time.sleep(0.2)
    assert not _alive(kernel) and not _alive(warm)


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, ended but not yet collected by its parent, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_imports_are_the_notebooks_top_level_ones(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("import pandas as pd\nfrom netanalysis.dates import parse_as_of\nx = 1"),
        new_code_cell("%matplotlib inline\nimport not_seen"),  # IPython syntax: not plain Python, left out
        new_code_cell("if True:\n    import nested_not_seen\nfrom . import relative_not_seen\nimport pandas as pd"),
    ])
    nbformat.write(nb, tmp_path / "a.ipynb")
    assert warm_kernels.notebook_imports([tmp_path / "a.ipynb", tmp_path / "missing.ipynb"]) == [
        "import pandas as pd", "from netanalysis.dates import parse_as_of"]


def test_a_kernel_does_not_wait_for_an_import_that_hangs(tmp_path, monkeypatch):
    monkeypatch.setattr(warm_kernels, "IMPORTS_WAIT", 1.0)
    first = _run(tmp_path, "first")
    busy = warm_kernels._current
    busy.import_lines(["import time; time.sleep(60)"])  # a module that takes its time to import
    started = time.time()
    cold = _run(tmp_path, "meanwhile")
    assert cold["ppid"] == os.getpid() and time.time() - started < 60  # started as a new process, not waited
    assert cold["facts"] == first["facts"]
    busy.process.kill()  # (rather than wait for the import)


def test_a_report_on_large_data_starts_its_kernels_as_new_processes(monkeypatch):
    monkeypatch.delenv("NETANALYSIS_WARM_KERNELS", raising=False)
    with runner._kernels_for(warm_kernels.LARGEST_WARM_DATA):
        assert warm_kernels.enabled()
    with runner._kernels_for(warm_kernels.LARGEST_WARM_DATA + 1):
        assert not warm_kernels.enabled() and not warm_kernels._live  # the warm process is let go as well
    assert warm_kernels.enabled()
    monkeypatch.setenv("NETANALYSIS_WARM_KERNELS", "1")  # the user's choice stands
    with runner._kernels_for(warm_kernels.LARGEST_WARM_DATA + 1):
        assert warm_kernels.enabled()


def test_no_warm_kernels_where_pidfds_are_refused(monkeypatch):
    def refused(pid):
        raise PermissionError(1, "Operation not permitted")  # as some container sandboxes answer

    monkeypatch.setattr(os, "pidfd_open", refused)
    warm_kernels._pidfds_work.cache_clear()
    try:
        assert not warm_kernels.enabled()
    finally:
        monkeypatch.undo()
        warm_kernels._pidfds_work.cache_clear()
    assert warm_kernels.enabled()


def test_a_kernel_starts_as_a_new_process_when_no_warm_process_can_start(tmp_path, monkeypatch):
    def cannot_start(*args, **kwargs):
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(warm_kernels.WarmProcess, "__init__", cannot_start)
    monkeypatch.setenv("NETANALYSIS_TEST_VALUE", "no warm process for this environment yet")
    assert _run(tmp_path, "cold")["ppid"] == os.getpid()


def test_notebooks_are_parsed_one_at_a_time_across_threads(tmp_path, monkeypatch):
    """The runner's notebook threads each read their notebook's imports: Python 3.11 cannot build two `ast`
    trees at once (a SystemError now and then), so at most one parse runs at any moment."""
    import ast
    import threading
    from concurrent.futures import ThreadPoolExecutor

    nbformat.write(new_notebook(cells=[new_code_cell("import json\nx = 1")]), tmp_path / "a.ipynb")
    running, most, guard, parse = [0], [0], threading.Lock(), ast.parse

    def slow_parse(source):
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.005)  # long enough for another thread to enter, were it allowed
        with guard:
            running[0] -= 1
        return parse(source)

    monkeypatch.setattr(warm_kernels.ast, "parse", slow_parse)
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda _: warm_kernels.notebook_imports([tmp_path / "a.ipynb"]), range(8)))
    monkeypatch.undo()  # pytest itself parses to show a failure
    assert found == [["import json"]] * 8 and most[0] == 1

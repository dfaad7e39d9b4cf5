"""Running the report: load, cut at `as_of`, execute the notebooks with papermill
(in parallel, one kernel each), convert them to HTML, and write `index.html`,
`summary.json` and the history atomically.

Parameter checking lives in :mod:`netanalysis.report.parameters`, the config file in
:mod:`netanalysis.report.config`, history and changes in :mod:`netanalysis.report.history`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from netanalysis.dates import parse_as_of
from netanalysis.errors import NotebookFailed, UserError
from netanalysis.modes import Period, values
from netanalysis.outputs import (
    building,
    check_out_folder,
    keep_failed_notebook,
    owns_reports_folder,
    publish,
    remove_failed_notebooks,
)
from netanalysis.panel.memory import give_back_memory
from netanalysis.paths import NOTEBOOKS, REPORTS, SAMPLE_DATA
from netanalysis.report.lighter_imports import skip_iri_grammar
from netanalysis.report.parameters import check_parameters, coerce_parameter  # noqa: F401  (public here since the first version)

KERNEL_NAME = "netanalysis-report"
HEADLINE_KEYS = (
    "first_outcome_probability_12m", "first_outcome_probability_24m", "time_to_first_outcome_median_months",
    "outcomes_within_30d_share", "carryover_half_life_months", "holdout_auc", "holdout_auc_recency_baseline",
)
# Figures show in the notebook, beside the text that explains them (save_figure also saves them).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Set for every kernel by its spec: figures inline, and the same hash seed in every run (stable layouts).
KERNEL_ENV = {"MPLBACKEND": INLINE_BACKEND, "PYTHONHASHSEED": "0"}
# Set to one thread for kernels unless the user set them (`_one_blas_thread_per_kernel`).
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
NOT_YET = "not estimated yet: this version of netanalysis does not compute it"


# -- helpers that notebooks call --------------------------------------------
def write_figure(fig, output_dir, name: str) -> Path:
    """Save a figure as `figures/<name>.png` under the report's output folder; return the file.

    The PNG carries no creation time, so the same data gives the same file.
    """
    folder = Path(output_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    return path


def save_figure(fig, output_dir, name: str):
    """Save a figure as `figures/<name>.png` (`write_figure`) and show it here, once.

    In a notebook the saved file itself is shown, so the page and `figures/` hold
    the same bytes, and the figure is closed, so the inline backend does not show it
    a second time at the end of the cell. Returns the (closed) figure.
    """
    import matplotlib.pyplot as plt

    path = write_figure(fig, output_dir, name)
    plt.close(fig)
    if _in_notebook():
        from IPython.display import Image, display

        display(Image(data=path.read_bytes(), format="png"))
    return fig


def _in_notebook() -> bool:
    """Whether a Jupyter kernel runs this code (a plain script or test has no display to show a figure in)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def record_metrics(output_dir, notebook: str, metrics: dict, notes: list[str] | None = None,
                   captions: dict | None = None) -> dict:
    """Write one notebook's part of `summary.json` (metrics, notes, figure captions)."""
    folder = Path(output_dir) / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    part = {"metrics": _jsonable(metrics), "notes": list(notes or []), "captions": dict(captions or {})}
    (folder / f"{notebook}.json").write_text(json.dumps(part, indent=2, allow_nan=False), encoding="utf-8")
    return part


def _jsonable(x):
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if not np.isfinite(x) else float(x)
    if x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, pd.Timestamp):
        return x.isoformat()
    return x


# -- the kernel -------------------------------------------------------------
def project_kernel() -> str:
    """A kernelspec for this very interpreter, first on JUPYTER_PATH.

    A user-level `python3` kernelspec may point to another interpreter without
    netanalysis; naming our own spec, found before any user one, avoids that.
    The kernel logs only critical errors (cell errors reach us through papermill): its "running over TCP without encryption"
    warning (a local kernel on loopback) would otherwise fill every run's output.
    """
    # One folder per user and interpreter: two checkouts (two venvs) on one machine must not
    # overwrite each other's spec, or a kernel could start the other checkout's Python.
    interpreter = hashlib.sha256(sys.executable.encode()).hexdigest()[:12]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(tempfile.gettempdir()) / f"netanalysis-kernels-{uid}-{interpreter}"
    spec_dir = folder / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "netanalysis.report.kernel", "-f", "{connection_file}",
                     "--IPKernelApp.log_level=CRITICAL"],
            "display_name": "netanalysis (project)", "language": "python", "env": KERNEL_ENV}
    text = json.dumps(spec)
    target = spec_dir / "kernel.json"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        # a temporary name of its own per call: notebooks start on several threads at once
        fd, tmp = tempfile.mkstemp(prefix=".kernel.json.", dir=spec_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)  # atomic: parallel runs never read half a spec
    paths = os.environ.get("JUPYTER_PATH", "")
    if str(folder) not in paths.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(folder)] + ([paths] if paths else []))
    return KERNEL_NAME


def kernel_environment() -> dict:
    """The environment a kernel started now gets: this process's, with the kernel spec's variables."""
    project_kernel()  # it puts the spec's folder on JUPYTER_PATH
    return {**os.environ, **KERNEL_ENV}


def warm_kernels_for(notebooks) -> None:
    """Have the warm process (`warm_kernels`) import what `notebooks` import, for the kernels `run_notebooks` starts.

    It imports in the background while the caller goes on (each kernel also asks for its own notebook's
    imports when it starts: this only starts them sooner).
    """
    skip_iri_grammar()  # before jupyter_client's imports
    from netanalysis.report import warm_kernels

    with _one_blas_thread_per_kernel():
        warm_kernels.prepare(notebooks, kernel_environment())


def report_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The report's notebooks, in order (the classroom demo is separate)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def _failed_cell(executed: Path) -> tuple[int | None, str]:
    """The failing cell's 1-based position in the *source* notebook, and its first code line.

    Cells papermill adds (the injected parameters, the red error banners) are
    not counted, so the number matches the notebook the user edits.
    """
    import nbformat

    try:
        nb = nbformat.read(str(executed), as_version=4)
    except Exception:  # noqa: BLE001 - the notebook may not have been written at all
        return None, ""
    n = 0
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or "papermill-error-cell-tag" in tags:
            continue
        n += 1
        if cell.get("metadata", {}).get("papermill", {}).get("exception") or any(
                o.get("output_type") == "error" for o in cell.get("outputs", [])):
            lines = [ln for ln in cell.get("source", "").splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
            return n, (lines[0].strip() if lines else "")
    return None, ""


KERNEL_START_TRIES = 3


def _run_papermill(nb: Path, out_nb: Path, parameters: dict, cwd: Path) -> None:
    """papermill, tried again when the kernel dies before it runs a cell.

    jupyter_client picks free ports and lets them go before the kernel binds them, so
    two kernels starting at once can race for a port ("Address already in use"); the
    kernel then dies before replying, and nothing of the notebook has run yet.
    """
    import papermill as pm

    from netanalysis.report import warm_kernels

    warm = {"kernel_manager_class": warm_kernels.WarmKernelManager} if warm_kernels.enabled() else {}
    if warm:  # the notebook's imports, if not asked for already (`warm_kernels_for`)
        warm_kernels.prepare([nb], kernel_environment())
    for attempt in range(1, KERNEL_START_TRIES + 1):
        try:
            # The kernel starts in `cwd` through nbclient's resources; papermill's own `cwd=` would
            # chdir the whole process, which is not safe while other threads run notebooks.
            pm.execute_notebook(str(nb), str(out_nb), parameters=parameters, kernel_name=project_kernel(),
                                progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                                resources={"metadata": {"path": str(cwd)}}, **warm)
            return
        except RuntimeError as exc:
            if "before replying to kernel_info" not in str(exc) or attempt == KERNEL_START_TRIES:
                raise


def execute_notebook(nb: Path, out_nb: Path, parameters: dict, cwd: Path) -> None:
    """Run one notebook with papermill into `out_nb`; raise NotebookFailed naming the cell."""
    skip_iri_grammar()  # this process runs notebooks: papermill brings in jsonschema
    import papermill as pm

    try:
        _run_papermill(nb, out_nb, parameters, cwd)
    except pm.PapermillExecutionError as exc:
        cell, line = _failed_cell(out_nb)
        raise NotebookFailed(nb.stem, cell or exc.exec_count, exc.ename, exc.evalue, out_nb, line) from None
    except Exception as exc:  # noqa: BLE001 - a dead kernel or a timeout is a failure of this notebook too
        cell, line = _failed_cell(out_nb)
        raise NotebookFailed(nb.stem, cell, type(exc).__name__, str(exc).strip().splitlines()[-1:] and
                             str(exc).strip().splitlines()[-1] or "", out_nb, line) from None


def to_html(executed: Path, show_code: bool = False, nav=()) -> str:
    """The executed notebook as a standalone HTML page (without code unless `show_code`), offline and script-free.

    The page's title is the section's name (its first heading); `nav` is a bar of (href, text) links above it.
    """
    skip_iri_grammar()  # this process renders notebooks: nbformat brings in jsonschema
    import nbformat

    from netanalysis.report.pages import notebook_exporter, page_resources, section_title

    nb = nbformat.read(str(executed), as_version=4)
    nb.metadata["title"] = section_title(nb)
    body, _ = notebook_exporter(show_code).from_notebook_node(nb, resources=page_resources(nav=nav))
    return body


# A section page links back to the report's front page and to the whole report in one file.
SECTION_NAV = (("index.html", "← Report overview"), ("report.html", "The whole report in one file"))


def _run_one(nb: str, executed: str, params: dict, cwd: str, show_code: bool) -> dict:
    """Execute one notebook and write its HTML; runs in a worker process. Never raises."""
    try:
        execute_notebook(Path(nb), Path(executed), params, Path(cwd))
        Path(executed).with_suffix(".html").write_text(to_html(Path(executed), show_code, SECTION_NAV),
                                                       encoding="utf-8")
        return {"ok": True, "notebook": Path(nb).stem}
    except NotebookFailed as exc:
        return {"ok": False, "notebook": exc.notebook, "cell": exc.cell, "ename": exc.ename, "evalue": exc.evalue,
                "source_line": exc.source_line}
    except Exception as exc:  # noqa: BLE001 - reported to the parent as this notebook's failure
        return {"ok": False, "notebook": Path(nb).stem, "cell": None, "ename": type(exc).__name__,
                "evalue": str(exc), "source_line": ""}


def run_notebooks(jobs: list[tuple], show_code: bool, workers: int | None = None, progress: bool | None = None) -> list[dict]:
    """Run `(notebook, executed, params, cwd)` jobs, in parallel when there are several cores.

    Each notebook gets its own kernel. Results come back in the order of `jobs`;
    after the first failure no new notebook is started. On a terminal (or with
    `progress=True`) a bar names the notebooks still running. The longest-running
    notebooks start first.
    """
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    with _one_blas_thread_per_kernel():
        return _run_jobs(jobs, show_code, workers, progress)


# The notebooks that run longest start first, so the short ones fill the other cores meanwhile.
LONGEST_FIRST = ("03_delayed_returns", "04_predicting_outcomes", "05_network_structure")


@contextmanager
def _one_blas_thread_per_kernel():
    """Kernels started meanwhile use one BLAS and one OpenMP thread each (unless the user set them).

    Notebooks run side by side, one per core, and their matrix products are
    tall and thin: extra BLAS threads only fight over the same cores (a small
    product can take several times longer). scikit-learn's gradient boosting
    uses OpenMP: its extra threads spin waiting for a core the other kernel holds.
    """
    before = {n: os.environ.get(n) for n in THREAD_VARIABLES}
    for n in THREAD_VARIABLES:
        os.environ.setdefault(n, "1")
    try:
        yield
    finally:
        for n, v in before.items():
            if v is None:
                os.environ.pop(n, None)


def _run_jobs(jobs: list[tuple], show_code: bool, workers: int, progress: bool | None) -> list[dict]:
    """`run_notebooks` once its workers are known."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(jobs), desc="notebooks", unit="nb", file=sys.stderr,
               disable=(not progress) if progress is not None else None)
    waiting = _WaitingFor(bar)
    results: dict[int, dict] = {}
    try:
        if workers == 1:
            for n, job in enumerate(jobs):
                results[n] = waiting.run(str(job[0]), str(job[1]), job[2], str(job[3]), show_code)
                if not results[n]["ok"]:
                    break
        else:
            # Threads suffice: each notebook's work runs in its own kernel process;
            # the thread only drives it (and renders HTML). Unlike a process pool,
            # this needs no `if __name__ == "__main__"` guard in the caller's script.
            project_kernel()
            order = sorted(range(len(jobs)), key=lambda n: _start_rank(jobs[n][0]))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notebook") as pool:
                futures = {pool.submit(waiting.run, str(jobs[n][0]), str(jobs[n][1]), jobs[n][2], str(jobs[n][3]),
                                       show_code): n for n in order}
                for f in as_completed(futures):
                    if f.cancelled():
                        continue
                    results[futures[f]] = f.result()
                    if not results[futures[f]]["ok"]:
                        for other in futures:
                            other.cancel()  # not yet started: skip; running ones finish
    finally:
        bar.close()
    return [results[n] for n in sorted(results)]


def _start_rank(notebook) -> int:
    """Where a notebook starts: the longest-running first (`LONGEST_FIRST`), then the others in report order."""
    stem = Path(notebook).stem
    return LONGEST_FIRST.index(stem) if stem in LONGEST_FIRST else len(LONGEST_FIRST)


class _WaitingFor:
    """Runs notebooks (`_run_one`) and keeps the progress bar naming the ones still running."""

    def __init__(self, bar):
        self.bar, self.running, self.lock = bar, [], threading.Lock()

    def run(self, nb: str, *args) -> dict:
        name = Path(nb).stem
        self._show(add=name)
        try:
            return _run_one(nb, *args)
        finally:
            self._show(remove=name)

    def _show(self, add: str | None = None, remove: str | None = None) -> None:
        with self.lock:  # notebooks start and finish on several threads
            if add:
                self.running.append(add)
            if remove:
                self.running.remove(remove)
                self.bar.update(1)
            self.bar.set_postfix_str(("waiting for " + ", ".join(self.running)) if self.running else "", refresh=True)


# -- the whole report -------------------------------------------------------
def _named(inputs, anonymize) -> str:
    """The inputs as a message names them: their paths, or ``file N`` under --anonymize."""
    from netanalysis.report.privacy import input_label

    return ", ".join(input_label(n, p) if anonymize else str(p) for n, p in enumerate(inputs, 1))


def run_report(inputs=None, out=None, as_of=None, period: str = "month", anonymize: bool = False,
               parameters: dict | None = None, tz: str = "UTC", me=(), show_code: bool = False,
               notebooks: list[Path] | None = None, history: bool | None = None, workers: int | None = None,
               progress: bool | None = None, today=None, name: str | None = None, engine: str = "pandas",
               scheduler: str | None = None) -> Path:
    """Load inputs, run every report notebook and write the report folder atomically.

    Parameters
    ----------
    inputs : list of paths, optional
        Export files or folders (default: the bundled sample).
    out : path, optional
        The report folder (may hold ``{as_of}``); default ``reports/<as_of>``.
    as_of : str, optional
        A date or a rule: "last data" (default), "end of last month", "end of last quarter".
    history : bool, optional
        Compare with the previous report next to `out` and refresh the folder's
        `index.html`; default: when `out` sits in a folder named ``reports``.
    name : str, optional
        The dataset's name (``--name``): reports with the same name are compared
        with each other whatever their inputs; without it, reports of the same
        input paths are.
    engine, scheduler : "pandas", or "dask" to build the notebooks' panels with dask
        (on the cluster at `scheduler`, else on this machine); the same numbers.

    Returns the report folder. Raises UserError for problems the user can fix.

    Examples
    --------
    >>> run_report(["data/raw"], as_of="end of last month", anonymize=True)  # doctest: +SKIP
    PosixPath('reports/2026-02-28')
    """
    skip_iri_grammar()  # before papermill and nbconvert bring in jsonschema (see `lighter_imports`)
    from netanalysis.panel.engines import check_engine, write_engine
    from netanalysis.report.dataset_identity import dataset_identity
    from netanalysis.report.history import compute_changes, previous_report
    from netanalysis.report.privacy import input_label
    from netanalysis.report.without_outcomes import OUTCOME_SECTIONS, has_outcomes

    if period not in values(Period):
        raise UserError(f"--period: {period!r} is not one of {', '.join(values(Period))}")
    check_engine(engine, scheduler)
    inputs = list(inputs) if inputs else [SAMPLE_DATA]
    dataset = dataset_identity(inputs, name, anonymize=bool(anonymize))
    nbs = list(notebooks) if notebooks else report_notebooks()
    if not nbs:
        raise UserError(f"no report notebooks (NN_name.ipynb) found in {NOTEBOOKS}")
    params_by_nb = check_parameters(nbs, parameters or {})
    _check_before_loading(out, inputs)  # as `load` does; before the kernels' imports start, too
    warm_kernels_for(nbs)  # their imports, meanwhile
    ds, known, cut = _data_to_report(inputs, as_of, tz, me, anonymize, today)
    as_of_label = cut.strftime("%Y-%m-%d")
    stale_notes = _stale_data_notes(ds, cut)
    del ds  # `known` is what the report is about

    out = Path(str(out).replace(AS_OF_IN_OUT, as_of_label)) if out else REPORTS / as_of_label
    if history is None:
        history = out.parent.name == "reports"
    with building(out, "report", inputs) as build:
        data_dir = build / "data"
        known.to_parquet(data_dir)
        write_engine(data_dir, engine, scheduler)
        common = {"data_dir": str(data_dir), "output_dir": str(build), "as_of": as_of_label,
                  "period": period, "anonymize": bool(anonymize)}
        with_outcomes = has_outcomes(known)
        jobs = _notebook_jobs(nbs, params_by_nb, common, build, skip=() if with_outcomes else OUTCOME_SECTIONS)
        previous = previous_report(out.parent, as_of_label, out, dataset=dataset["key"]) if history else None
        counts, own, since_previous = _before_notebooks(known, build, nbs, as_of_label, with_outcomes, previous)
        del known  # the kernels read the tables from `data_dir`: the runner lets its copy go meanwhile
        _give_back_memory_after(counts["interactions"])
        for res in _run_notebooks_on(counts["interactions"], jobs, show_code, workers, progress):
            if not res["ok"]:
                _fail(res, build, out)
        shutil.rmtree(data_dir)
        summary = assemble_summary(build, cut, [input_label(n, p) for n, p in enumerate(inputs, 1)]
                                   if anonymize else inputs, counts, own)
        summary["notes"].extend(stale_notes)
        summary["dataset"] = dataset
        summary["anonymized"] = bool(anonymize)
        summary["period"] = period
        summary["parameters"] = {k: v for nb in nbs for k, v in sorted(params_by_nb[nb.stem]["given"].items())}
        if history:
            changes, notes = compute_changes(summary, build, since_previous, previous)
            summary["changes"] = changes
            summary["notes"].extend(notes)
        (build / "summary.json").write_text(json.dumps(_jsonable(summary), indent=2, allow_nan=False), encoding="utf-8")
        _write_pages(build, summary, nbs, bool(history), show_code)
        publish(build, out, "report", inputs)
    remove_failed_notebooks(out)
    if history:
        _refresh_history_index(out.parent)
    return out


# In `out`, replaced by the as-of date the data gives (YYYY-MM-DD).
AS_OF_IN_OUT = "{as_of}"


def _check_before_loading(out, inputs) -> None:
    """Refuse a given `out` that `building` would refuse (it checks again after the load, when the default
    folder, or one holding ``{as_of}``, has its name from the data), then inputs that do not exist."""
    from netanalysis.io.loader import check_inputs_exist

    if out and AS_OF_IN_OUT not in str(out):
        check_out_folder(out, "report", inputs)
    check_inputs_exist(inputs)


def _run_notebooks_on(interactions: int, *args) -> list[dict]:
    """`run_notebooks(*args)` for a report on data with this many interactions (`_kernels_for`)."""
    with _kernels_for(interactions):
        return run_notebooks(*args)


@contextmanager
def _kernels_for(interactions: int):
    """Kernels forked from the warm process, unless the data is large (`warm_kernels.LARGEST_WARM_DATA`).

    A long kernel on large data ends up with its own copy of most pages it shared with the warm process,
    which keeps the originals: the memory that matters at that scale, for a second or two per kernel.
    """
    from netanalysis.report import warm_kernels

    if interactions <= warm_kernels.LARGEST_WARM_DATA or "NETANALYSIS_WARM_KERNELS" in os.environ:
        yield
        return
    warm_kernels.end_all()
    os.environ["NETANALYSIS_WARM_KERNELS"] = "0"
    try:
        yield
    finally:
        os.environ.pop("NETANALYSIS_WARM_KERNELS", None)


def _before_notebooks(known, build: Path, nbs: list[Path], as_of_label: str, with_outcomes: bool,
                      previous: tuple | None) -> tuple[dict, tuple, dict | None]:
    """What the report needs from the data besides the notebooks, taken before they run so that the runner can
    let the data go meanwhile: the table counts, `rejected.csv`, the pages of sections without outcomes (with
    their metrics and notes) and what happened since the previous report (None without one)."""
    from netanalysis.report.history import window_changes

    _write_rejected(known, build)
    own = ({}, []) if with_outcomes else _without_outcomes(build, known, nbs, as_of_label)
    since = (window_changes(known, parse_as_of(previous[1]["as_of"]), parse_as_of(as_of_label))
             if previous is not None else None)
    counts = {"contacts": int(len(known.contacts)), "interactions": int(len(known.interactions)),
              "outcomes": int(len(known.outcomes))}
    return counts, own, since


# Below this many interactions the runner's tables take a few megabytes: a full garbage collection (about
# 0.25 CPU s in a process that has imported the report's libraries) would hand back nothing worth having.
GIVE_BACK_ABOVE = 100_000


def _give_back_memory_after(interactions: int) -> None:
    """`give_back_memory` when the runner held tables of more than `GIVE_BACK_ABOVE` interactions."""
    if interactions > GIVE_BACK_ABOVE:
        give_back_memory()


def _stale_data_notes(ds, cut: pd.Timestamp) -> list[str]:
    """A note when the newest record is over a month older than the cut-off: that gap reads as inactivity."""
    gap = (cut - ds.last_timestamp).days if ds.last_timestamp is not None else 0
    if gap <= 31:
        return []
    return [f"data: the newest record is from {ds.last_timestamp.date()}, {gap} days before as_of "
            f"{cut.strftime('%Y-%m-%d')}; the gap counts as time without interactions or outcomes "
            "(export fresher data, or use --as-of 'last data')"]


def _write_pages(build: Path, summary: dict, nbs: list[Path], history_link: bool, show_code: bool) -> None:
    """The front page and report.html, then drop the notebooks' metric parts and make every CSV spreadsheet-safe."""
    from netanalysis.report.csv_safety import neutralize_csv_tree
    from netanalysis.report.front_page import write_index
    from netanalysis.report.single_file import write_single_file

    write_index(build, summary, nbs, history_link=history_link)
    write_single_file(build, nbs, summary, show_code)
    (build / "metrics").exists() and shutil.rmtree(build / "metrics")
    neutralize_csv_tree(build)  # a last line of defence for any CSV a notebook wrote


def _data_to_report(inputs, as_of, tz, me, anonymize, today):
    """The loaded data, the part known at the cut-off (pseudonymised under --anonymize), and the cut-off.

    Raises UserError when nothing can be reported on: no interactions, or a
    cut-off before all data. Data without outcomes is reported on (see
    :mod:`netanalysis.report.without_outcomes`).
    """
    from netanalysis.io.loader import load
    from netanalysis.report.config import resolve_as_of
    from netanalysis.report.privacy import anonymize as pseudonymize

    ds = load(inputs, tz=tz, me=me, anonymize=bool(anonymize))
    if ds.interactions.empty:
        raise UserError(f"no interactions were loaded from {_named(inputs, anonymize)}: nothing to report on")
    cut = parse_as_of(resolve_as_of(as_of, ds.last_timestamp, today), default=ds.last_timestamp)
    first = ds.interactions["timestamp"].min()
    if cut < first:
        raise UserError(f"--as-of: {cut.date()} is before all data (the first interaction is on {first.date()})")
    known = ds.until(cut)
    if anonymize:
        known = pseudonymize(known)
    return ds, known, cut


def _notebook_jobs(nbs: list[Path], params_by_nb: dict, common: dict, build: Path, skip=()) -> list[tuple]:
    """(notebook, executed copy, parameters, working folder) per notebook not in `skip` (stems): the common values
    it accepts, then its own."""
    jobs = []
    for nb in (nb for nb in nbs if nb.stem not in skip):
        params = {k: v for k, v in common.items() if k in params_by_nb[nb.stem]["accepts"]}
        params.update(params_by_nb[nb.stem]["given"])
        jobs.append((nb, build / f"{nb.stem}.ipynb", params, build))
    return jobs


def _refresh_history_index(reports: Path) -> None:
    """Rewrite the reports folder's index.html, unless the folder holds files netanalysis did not write."""
    from netanalysis.report.history import write_history_index

    if owns_reports_folder(reports):
        write_history_index(reports)
    else:
        print(f"netanalysis: note: {reports}/index.html not written: {reports} holds files netanalysis "
              "did not write", file=sys.stderr)


def _fail(res: dict, build: Path, out: Path):
    """Keep the failed executed notebook next to the report and raise a UserError naming notebook and cell."""
    kept = keep_failed_notebook(build / f"{res['notebook']}.ipynb", out, res["notebook"])
    where = f"in cell {res['cell']}" if res.get("cell") else "outside its cells (starting the kernel or writing HTML)"
    if res.get("source_line"):
        where += f" ({res['source_line'][:80]})"
    if kept is not None:
        keep_txt = f"The executed notebook is kept at {kept}"
    else:
        keep_txt = "No executed notebook was written"
    raise UserError(f"notebook {res['notebook']} failed {where}: {res['ename']}: {res['evalue']}. "
                    f"{keep_txt}; any earlier report in {out} is untouched.")


def _without_outcomes(build: Path, ds, nbs: list[Path], as_of: str) -> tuple[dict, list[str]]:
    """Data without outcomes: a one-line page per outcome section and the outcomes template; (metrics, notes)."""
    from netanalysis.report.pages import section_title
    from netanalysis.report.without_outcomes import (
        OUTCOME_METRICS,
        OUTCOME_SECTIONS,
        outcome_notes,
        write_outcomes_template,
        write_section_page,
    )

    for nb in nbs:
        if nb.stem in OUTCOME_SECTIONS:
            write_section_page(build, nb.stem, as_of, title=section_title(nb))
    write_outcomes_template(ds, build)
    return {"delayed_returns_verdict": "not_estimable", **dict.fromkeys(OUTCOME_METRICS)}, outcome_notes(as_of)


def _write_rejected(ds, build: Path) -> None:
    """`rejected.csv`: the input rows that were not loaded, with their reasons (spreadsheet-safe)."""
    from netanalysis.report.csv_safety import write_safe_csv

    write_safe_csv(ds.rejected, build / "rejected.csv")


def assemble_summary(build: Path, cut: pd.Timestamp, inputs, counts: dict, own: tuple[dict, list] = ({}, [])) -> dict:
    """Merge the notebooks' metric parts into the summary of DESIGN.md, after the runner's `own` (metrics, notes);
    `counts` are the data's contacts, interactions and outcomes."""
    metrics: dict = dict.fromkeys(HEADLINE_KEYS)
    metrics.update(own[0])
    notes: list[str] = list(own[1])
    captions: dict = {}
    for part in sorted((build / "metrics").glob("*.json")) if (build / "metrics").exists() else []:
        d = json.loads(part.read_text())
        metrics.update(d.get("metrics", {}))
        notes.extend(d.get("notes", []))
        captions.update(d.get("captions", {}))
    for key in HEADLINE_KEYS:
        if metrics.get(key) is None and not any(n.startswith(key) for n in notes):
            notes.append(f"{key}: {NOT_YET}")
    return {
        "as_of": cut.strftime("%Y-%m-%d"),
        "inputs": [str(Path(p)) for p in inputs],
        "counts": dict(counts),
        "metrics": metrics,
        "notes": notes,
        "captions": captions,
    }

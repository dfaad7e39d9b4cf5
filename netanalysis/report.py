"""Running the report: load, cut at `as_of`, execute the notebooks with papermill,
convert them to HTML, and write `index.html` and `summary.json` atomically."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

from .errors import UserError
from .paths import NOTEBOOKS, REPORTS, SAMPLE_DATA
from .timeutil import parse_as_of

KERNEL_NAME = "netanalysis-report"
HEADLINE_KEYS = (
    "first_outcome_probability_12m", "first_outcome_probability_24m", "time_to_first_outcome_median_months",
    "outcomes_within_30d_share", "carryover_half_life_months", "holdout_auc", "holdout_auc_recency_baseline",
)
NOT_YET = "not estimated yet: this version of netanalysis does not compute it"


# -- helpers that notebooks call --------------------------------------------
def save_figure(fig, output_dir, name: str):
    """Save a figure as `figures/<name>.png` under the report's output folder, and return it for display."""
    folder = Path(output_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / f"{name}.png", dpi=110, bbox_inches="tight")
    return fig


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
    """
    folder = Path(tempfile.gettempdir()) / f"netanalysis-kernels-{os.getuid() if hasattr(os, 'getuid') else 0}"
    spec_dir = folder / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "netanalysis (project)", "language": "python",
            "env": {"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    paths = os.environ.get("JUPYTER_PATH", "")
    if str(folder) not in paths.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(folder)] + ([paths] if paths else []))
    return KERNEL_NAME


def report_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The report's notebooks, in order (the classroom demo is separate)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def execute_notebook(nb: Path, out_nb: Path, parameters: dict, cwd: Path) -> None:
    import papermill as pm

    try:
        pm.execute_notebook(str(nb), str(out_nb), parameters=parameters, kernel_name=project_kernel(),
                            cwd=str(cwd), progress_bar=False, log_output=False, request_save_on_cell_execute=False)
    except pm.PapermillExecutionError as exc:
        raise NotebookFailed(nb.stem, exc.exec_count, exc.ename, exc.evalue, out_nb) from None


class NotebookFailed(Exception):
    def __init__(self, notebook, cell, ename, evalue, executed):
        self.notebook, self.cell, self.ename, self.evalue, self.executed = notebook, cell, ename, evalue, executed
        super().__init__(f"notebook {notebook} failed in cell {cell}: {ename}: {evalue}")


def to_html(executed: Path, show_code: bool = False) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nbformat.read(str(executed), as_version=4))
    return body


# -- the whole report -------------------------------------------------------
def run_report(inputs=None, out=None, as_of=None, period: str = "month", anonymize: bool = False,
               parameters: dict | None = None, tz: str = "UTC", me=(), show_code: bool = False,
               notebooks: list[Path] | None = None) -> Path:
    """Load inputs, run every report notebook and write the report folder atomically.

    Returns the report folder. Raises UserError for problems the user can fix.
    """
    from .loader import load
    from .privacy import anonymize as pseudonymize

    if period not in ("month", "quarter"):
        raise UserError(f"--period: {period!r} is not one of month, quarter")
    inputs = list(inputs) if inputs else [SAMPLE_DATA]
    ds = load(inputs, tz=tz, me=me)
    if ds.interactions.empty:
        raise UserError(f"no interactions were loaded from {', '.join(map(str, inputs))}: nothing to report on")
    cut = parse_as_of(as_of, default=ds.last_timestamp)
    first = ds.interactions["timestamp"].min()
    if cut < first:
        raise UserError(f"--as-of: {cut.date()} is before all data (the first interaction is on {first.date()})")
    known = ds.until(cut)
    if anonymize:
        known = pseudonymize(known)
    nbs = notebooks or report_notebooks()
    params_by_nb = check_parameters(nbs, parameters or {})

    out = Path(out) if out else REPORTS / cut.strftime("%Y-%m-%d")
    out.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        data_dir = build / "data"
        known.to_parquet(data_dir)
        common = {"data_dir": str(data_dir), "output_dir": str(build), "as_of": cut.strftime("%Y-%m-%d"),
                  "period": period, "anonymize": bool(anonymize)}
        for nb in nbs:
            executed = build / f"{nb.stem}.ipynb"
            params = {k: v for k, v in common.items() if k in params_by_nb[nb.stem]["accepts"]}
            params.update(params_by_nb[nb.stem]["given"])
            try:
                execute_notebook(nb, executed, params, cwd=build)
            except NotebookFailed as exc:
                kept = out.parent / f"{out.name}.failed-{nb.stem}.ipynb"
                if executed.exists():
                    shutil.copy(executed, kept)
                raise UserError(f"notebook {exc.notebook} failed in cell {exc.cell}: {exc.ename}: {exc.evalue}. "
                                f"The executed notebook is kept at {kept}; any earlier report in {out} is untouched.") from None
            (build / f"{nb.stem}.html").write_text(to_html(executed, show_code), encoding="utf-8")
        summary = assemble_summary(build, cut, inputs, known)
        (build / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False), encoding="utf-8")
        from .index import write_index

        write_index(build, summary, nbs)
        shutil.rmtree(data_dir)
        (build / "metrics").exists() and shutil.rmtree(build / "metrics")
        _swap_into_place(build, out)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return out


def _swap_into_place(build: Path, out: Path) -> None:
    """Replace `out` by `build` so that a reader never sees a half-written report."""
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(build, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def check_parameters(nbs: list[Path], given: dict) -> dict:
    """Check `-p NAME=VALUE` against the notebooks' parameters cells; type values by their annotations."""
    import papermill as pm

    out = {}
    known: dict[str, dict] = {}
    for nb in nbs:
        spec = pm.inspect_notebook(str(nb))
        known[nb.stem] = spec
        out[nb.stem] = {"accepts": set(spec), "given": {}}
    reserved = {"data_dir", "output_dir"}
    for name, raw in given.items():
        if name in reserved:
            raise UserError(f"-p {name}: set by netanalysis itself and cannot be given")
        owners = [nb for nb, spec in known.items() if name in spec]
        if not owners:
            names = sorted({n for spec in known.values() for n in spec} - reserved)
            raise UserError(f"-p {name}: unknown parameter; the notebooks accept: {', '.join(names)}")
        for nb in owners:
            out[nb]["given"][name] = coerce_parameter(name, raw, known[nb][name].get("inferred_type_name", "None"))
    return out


def coerce_parameter(name: str, raw, type_name: str):
    """Turn a command-line string into the type the notebook declares (`x: int = 3`)."""
    if not isinstance(raw, str):
        return raw
    t = (type_name or "None").strip()
    try:
        if t == "int":
            return int(raw)
        if t == "float":
            return float(raw)
        if t == "bool":
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if t in ("list", "dict"):
            return json.loads(raw)
    except (ValueError, json.JSONDecodeError):
        raise UserError(f"-p {name}={raw}: expected a value of type {t}") from None
    return raw


def assemble_summary(build: Path, cut: pd.Timestamp, inputs, ds) -> dict:
    metrics: dict = {}
    notes: list[str] = []
    captions: dict = {}
    for key in HEADLINE_KEYS:
        metrics[key] = None
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
        "counts": {"contacts": int(len(ds.contacts)), "interactions": int(len(ds.interactions)),
                   "outcomes": int(len(ds.outcomes))},
        "metrics": metrics,
        "notes": notes,
        "captions": captions,
    }

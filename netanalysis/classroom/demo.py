"""`netanalysis classroom`: run the delayed-gratification notebook into a small report.

The notebook `notebooks/classroom_delayed_gratification.ipynb` does the work
(simulation in `strategies.py`, figures in `plots_classroom.py`); this module
checks the `-p NAME=VALUE` parameters against its parameters cell, executes it
with papermill in a temporary folder, writes `index.html` and `summary.json`,
and moves the folder into place atomically. It also holds the notebook's live
sliders (`explore`), which do nothing when the notebook runs in batch.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from netanalysis.analysis.words import months as months_words
from netanalysis.errors import UserError
from netanalysis.paths import NOTEBOOKS, REPORTS
from netanalysis.report.pages import CSP_META

NOTEBOOK = NOTEBOOKS / "classroom_delayed_gratification.ipynb"
BATCH_ENV = "NETANALYSIS_BATCH"  # set while `netanalysis classroom` runs the notebook: no sliders then
FIGURES = ("classroom_cumulative_outcomes", "classroom_first_year", "classroom_builder_lead",
           "classroom_relationship_stock", "classroom_monthly_outcomes", "classroom_fooled_reverse",
           "classroom_fooled_confounding")


def figure_captions(metrics: dict) -> dict:
    """One sentence per figure, true for this run (no crossover, no trap: the captions say so)."""
    cross = metrics.get("crossover_month")
    months = metrics["parameters"]["months"]
    trap = metrics.get("trap_months") or []
    early = [m for m in trap if cross is not None and m < cross]
    story = (f"the builder starts slower and stays ahead from month {cross}" if cross is not None and early else
             f"the builder is ahead from month {cross} on" if cross is not None else
             f"the builder does not stay ahead within {months_words(months)}")
    return {
        "classroom_cumulative_outcomes": f"Won outcomes so far, mean per student with its 95% band: {story}.",
        "classroom_first_year": ("The first months up close: the broadcaster looks better at first (shaded), "
                                 "which is the instant-gratification trap." if early else
                                 "The first months up close: the broadcaster is ahead in every month shown."
                                 if cross is None and len(trap) == months else "The first months up close."),
        "classroom_builder_lead": "The builder's lead over the broadcaster in outcomes so far, month by month "
                                  "(red: the broadcaster is ahead), with 95% intervals.",
        "classroom_relationship_stock": "One builder's relationships keep a stock of invested hours, while one "
                                        "broadcaster meeting fades away.",
        "classroom_monthly_outcomes": "Won outcomes per month (mean per student): how fast each strategy pays now.",
        "classroom_fooled_reverse": ("Minutes around each win: where deals bring meetings, they pile up just before "
                                     "the win; where time carries over, they do not."),
        "classroom_fooled_confounding": ("Win-rate ratios of busier against quieter: comparing contacts with one "
                                         "another, and each contact with itself (95% intervals; 1 = no gap)."),
    }



def classroom_output_dir(output_dir: str = "") -> Path:
    """Where the notebook puts figures and metrics: `output_dir`, or a new temporary folder."""
    out = Path(output_dir) if output_dir else Path(tempfile.mkdtemp(prefix="netanalysis-classroom-"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def save_and_show(fig, output_dir, name: str):
    """Save `fig` as `figures/<name>.png` and show that file, so the figure is drawn only once."""
    import matplotlib.pyplot as plt
    from IPython.display import Image

    from netanalysis.report.runner import write_figure

    path = write_figure(fig, output_dir, name)
    plt.close(fig)
    return Image(filename=str(path))


def headline(metrics: dict) -> str:
    """One sentence for the class, from the classroom metrics."""
    p = metrics["parameters"]
    cross = metrics["crossover_month"]
    mean = metrics["mean_outcomes"]
    last = str(p["months"])
    if cross is None:
        what = (f"the broadcaster is ahead in {_every_month(p['months'])}" if
                len(metrics.get("trap_months") or []) == p["months"] else
                f"the builder does not stay ahead of the broadcaster within {months_words(p['months'])}")
        return (f"With a half-life of {months_words(p['half_life_months'])}, {what} ({mean['builder'][last]:.1f} "
                f"won outcomes on average for the builder against {mean['broadcaster'][last]:.1f}).")
    trap_txt = f"{trap_phrase(metrics)}; " if metrics.get("trap_months") else ""
    text = (f"{trap_txt}from month {cross} on the builder stays ahead, and after {months_words(p['months'])} has "
            f"{mean['builder'][last]:.1f} won outcomes on average against the broadcaster's "
            f"{mean['broadcaster'][last]:.1f}.")
    return text[0].upper() + text[1:]


def trap_phrase(metrics: dict) -> str:
    """'For the first 8 months the broadcaster looks better', or 'In 5 of the first 8 months ...'."""
    cross = metrics.get("crossover_month")
    trap = [m for m in (metrics.get("trap_months") or []) if cross is None or m < cross]
    before = (cross - 1) if cross is not None else metrics["parameters"]["months"]
    if trap == list(range(1, before + 1)):
        return ("In the first month the broadcaster looks better" if len(trap) == 1 else
                f"For the first {len(trap)} months the broadcaster looks better")
    return f"In {len(trap)} of the first {months_words(before)} the broadcaster looks better"


def _every_month(n: int) -> str:
    """'the only month simulated' or 'every one of the 6 months simulated'."""
    return "the only month simulated" if n == 1 else f"every one of the {n} months simulated"


def crossover_interval_words(ci, months: int, never_share: float | None = None) -> str:
    """The crossover's 95% interval in words, with no 'none' in it.

    >>> crossover_interval_words([9, 14], 36)
    '95% interval: month 9 to 14'
    >>> crossover_interval_words([9, None], 36)
    '95% interval: from month 9 to beyond month 36'
    >>> crossover_interval_words([None, None], 6, 0.98)
    'no interval: in 98% of resamples the builder does not stay ahead within 6 months'
    """
    lo, hi = (ci or [None, None])[:2]
    if lo is None and hi is None:
        share = f"in {never_share:.0%} of resamples " if never_share is not None else ""
        return f"no interval: {share}the builder does not stay ahead within {months_words(months)}"
    if lo is None:
        return f"95% interval: up to month {hi}"
    if hi is None:
        return f"95% interval: from month {lo} to beyond month {months}"
    return f"95% interval: month {lo} to {hi}"


def trap_card(metrics: dict) -> tuple[str, str]:
    """The 'months the broadcaster looks better first' tile: its value and its line below."""
    cross, months = metrics.get("crossover_month"), metrics["parameters"]["months"]
    trap = metrics.get("trap_months") or []
    if cross is None:
        return str(len(trap)), (f"of all {months_words(months)}, with no crossover" if trap else
                                f"of {months_words(months)}, with no crossover")
    early = [t for t in trap if t < cross]
    return str(len(early)), (f"of the first {months_words(cross - 1)}" if cross > 1 else "the builder leads from the start")


def strategy_table(run):
    """The three strategies side by side: rule, people met and hours spent."""
    import pandas as pd

    rows = []
    for name, s in run.strategies.items():
        plan = run.plans[name]
        rows.append({"strategy": name, "what the student does": s.description,
                     "people met": int(plan.size.sum()),
                     "hours spent": round(float(plan.hours_spent.sum()), 1)})
    return pd.DataFrame(rows).set_index("strategy")


# -- the live sliders (JupyterLab only) ----------------------------------------
def explore(months: int = 36, hours_per_month: float = 10.0, half_life_months: float = 4.0,
            n_students: int = 200, seed: int = 0):
    """Sliders that re-run the demo live in JupyterLab; in a batch run, only a short note.

    Examples
    --------
    In the notebook: ``explore(months, hours_per_month, half_life_months, n_students, seed)``.
    """
    from IPython.display import Markdown

    if os.environ.get(BATCH_ENV):
        return Markdown("*Open this notebook in JupyterLab to explore the parameters with sliders.*")
    import ipywidgets as w

    style = {"description_width": "160px"}
    layout = w.Layout(width="520px")
    sliders = {
        "months": w.IntSlider(value=int(months), min=6, max=120, step=6, description="months",
                              continuous_update=False, style=style, layout=layout),
        "hours_per_month": w.FloatSlider(value=float(hours_per_month), min=2, max=40, step=1,
                                         description="hours per month", continuous_update=False, style=style,
                                         layout=layout),
        "half_life_months": w.FloatSlider(value=float(half_life_months), min=0.5, max=24, step=0.5,
                                          description="half-life (months)", continuous_update=False, style=style,
                                          layout=layout),
        "n_students": w.IntSlider(value=int(n_students), min=10, max=1000, step=10, description="students",
                                  continuous_update=False, style=style, layout=layout),
        "seed": w.IntText(value=int(seed), description="seed", style=style),
    }
    return w.interactive(show_live, **sliders)


def show_live(months, hours_per_month, half_life_months, n_students, seed) -> None:
    """What the sliders call: re-simulate and show the main figure with its sentence."""
    import matplotlib.pyplot as plt
    from IPython.display import Markdown, display

    from netanalysis.classroom.strategies import crossover_month, simulate_classroom, trap_months
    from netanalysis.plots.classroom import cumulative_outcomes

    run = simulate_classroom(months, hours_per_month, half_life_months, n_students, seed)
    b, c = run.mean_band("builder")[0], run.mean_band("broadcaster")[0]
    cross = crossover_month(b, c)
    trap = [m for m in trap_months(b, c) if cross is not None and m < cross]
    fig = cumulative_outcomes(run)
    display(fig)
    plt.close(fig)
    if cross is None:
        display(Markdown(f"**No crossover**: the builder does not stay ahead within {months_words(months)}."))
    else:
        display(Markdown(f"**Crossover: month {cross}.** The trap lasts {months_words(len(trap))}."))


# -- the command ---------------------------------------------------------------
def run_classroom(out=None, parameters: dict | None = None) -> Path:
    """What `netanalysis classroom [--out DIR] [-p NAME=VALUE ...]` does; returns the folder written.

    Writes `index.html`, `figures/*.png`, the executed notebook and its HTML, and
    `summary.json` (parameters, metrics with `crossover_month` and `mean_outcomes`,
    notes, captions). Unknown names or bad values raise UserError naming the parameter.
    """
    from netanalysis.classroom.strategies import check_classroom_parameters
    from netanalysis.errors import NotebookFailed
    from netanalysis.outputs import building, keep_failed_notebook, publish, remove_failed_notebooks
    from netanalysis.report.lighter_imports import skip_iri_grammar
    from netanalysis.report.parameters import check_parameters
    from netanalysis.report.runner import execute_notebook, to_html

    skip_iri_grammar()  # this process runs and renders a notebook: before papermill brings in jsonschema
    given = check_parameters([NOTEBOOK], dict(parameters or {}))[NOTEBOOK.stem]["given"]
    values = check_classroom_parameters(**given)
    params = {k: v for k, v in values.items() if k in given}

    out = Path(out) if out else REPORTS / "classroom"
    with building(out, "classroom") as build:
        executed = build / f"{NOTEBOOK.stem}.ipynb"
        try:
            with _batch():
                execute_notebook(NOTEBOOK, executed, {**params, "output_dir": str(build)}, cwd=build)
        except NotebookFailed as exc:
            kept = keep_failed_notebook(executed, out, NOTEBOOK.stem)
            line = f" (`{exc.source_line}`)" if getattr(exc, "source_line", "") else ""
            keep_txt = f"The executed notebook is kept at {kept}" if kept else "No executed notebook was written"
            raise UserError(f"notebook {exc.notebook} failed in cell {exc.cell}{line}: {exc.ename}: {exc.evalue}. "
                            f"{keep_txt}; any earlier demo in {out} is untouched.") from None
        (build / f"{NOTEBOOK.stem}.html").write_text(to_html(executed), encoding="utf-8")
        part = json.loads((build / "metrics" / "classroom.json").read_text(encoding="utf-8"))
        summary = {"parameters": part["metrics"].get("parameters", values), "metrics": part["metrics"],
                   "notes": part["notes"], "captions": part["captions"]}
        (build / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False), encoding="utf-8")
        write_classroom_index(build, summary)
        shutil.rmtree(build / "metrics", ignore_errors=True)
        publish(build, out, "classroom")
    remove_failed_notebooks(out)
    return out


@contextmanager
def _batch():
    old = os.environ.get(BATCH_ENV)
    os.environ[BATCH_ENV] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(BATCH_ENV, None)
        else:
            os.environ[BATCH_ENV] = old


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;margin:2rem auto;padding:0 1rem;
color:#1b1f24;font-size:1.15rem}
h1{font-size:2.2rem;margin-bottom:.2rem}.sub{color:#57606a;margin-top:0}.lead{font-size:1.45rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:14px;margin:1.2rem 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:14px;background:#f6f8fa}
.card .v{font-size:2rem;font-weight:600}.card .ci{color:#57606a;font-size:.95rem}
figure{margin:1.5rem 0}figure img{max-width:100%;border:1px solid #eaeef2;border-radius:6px}
figcaption{font-size:1.1rem;margin-top:.3rem}table{border-collapse:collapse}
td,th{padding:4px 10px;border-bottom:1px solid #eaeef2;text-align:right}ul.notes li{color:#57606a}
"""


def write_classroom_index(folder: Path, summary: dict) -> Path:
    """Write the demo's `index.html`: the crossover, mean outcomes, figures and a link to the notebook."""
    e = html.escape
    m = summary["metrics"]
    p = summary["parameters"]
    cross = m.get("crossover_month")
    ci_txt = (crossover_interval_words(m["crossover_month_ci"], p["months"], m.get("crossover_never_share"))
              if m.get("crossover_month_ci") else "one student per strategy: no interval")
    cards = [("Builder ahead for good from month", str(cross) if cross is not None else
              f"not within {months_words(p['months'])}", ci_txt),
             ("Months the broadcaster looks better first", *trap_card(m)),
             ("Students per strategy", str(m.get("n_students", p.get("n_students"))), "")]
    card_html = "".join(f'<div class="card"><div>{e(label)}</div><div class="v">{e(v)}</div>'
                        f'<div class="ci">{e(sub)}</div></div>' for label, v, sub in cards)
    months = list(next(iter(m["mean_outcomes"].values())))
    head = "".join(f"<th>after {e(months_words(int(k)))}</th>" for k in months)
    rows = []
    for name, by_month in m["mean_outcomes"].items():
        cells = []
        for k in months:
            lo, hi = (m.get("mean_outcomes_ci", {}).get(name, {}).get(k) or [None, None])
            band = f" ({lo:.1f} to {hi:.1f})" if lo is not None and hi is not None else ""
            cells.append(f"<td>{e(f'{by_month[k]:.1f}{band}')}</td>")
        rows.append(f"<tr><th style='text-align:left'>{e(name)}</th>{''.join(cells)}</tr>")
    figs = []
    for stem in FIGURES:
        if (folder / "figures" / f"{stem}.png").exists():
            cap = summary.get("captions", {}).get(stem, stem.replace("_", " "))
            figs.append(f'<figure><img src="figures/{e(stem)}.png" alt="{e(cap)}"><figcaption>{e(cap)}</figcaption></figure>')
    notes = "".join(f"<li>{e(str(n))}</li>" for n in summary.get("notes", []))
    notes_html = f'<h2>Notes</h2><ul class="notes">{notes}</ul>' if notes else ""
    params_txt = ", ".join(f"{k} = {v}" for k, v in p.items())
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
{CSP_META}
<title>Networking is delayed gratification: classroom demo</title><style>{CSS}</style></head>
<body>
<h1>Networking is delayed gratification</h1>
<p class="sub">Simulated students with the same hours a month · {e(params_txt)}</p>
<p class="lead">{e(headline(m))}</p>
<div class="cards">{card_html}</div>
<h2>Mean won outcomes per student (95% interval)</h2>
<table><tr><th></th>{head}</tr>{''.join(rows)}</table>
{''.join(figs)}
<p><a href="{e(NOTEBOOK.stem)}.html">The whole notebook</a> · open
<code>notebooks/{e(NOTEBOOK.name)}</code> in JupyterLab for live sliders.</p>
{notes_html}
</body></html>"""
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

"""A report's history: the previous report, what changed since it, and the reports index.

Reports live side by side (``reports/2026-01-31/``, ``reports/2026-02-28/``,
...), each with its `summary.json`. A report compares itself only with earlier
reports of the same dataset (its `dataset` key, see
:mod:`netanalysis.report.dataset_identity`): the sample and your own data in one
folder never meet. The history index, ``reports/index.html``, lists the reports
under one heading per dataset, with a trend chart of the headline metrics once
a dataset has `TREND_MIN_REPORTS` reports; each report's `changes` block
compares it with the latest earlier report of its dataset. Reports written
before datasets were recorded belong to no dataset and are never compared.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from netanalysis.io.vocabulary import invested_minutes
from netanalysis.report.dataset_identity import dataset_key
from netanalysis.report.pages import CSP_META

FOLLOWUP_FILE = "followup.csv"
TOP_N = 20
TREND_MIN_REPORTS = 3  # two points make a line that says nothing about a trend
UNKNOWN_DATASET = "Earlier reports (data not recorded: never compared)"
TREND_KEYS = ("first_outcome_probability_12m", "first_outcome_probability_24m", "outcomes_within_30d_share",
              "holdout_auc")


def list_reports(folder) -> list[tuple[Path, dict]]:
    """Every report folder directly under `folder` (one with a readable summary.json), oldest first."""
    found = []
    folder = Path(folder)
    if not folder.is_dir():
        return found
    for sub in folder.iterdir():
        if sub.name.startswith(".") or not sub.is_dir() or not (sub / "summary.json").is_file():
            continue
        try:
            summary = json.loads((sub / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(summary, dict) and isinstance(summary.get("as_of"), str):
            found.append((sub, summary))
    return sorted(found, key=lambda x: (x[1]["as_of"], x[0].name))


def previous_report(folder, as_of: str, exclude: Path | None = None, *,
                    dataset: str | None) -> tuple[Path, dict] | None:
    """The latest report in `folder` of the same `dataset` key whose as_of is strictly before `as_of`.

    A report without a dataset key (written by an earlier version) matches nothing.
    """
    if dataset is None:
        return None
    earlier = [(p, s) for p, s in list_reports(folder)
               if s["as_of"] < as_of and dataset_key(s) == dataset
               and (exclude is None or p.resolve() != Path(exclude).resolve())]
    return earlier[-1] if earlier else None


def window_changes(ds, since: pd.Timestamp, until: pd.Timestamp) -> dict:
    """What happened in the data between two cut-offs, ``since < t <= until``.

    New relationships are contacts whose first interaction falls in the window.
    """
    inter = ds.interactions[ds.interactions["timestamp"] <= until]
    first = inter.groupby("contact_id")["timestamp"].min()
    in_window = inter[inter["timestamp"] > since]
    outc = ds.outcomes[(ds.outcomes["timestamp"] > since) & (ds.outcomes["timestamp"] <= until)]
    won = outc[outc["status"] == "won"]
    return {
        "new_relationships": int(((first > since) & (first <= until)).sum()),
        "interactions": int(len(in_window)),
        "invested_minutes": float(invested_minutes(in_window).sum()) if len(in_window) else 0.0,
        "outcomes": int(len(outc)),
        "outcomes_won": int(len(won)),
        "value_won": float(won["value"].fillna(0).sum()),
    }


def read_followup(folder: Path, top: int = TOP_N) -> pd.DataFrame | None:
    """The top of a report's follow-up list: `key` (contact_id or account) and `name`, by rank."""
    path = Path(folder) / FOLLOWUP_FILE
    if not path.is_file():
        return None
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.EmptyDataError):
        return None
    key = next((c for c in ("contact_id", "account", "unit") if c in df.columns), None)
    if key is None:
        return None
    if "rank" in df.columns:
        df = df.assign(_rank=pd.to_numeric(df["rank"], errors="coerce")).sort_values("_rank", kind="stable")
    df = df.head(top)
    name = df["name"] if "name" in df.columns else df[key]
    return pd.DataFrame({"key": df[key].map(_unquote).to_numpy(), "name": name.map(_unquote).to_numpy()})


def _unquote(cell: str) -> str:
    """Undo the spreadsheet-safety quote of `write_safe_csv` (pages escape the text anyway)."""
    from netanalysis.report.csv_safety import is_dangerous

    return cell[1:] if isinstance(cell, str) and cell.startswith("'") and is_dangerous(cell[1:]) else cell


def followup_movements(previous: Path, current: Path, top: int = TOP_N) -> dict | None:
    """Who entered and who left the top of the follow-up list since the previous report."""
    before, now = read_followup(previous, top), read_followup(current, top)
    if before is None or now is None:
        return None
    old, new = set(before["key"]), set(now["key"])
    entered = now[~now["key"].isin(old)]
    left = before[~before["key"].isin(new)]
    return {"top": top, "entered": [{"id": k, "name": n} for k, n in zip(entered["key"], entered["name"])],
            "left": [{"id": k, "name": n} for k, n in zip(left["key"], left["name"])],
            "stayed": int(len(old & new))}


def compute_changes(summary: dict, build: Path, since_previous: dict | None, previous: tuple[Path, dict] | None,
                    metric_keys=TREND_KEYS) -> tuple[dict | None, list[str]]:
    """The `changes` block of summary.json, and notes explaining anything left out.

    `since_previous` is `window_changes` of the data from the previous report's as_of to this one's.
    """
    if previous is None:
        return None, ["changes: no earlier report of the same data in this folder to compare with (a report "
                      "compares only with reports of the same inputs or the same --name)"]
    prev_dir, prev = previous
    notes = []
    block = {"previous_as_of": prev["as_of"], "previous_report": prev_dir.name, "since_previous": since_previous}
    counts_now, counts_then = summary.get("counts", {}), prev.get("counts", {})
    block["counts_delta"] = {k: counts_now[k] - counts_then[k] for k in counts_now
                             if isinstance(counts_then.get(k), int)}
    m_now, m_then = summary.get("metrics", {}), prev.get("metrics", {})
    block["metrics_delta"] = {k: (m_now[k] - m_then[k]) if _num(m_now.get(k)) and _num(m_then.get(k)) else None
                              for k in metric_keys}
    if bool(prev.get("anonymized")) != bool(summary.get("anonymized")):
        block["followup"] = None
        notes.append("changes.followup: the previous report was built with a different --anonymize setting, "
                     "so its follow-up list cannot be compared")
    else:
        block["followup"] = followup_movements(prev_dir, build)
        if block["followup"] is None:
            notes.append(f"changes.followup: this or the previous report has no {FOLLOWUP_FILE} to compare")
    return block, notes


def _num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# -- the reports index ------------------------------------------------------
def trend_figure(reports: list[tuple[Path, dict]], keys=TREND_KEYS):
    """Headline metrics across report dates: one small panel per metric, with 95% intervals where known.

    Few reports are drawn as they are: each report date is a tick, and a single
    report is a dot with a month either side, not a point on a long time axis.
    """
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure  # no pyplot: no global state, any backend

    from netanalysis.plots._style import COLORS, empty, style_axes
    from netanalysis.report.front_page import LABELS

    dates = pd.to_datetime([s["as_of"] for _, s in reports]).tz_localize(None)
    shown = [k for k in keys if any(_num(s.get("metrics", {}).get(k)) for _, s in reports)]
    fig = Figure(figsize=(8, 1.0 + 2.1 * max(1, -(-len(shown) // 2))))
    axes = fig.subplots(max(1, -(-len(shown) // 2)), 2 if len(shown) > 1 else 1, squeeze=False).ravel()
    if not shown:
        empty(axes[0], "No headline metric in these reports yet")
    for ax, key in zip(axes, shown):
        style_axes(ax)
        _trend_panel(ax, reports, dates, key, COLORS[0], LABELS.get(key, (key.replace("_", " "), "num")))
        if len(set(dates)) <= 4:
            ax.set_xticks(sorted(set(dates)), [d.strftime("%d %b\n%Y") for d in sorted(set(dates))])
        else:
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        pad = max((dates.max() - dates.min()) * 0.08, pd.Timedelta(days=31))
        ax.set_xlim(dates.min() - pad, dates.max() + pad)
    for ax in axes[len(shown):] if shown else axes[1:]:
        ax.set_visible(False)
    fig.suptitle("Headline metrics by report date (bars: 95% intervals)", x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


def _trend_panel(ax, reports, dates, key: str, color: str, label: tuple) -> None:
    """One metric across reports: a line with dots and their 95% intervals, on a zero-based axis."""
    scale = 100.0 if label[1] == "pct" else 1.0
    metrics = [s.get("metrics", {}) for _, s in reports]
    ys = [m.get(key) * scale if _num(m.get(key)) else float("nan") for m in metrics]
    cis = [m.get(f"{key}_ci") for m in metrics]
    lo = [c[0] * scale if isinstance(c, list) and len(c) == 2 and _num(c[0]) else float("nan") for c in cis]
    hi = [c[1] * scale if isinstance(c, list) and len(c) == 2 and _num(c[1]) else float("nan") for c in cis]
    err = [[max(y - v, 0.0) if v == v else 0.0 for y, v in zip(ys, lo)],
           [max(v - y, 0.0) if v == v else 0.0 for y, v in zip(ys, hi)]]  # v == v: not NaN
    ax.errorbar(dates, ys, yerr=err, color=color, ecolor=color, elinewidth=1, capsize=3, marker="o", lw=2)
    if label[1] == "pct":
        ax.set_ylim(0, 100)
        ax.set_ylabel("%")
    else:
        ax.set_ylim(0, 1)
        ax.axhline(0.5, color="#999", lw=1, ls="--")
        ax.set_ylabel("AUC (0.5: coin flip)")
    ax.set_title(label[0], fontsize=9, loc="left")


def group_by_dataset(reports: list[tuple[Path, dict]]) -> list[tuple[str | None, str, list[tuple[Path, dict]]]]:
    """Reports by dataset: ``(key, name, reports oldest first)``, the dataset with the newest report first.

    Reports without a dataset key form one last group with key None.
    """
    groups: dict[str | None, list[tuple[Path, dict]]] = {}
    for path, s in reports:
        groups.setdefault(dataset_key(s), []).append((path, s))
    known = [(k, _dataset_name(rs[-1][1]), rs) for k, rs in groups.items() if k is not None]
    known.sort(key=lambda g: (g[2][-1][1]["as_of"], g[2][-1][0].name), reverse=True)
    return known + ([(None, UNKNOWN_DATASET, groups[None])] if None in groups else [])


def _dataset_name(summary: dict) -> str:
    name = (summary.get("dataset") or {}).get("name")
    return name if isinstance(name, str) and name else "unnamed data"


def trend_file(key: str) -> str:
    """The trend chart's file name for one dataset key (keys hold only letters, digits and '-')."""
    return f"trends-{key}.png"


def _trend_html(folder: Path, key: str | None, name: str, group: list[tuple[Path, dict]]) -> str:
    """One dataset's trend chart (written to the folder), or why there is none yet."""
    e = html.escape
    if key is None:
        return ""
    if len(group) < TREND_MIN_REPORTS:
        return (f'<p class="sub">Trend after {TREND_MIN_REPORTS} reports ({len(group)} so far).</p>')
    fig = trend_figure(group)
    fig.savefig(folder / trend_file(key), dpi=100, bbox_inches="tight", metadata={"Software": None})
    return f'<figure><img src="{e(trend_file(key))}" alt="Headline metrics of {e(name)} by report date"></figure>'


def _report_rows(group: list[tuple[Path, dict]]) -> str:
    """Table rows, newest first, for one dataset's reports."""
    from netanalysis.report.front_page import LABELS, fmt

    e = html.escape
    rows = []
    for path, s in reversed(group):
        m, c = s.get("metrics", {}), s.get("counts", {})
        ch = (s.get("changes") or {}).get("since_previous") or {}
        cells = "".join(f"<td>{e(fmt(m.get(k), LABELS[k][1]) if _num(m.get(k)) else 'n/a')}</td>" for k in TREND_KEYS)
        new = f"{ch['new_relationships']:,}" if "new_relationships" in ch else "–"
        rows.append(f'<tr><td><a href="{e(path.name)}/index.html">{e(s["as_of"])}</a></td>'
                    f"<td>{e(str(c.get('contacts', '')))}</td><td>{e(str(c.get('outcomes', '')))}</td>"
                    f"<td>{e(new)}</td>{cells}</tr>")
    return "".join(rows)


def write_history_index(folder) -> Path:
    """Write ``<folder>/index.html``: every report there, under one heading per dataset, with its trend chart."""
    from netanalysis.report.front_page import CSS, LABELS

    folder = Path(folder)
    reports = list_reports(folder)
    e = html.escape
    for old in folder.glob("trends*.png"):  # charts of an earlier run (or the one mixed chart of older versions)
        old.unlink()
    head = ("<tr><th>Data up to</th><th>Contacts</th><th>Outcomes</th><th>New relationships since previous</th>"
            + "".join(f"<th>{e(LABELS[k][0])}</th>" for k in TREND_KEYS) + "</tr>")
    sections = []
    for key, name, group in group_by_dataset(reports):
        sub = (f"{len(group)} report{'s' if len(group) != 1 else ''}, newest first"
               + ("" if key is None else f" · dataset key {key}"))
        sections.append(f"<h2>{e(name)}</h2><p class=\"sub\">{e(sub)}</p>{_trend_html(folder, key, name, group)}"
                        f"<table>{head}{_report_rows(group)}</table>")
    n = len(reports)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
{CSP_META}
<title>netanalysis reports</title><style>{CSS}</style></head>
<body>
<h1>netanalysis reports</h1>
<p class="sub">{n} report{'s' if n != 1 else ''} in this folder, by dataset (the same inputs, or the same --name);
a report is compared only with earlier reports of its own dataset.</p>
{''.join(sections) or '<p>No reports yet.</p>'}
</body></html>"""
    path = folder / "index.html"
    tmp = folder / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path

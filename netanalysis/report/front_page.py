"""The report's front page: headline numbers with intervals, figures and links.

Every string that comes from the data or the summary is passed through
`html.escape`; the page has no script.
"""

from __future__ import annotations

import html
from pathlib import Path

from netanalysis.analysis.predict.versus import versus_recency
from netanalysis.analysis.returns.first_outcome import compare_with_constant_rate
from netanalysis.analysis.returns.verdict import sentence_from_metrics
from netanalysis.report.pages import CSP_META, section_title
from netanalysis.report.single_file import FILE_NAME as SINGLE_FILE

LABELS = {
    "first_outcome_probability_12m": ("Chance a new relationship pays within 12 months", "pct"),
    "first_outcome_probability_24m": ("Chance a new relationship pays within 24 months", "pct"),
    "time_to_first_outcome_median_months": ("Median months to a first won outcome", "months"),
    "outcomes_within_30d_share": ("Won outcomes that came within 30 days of first contact", "pct"),
    "carryover_half_life_months": ("Half-life of the link between invested time and wins (months)", "months"),
    "carryover_within_contact_half_life_months": ("The same, within the same relationships (months)", "months"),
    "carryover_link_p_value": ("Any link between time and later wins (calibrated p-value)", "p"),
    "holdout_auc": ("Prediction of next outcomes (hold-out AUC)", "num"),
    "holdout_auc_recency_baseline": ("Recency-only baseline (hold-out AUC)", "num"),
}

# The figures the front page shows, one or two per section; every other figure sits on its section's page.
HEADLINE_FIGURES = ("02_investment", "03_time_to_first_outcome", "03_carryover_profile", "04_model_comparison",
                    "05_tie_strength")

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{margin-bottom:.2rem} .sub{color:#57606a;margin-top:0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px;margin:1.2rem 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:12px 14px;background:#f6f8fa}
.card .v{font-size:1.6rem;font-weight:600}.card .ci{color:#57606a;font-size:.85rem}.card .l{font-size:.9rem}
.card .vs{font-size:.85rem;margin-top:.2rem}
.null .v{color:#8c959f;font-size:1.1rem} .verdict{border-left:4px solid #0969da;padding:.4rem .8rem;background:#f6f8fa}
figure{margin:1.2rem 0}figure img{max-width:100%;border:1px solid #eaeef2;border-radius:6px}
figcaption{color:#3d444d;font-size:.92rem;margin-top:.3rem}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px}
ul.notes li{color:#57606a;font-size:.9rem} table{border-collapse:collapse} td,th{padding:3px 8px;border-bottom:1px solid #eaeef2}
"""


def fmt(value, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "months":
        return f"{value:.1f}"
    if kind == "p":
        return f"{value:.3f}"
    return f"{value:.2f}"


def card(key: str, metrics: dict) -> str:
    label, kind = LABELS.get(key, (key, "num"))
    value = metrics.get(key)
    ci = metrics.get(f"{key}_ci")
    n = metrics.get(f"{key}_n")
    e = html.escape
    if value is None:
        return f'<div class="card null"><div class="l">{e(label)}</div><div class="v">not estimated</div></div>'
    ci_txt = f"95% CI {fmt(ci[0], kind)} to {fmt(ci[1], kind)}" if ci and None not in ci else "no interval"
    n_txt = f" · {n} units" if n is not None else ""
    against = tile_comparison(key, metrics)
    against_html = f'<div class="vs">{e(against)}</div>' if against else ""
    return (f'<div class="card"><div class="l">{e(label)}</div><div class="v">{e(fmt(value, kind))}</div>'
            f'<div class="ci">{e(ci_txt + n_txt)}</div>{against_html}</div>')


VERDICT_WORDS = {"association_only": "an association between relationships, not a carryover (see the verdict)",
                 "reverse_causation_suspected": "the link lives in the months just before wins (see the verdict)",
                 "no_link": "no link found (see the verdict)", "not_estimable": "too few wins to judge"}


def tile_comparison(key: str, metrics: dict) -> str | None:
    """What a tile's number means against its baseline, in the words its section page uses (None: no baseline).

    The prediction tile reads the interval of the model's AUC gain over recency
    (`holdout.versus_recency`, as page 4 does); the 30-day share reads its
    interval against the constant-rate reference (`compare_with_constant_rate`,
    as page 3 does); the half-life tiles and the link p-value follow the verdict.
    """
    if metrics.get(key) is None:
        return None
    if key == "holdout_auc":
        return _versus_recency_words(metrics)
    if key == "outcomes_within_30d_share":
        ref = metrics.get("outcomes_within_30d_share_constant_rate")
        verdict = compare_with_constant_rate(metrics.get(f"{key}_ci"), ref)
        if verdict is None:
            return None
        return {"fewer": "fewer than", "more": "more than", "same": "about what"}[verdict] + \
            f" a constant rate over the same follow-up gives ({fmt(ref, 'pct')}): " + \
            {"fewer": "outcomes seldom come at once", "more": "many come soon after a first meeting",
             "same": "no sign of delay"}[verdict]
    if key in ("carryover_half_life_months", "carryover_within_contact_half_life_months", "carryover_link_p_value"):
        code = metrics.get("delayed_returns_verdict")
        if code == "supported":
            return "supported: the link holds within the same relationships, not just in the months before a win"
        return VERDICT_WORDS.get(code)
    return None


def _versus_recency_words(metrics: dict) -> str | None:
    """'better than recency', 'no better than recency' or 'worse than recency' (with the recency AUC)."""
    rec = metrics.get("holdout_auc_recency_baseline")
    gain_ci = metrics.get("holdout_auc_gain_over_recency_ci")
    if rec is None:
        return None
    if gain_ci and None not in gain_ci:
        word = versus_recency(gain_ci[0], gain_ci[1])
    else:  # an older summary without the paired gain: the model's own interval against the baseline's AUC
        ci = metrics.get("holdout_auc_ci")
        if not ci or None in ci:
            return None
        word = "better" if ci[0] > rec else "worse" if ci[1] < rec else "no better"
    return f"{word} than recency ({fmt(rec, 'num')})"


def verdict_html(metrics: dict) -> str:
    """The delayed-returns verdict sentence (`verdict.sentence_from_metrics`), escaped, bold kept."""
    text = html.escape(sentence_from_metrics(metrics))
    parts = text.split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))


def changes_section(changes: dict | None) -> str:
    """The "Changes since <previous as_of>" section (empty without an earlier report)."""
    if not changes:
        return ""
    e = html.escape
    w = changes.get("since_previous", {})
    items = [
        f"{w.get('new_relationships', 0):,} new relationships",
        f"{w.get('invested_minutes', 0.0) / 60:,.1f} hours invested in {w.get('interactions', 0):,} interactions",
        f"{w.get('outcomes', 0):,} outcomes, {w.get('outcomes_won', 0):,} of them won"
        + (f" (value {w.get('value_won', 0.0):,.0f})" if w.get("value_won") else ""),
    ]
    deltas = []
    for key, delta in (changes.get("metrics_delta") or {}).items():
        if delta is None:
            continue
        label, kind = LABELS.get(key, (key, "num"))
        shown = f"{delta * 100:+.1f} points" if kind == "pct" else f"{delta:+.2f}"
        deltas.append(f"<li>{e(label)}: {e(shown)}</li>")
    follow = changes.get("followup")
    if follow:
        def names(rows):
            return ", ".join(e(str(r.get("name") or r.get("id"))) for r in rows) or "nobody"
        follow_html = (f"<p>Follow-up list (top {int(follow.get('top', 20))}): {int(follow.get('stayed', 0))} stayed; "
                       f"entered: {names(follow.get('entered', []))}; left: {names(follow.get('left', []))}.</p>")
    else:
        follow_html = "<p>Follow-up list movements: not available (see the notes).</p>"
    return (f"<h2>Changes since {e(str(changes.get('previous_as_of', '')))}</h2>"
            f"<ul>{''.join(f'<li>{e(t)}</li>' for t in items)}</ul>"
            + (f"<p>Headline metrics moved:</p><ul>{''.join(deltas)}</ul>" if deltas else "")
            + follow_html)


def headline_figures(folder: Path, captions: dict, sections: list[tuple[str, str]]) -> str:
    """The `HEADLINE_FIGURES` this report has, each linking to its section's page (the section whose
    notebook shares the figure's number)."""
    e = html.escape
    out = []
    for name in HEADLINE_FIGURES:
        png = Path(folder) / "figures" / f"{name}.png"
        section = next(((stem, title) for stem, title in sections if stem[:2] == name[:2]), None)
        if not png.exists() or section is None:
            continue
        cap = captions.get(name, name.replace("_", " "))
        out.append(f'<figure><a href="{e(section[0])}.html"><img src="figures/{e(png.name)}" alt="{e(cap)}"></a>'
                   f'<figcaption>{e(cap)} <a href="{e(section[0])}.html">More in {e(section[1])} →</a>'
                   f'</figcaption></figure>')
    return "".join(out)


def write_index(folder: Path, summary: dict, notebooks: list[Path], title: str = "netanalysis report",
                history_link: bool = False) -> Path:
    """Write `index.html` into the report folder (every data string escaped)."""
    e = html.escape
    metrics = summary.get("metrics", {})
    captions = summary.get("captions", {})
    counts = summary.get("counts", {})
    cards = "".join(card(k, metrics) for k in LABELS)
    sections = [(nb.stem, section_title(nb)) for nb in notebooks]
    figs = headline_figures(folder, captions, sections)
    links = "".join(f'<li><a href="{e(stem)}.html">{e(name)}</a></li>' for stem, name in sections)
    links += f'<li><a href="{e(SINGLE_FILE)}">The whole report in one file</a> (to send on, print or archive)</li>'
    notes = "".join(f"<li>{e(str(n))}</li>" for n in summary.get("notes", []))
    counts_txt = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    back = ' · <a href="../index.html">all reports</a>' if history_link else ""
    dataset = (summary.get("dataset") or {}).get("name")
    counts_txt += f" · data: {dataset}" if dataset else ""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
{CSP_META}
<title>{e(title)} · {e(summary.get('as_of', ''))}</title><style>{CSS}</style></head>
<body>
<h1>{e(title)}</h1>
<p class="sub">Data up to {e(summary.get('as_of', ''))} · {e(counts_txt)}{back}</p>
<p>How does the time invested in relationships relate to the outcomes that come back, and how long do those returns take?
Each number comes with its 95% interval and the number of relationships behind it; "not estimated" means the data cannot support it (see the notes).</p>
<p class="verdict">{verdict_html(metrics)}</p>
<div class="cards">{cards}</div>
{changes_section(summary.get("changes"))}
<h2>Sections</h2><ul>{links}</ul>
<h2>Headline figures</h2><div class="figs">{figs}</div>
<h2>Notes</h2><ul class="notes">{notes}</ul>
</body></html>"""
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

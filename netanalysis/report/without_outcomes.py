"""A report on data without outcomes: every section that needs none, and a template to record wins.

A LinkedIn export with a calendar, the most common personal export, holds no
outcomes: job offers, referrals and clients are in no export. Such data still
gets the data overview, investment over time, network structure, dormant ties
and a follow-up list ranked by recency. The sections that relate time to
outcomes (`OUTCOME_SECTIONS`) are not run; each gets a one-line page saying
why. The report writes `outcomes_template.csv`: one row per contact, with the
canonical outcomes columns to fill in, which the next report reads as an extra
input.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from netanalysis.report.csv_safety import write_safe_csv
from netanalysis.report.pages import CSP_META

TEMPLATE_FILE = "outcomes_template.csv"
TEMPLATE_COLUMNS = ["contact_id", "name", "timestamp", "kind", "status", "value", "currency"]
# Report notebooks that relate time to outcomes from start to end; others run and say per part what is missing.
OUTCOME_SECTIONS = ("03_delayed_returns",)
# The metrics those sections would give (summary.json keys, null without outcomes).
OUTCOME_METRICS = ("first_outcome_probability_12m", "first_outcome_probability_24m",
                   "time_to_first_outcome_median_months", "outcomes_within_30d_share", "carryover_half_life_months",
                   "carryover_within_contact_half_life_months", "carryover_link_p_value")


def has_outcomes(ds) -> bool:
    """Whether the data (already cut at as_of) holds any outcome, won, lost or open."""
    return not ds.outcomes.empty


def missing_reason(as_of: str) -> str:
    """Why an outcome section or metric is empty, in one sentence's words."""
    return (f"the data up to {as_of} has no outcomes (won deals, referrals, job offers...); record yours in "
            f"{TEMPLATE_FILE} in this report's folder and give it to the next report as an extra input")


def outcome_notes(as_of: str) -> list[str]:
    """summary.json notes for the metrics of the sections not run, and the verdict's reason."""
    reason = missing_reason(as_of)
    return [f"{key}: {reason}" for key in OUTCOME_METRICS] + [f"delayed_returns_verdict: not estimable: {reason}"]


def outcomes_template(ds) -> pd.DataFrame:
    """One row per contact (id and name filled in, sorted by name), the outcome columns left empty.

    Copy a row for a second win of the same contact; `status` left empty means won.

    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> ds = SimpleNamespace(contacts=pd.DataFrame({"contact_id": ["c2", "c1"], "name": ["Bo", "Al"]}))
    >>> outcomes_template(ds).to_csv(index=False).splitlines()
    ['contact_id,name,timestamp,kind,status,value,currency', 'c1,Al,,,,,', 'c2,Bo,,,,,']
    """
    c = ds.contacts.drop_duplicates("contact_id")
    out = pd.DataFrame({"contact_id": c["contact_id"].astype(str).to_numpy(),
                        "name": c["name"].astype("string").fillna("").to_numpy()})
    out = out.sort_values(["name", "contact_id"], kind="stable").reset_index(drop=True)
    for col in TEMPLATE_COLUMNS[2:]:
        out[col] = ""
    return out[TEMPLATE_COLUMNS]


def write_outcomes_template(ds, folder) -> Path:
    """Write `outcomes_template.csv` into the report folder (spreadsheet-safe; pseudonyms under --anonymize)."""
    path = Path(folder) / TEMPLATE_FILE
    write_safe_csv(outcomes_template(ds), path)
    return path


def write_section_page(folder, notebook: str, as_of: str, title: str | None = None) -> Path:
    """`<notebook>.html`: the section's title (the name the index links by) and one line saying it needs
    outcomes (no notebook is run)."""
    from netanalysis.report.front_page import CSS

    e = html.escape
    title = title or notebook[3:].replace("_", " ").capitalize()
    line = missing_reason(as_of)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
{CSP_META}
<title>{e(title)} · {e(as_of)}</title><style>{CSS}</style></head>
<body>
<p class="sub"><a href="index.html">← Report overview</a> · <a href="report.html">The whole report in one file</a></p>
<h1>{e(title)}</h1>
<p>This section relates the time you invest to the outcomes that come back, and {e(line)}.
<a href="{e(TEMPLATE_FILE)}">Open the template</a>.</p>
</body></html>"""
    path = Path(folder) / f"{notebook}.html"
    path.write_text(page, encoding="utf-8")
    return path

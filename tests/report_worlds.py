"""Small simulated worlds with hostile and distinctive strings, for the report's safety and privacy tests.

The interactions and outcomes come from the simulator (so every notebook has
something to analyse); the people's names, e-mails, companies and profile URLs
are replaced by strings that carry markup, spreadsheet formulas and tokens
(`Zorblax`, `Quendrith`, `Vexmoor`) that occur nowhere else.
"""

from __future__ import annotations

import csv
from pathlib import Path

from netanalysis.simulate.world import simulate_world

# Each payload, if it ever ran or became an element, leaves a mark in the DOM.
MARK = "document.documentElement.setAttribute('data-pwned','{0}')"
HOSTILE_NAMES = [
    f"<script>{MARK.format('script')}</script>Zorblax Scripta",
    "<script>alert(1)</script>",
    f'<img src=x onerror="{MARK.format("img")}">Zorblax Imago',
    '"><b id="pwned-b">Zorblax Bold</b>',
    f"<svg onload=\"{MARK.format('svg')}\"></svg>Zorblax Svgo",
    f"[Zorblax Link](javascript:{MARK.format('md-link')})",
    f"</td></tr></table><iframe id=\"pwned-iframe\" src=\"javascript:{MARK.format('iframe')}\"></iframe>",
    '=HYPERLINK("http://evil.example","Zorblax Formula")',
    "+Zorblax Plus",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(Zorblax)",
    "\tZorblax Tab",
]
HOSTILE_COMPANIES = [
    f"<img src=x onerror=\"{MARK.format('company')}\">Vexmoor Imaging",
    "=Vexmoor()",
    '"><b id="pwned-company">Vexmoor</b>',
]
TOKENS = ("zorblax", "quendrith", "vexmoor")


def distinctive_world(folder: Path, contacts: int = 120, months: int = 24, seed: int = 3, hostile: bool = True) -> Path:
    """Write canonical CSVs whose people carry distinctive (and, if `hostile`, hostile) strings."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    w = simulate_world(contacts=contacts, months=months, seed=seed)
    people = w.contacts[["contact_id", "name", "email", "company", "title", "linkedin_url"]].copy()
    companies = {}
    for n, old in enumerate(sorted(people["company"].unique())):
        companies[old] = ((HOSTILE_COMPANIES[n % len(HOSTILE_COMPANIES)] + " ") if hostile else "") + f"Vexmoor{n} Holdings"
    # every person carries a payload, so whichever names a page shows are hostile ones
    names = [((HOSTILE_NAMES[i % len(HOSTILE_NAMES)] + " ") if hostile else "") + f"Zorblax{i} Quendrith"
             for i in range(len(people))]
    people["name"] = names
    people["email"] = [f"zorblax{i}@quendrith-mail.example" for i in range(len(people))]
    people["linkedin_url"] = [f"https://www.linkedin.com/in/zorblax-quendrith-{i}" for i in range(len(people))]
    people["company"] = people["company"].map(companies)
    people.to_csv(folder / "contacts.csv", index=False, quoting=csv.QUOTE_ALL)
    inter = w.interactions.drop(columns=[c for c in ("group_key",) if c in w.interactions]).copy()
    inter["timestamp"] = inter["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    inter.to_csv(folder / "interactions.csv", index=False)
    with (folder / "interactions.csv").open("a", encoding="utf-8") as fh:  # a row the loader rejects
        fh.write('"=2+5+cmd|\' /C calc\'!A0",not a date,meeting,outbound,30\n')
    out = w.outcomes.copy()
    out["account"] = out["account"].map(companies)
    out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(folder / "outcomes.csv", index=False)
    return folder


def text_files(folder: Path):
    """Every file under `folder` that is not an image."""
    return [p for p in sorted(Path(folder).rglob("*")) if p.is_file() and p.suffix.lower() not in (".png", ".jpg", ".svgz")]

"""Small functions shared by the tests (no data: the shared data are fixtures in conftest.py)."""

from pathlib import Path


def write(folder: Path, name: str, text: str) -> Path:
    """Write `text` (without its leading newlines) to `folder / name`."""
    path = folder / name
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def entry(ds, i=0):
    """The load report entry of the i-th input file."""
    return ds.load_report["files"][i]


def by_name(ds, name):
    """The one contact with this name (fails if there are none or several)."""
    rows = ds.contacts[ds.contacts["name"] == name]
    assert len(rows) == 1, f"{name}: {len(rows)} contacts"
    return rows.iloc[0]


def interactions_with(ds, email):
    """The interactions of the one contact holding this e-mail, in time order."""
    cid = ds.contacts.loc[ds.contacts["emails"].map(lambda e: email in e), "contact_id"]
    assert len(cid) == 1, email
    return ds.interactions[ds.interactions["contact_id"] == cid.iloc[0]].sort_values("timestamp")


def text_files(folder: Path):
    """Every file under `folder` that is not an image."""
    return [p for p in sorted(Path(folder).rglob("*")) if p.is_file() and p.suffix.lower() not in (".png", ".jpg", ".svgz")]

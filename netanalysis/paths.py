"""Project paths, derived from one place."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SAMPLE_DATA = ROOT / "data" / "sample"
REPORTS = ROOT / "reports"

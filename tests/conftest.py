"""Shared fixtures: tiny canonical datasets written to temporary folders."""

from pathlib import Path

import pytest

import netanalysis


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path):
    """Two contacts: Ann (met Jan, e-mailed Mar, deal Apr) and Bob (one call in Feb)."""
    write(tmp_path, "contacts.csv", """
contact_id,name,email,company
c1,Ann Lee,ann@x.com,Acme
c2,Bob Roy,,Beta
""")
    write(tmp_path, "interactions.csv", """
contact_id,timestamp,channel,direction,duration_minutes
c1,2025-01-15T10:00:00Z,meeting,outbound,60
c1,2025-03-02T09:00:00Z,email,inbound,
c2,2025-02-01T12:00:00Z,call,outbound,
""")
    write(tmp_path, "outcomes.csv", """
contact_id,timestamp,kind,status,value
c1,2025-04-10T00:00:00Z,deal,won,1000
c2,2025-04-11T00:00:00Z,deal,lost,500
""")
    return tmp_path


@pytest.fixture
def tiny_ds(tiny):
    return netanalysis.load([tiny])


@pytest.fixture(scope="session")
def sample_dir():
    from netanalysis.paths import SAMPLE_DATA

    return SAMPLE_DATA

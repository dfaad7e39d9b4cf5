"""Properties of loading that hold for any input, and detection of every fixture.

- Arbitrary bytes or arbitrary CSV text give a Dataset or a UserError, never
  another exception, and every file reconciles:
  rows_read == loaded + duplicates + rejected.
- Every fixture is detected as its own format and no other format scores as
  high (formats must not steal each other's files).
"""

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netanalysis
from netanalysis.errors import UserError
from netanalysis.io.sources import FORMATS
from netanalysis.io.sources.base import sniff

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _load_or_user_error(path: Path):
    try:
        ds = netanalysis.load([path])
    except UserError as exc:
        assert str(exc)  # one clear message
        return None
    for f in ds.load_report["files"]:
        assert f["rows_read"] == f["loaded"] + f["duplicates"] + f["rejected"], f
        assert "unaccounted" not in f, f
    assert len(ds.rejected) == sum(f["rejected"] for f in ds.load_report["files"])
    return ds


# Real headers (and BOMs) in front of arbitrary bytes get past detection into the parsers.
PREFIXES = st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"BEGIN:VCARD\r\n",
                            b"First Name,Last Name,Connected On\n", b"CONVERSATION ID,FROM,TO,DATE,CONTENT\n",
                            b"From,To,Date,Subject,Content,Direction,Folder\n"])


@SETTINGS
@given(prefix=PREFIXES, data=st.binary(max_size=600))
def test_arbitrary_bytes_load_or_fail_cleanly(tmp_path, prefix, data):
    p = tmp_path / "input.csv"
    p.write_bytes(prefix + data)
    _load_or_user_error(p)


def test_header_only_file_loads_as_empty(tmp_path):
    p = tmp_path / "Connections.csv"
    p.write_text("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n", encoding="utf-8")
    ds = _load_or_user_error(p)
    assert ds is not None and ds.contacts.empty and ds.load_report["files"][0]["rows_read"] == 0


# Headers of the formats this project reads: arbitrary rows under a real header
# reach the parsers, not only the detector.
HEADERS = [
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER",
    "From,To,Date,Subject,Content,Direction,Folder",
    "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl",
    "Endorsement Date,Skill Name,Endorser First Name,Endorser Last Name,Endorser Public Url,Endorsement Status",
    "First Name,Last Name,Company,Job Title,Text,Creation Date,Status",
    "First Name,Middle Name,Last Name,Organization Name,Organization Title,Labels,E-mail 1 - Label,E-mail 1 - Value",
    "First Name,Middle Name,Last Name,Company,Job Title,E-mail Address,E-mail 2 Address,Web Page",
    "contact_id,timestamp,channel,direction,duration_minutes",
    "contact_id,name,email,company",
]
CELLS = st.one_of(
    st.sampled_from(["", "Ann Lee", "ann@x.com", "https://www.linkedin.com/in/a%C3%BC", "LinkedIn Member",
                     "04 Dec 2025", "9-Sep-22", "1/8/18, 6:14 PM", "2025-12-05 01:20:51 UTC", "0/0/00",
                     "2025-13-45", "OUTGOING", "INCOMING", "meeting", "-5", "a ::: b@c.de", "SPONSORED", "🚀"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
)


def _csv_cell(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n\r') else v


@SETTINGS
@given(header=st.sampled_from(HEADERS), rows=st.lists(st.lists(CELLS, min_size=0, max_size=11), max_size=6),
       preamble=st.booleans(), damage=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]), crlf=st.booleans(),
       semicolon=st.booleans())
def test_arbitrary_csv_rows_load_or_fail_cleanly(tmp_path, header, rows, preamble, damage, encoding, crlf, semicolon):
    sep = ";" if semicolon else ","
    lines = [header.replace(",", sep)] + [sep.join(_csv_cell(c) for c in row) for row in rows]
    if preamble:
        lines = ["Notes:", '"Some e-mail addresses may be missing."', ""] + lines
    text = ("\r\n" if crlf else "\n").join(lines) + "\n"
    if damage:
        text += 'Ann,"truncated quote\n'
    p = tmp_path / "export.csv"
    p.write_bytes(text.encode(encoding, errors="replace"))
    _load_or_user_error(p)


# ------------------------------------------------------------------ detection and accounting of every fixture

EXPECTED = {
    "linkedin/Connections.csv": "linkedin_connections",
    "linkedin/Connections_2022.csv": "linkedin_connections",
    "linkedin/Connections_2018.csv": "linkedin_connections",
    "linkedin/Connections_excel.csv": "linkedin_connections",
    "linkedin/messages.csv": "linkedin_messages",
    "linkedin/messages_2021.csv": "linkedin_messages",
    "linkedin/Messages_2018.csv": "linkedin_messages",
    "linkedin/Invitations.csv": "linkedin_invitations",
    "linkedin/Endorsement_Received_Info.csv": "linkedin_endorsements",
    "linkedin/Endorsement_Given_Info.csv": "linkedin_endorsements",
    "linkedin/Recommendations_Received.csv": "linkedin_recommendations",
    "linkedin/Recommendations_Given.csv": "linkedin_recommendations",
    "linkedin/Invitations_2019.csv": "linkedin_invitations",
    "contacts/google_contacts.csv": "google_contacts",
    "contacts/google_contacts_legacy.csv": "google_contacts",
    "contacts/outlook_contacts.csv": "outlook_contacts",
    "contacts/outlook_com_contacts.csv": "outlook_contacts",
    "contacts/outlook_semicolon.csv": "outlook_contacts",
    "contacts/contacts_v3.vcf": "vcard",
    "contacts/contacts_v4.vcf": "vcard",
    "contacts/contacts_v21.vcf": "vcard",
}
MY_FAMILIES = {"linkedin", "google_contacts", "outlook_contacts", "vcard"}


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_each_fixture_is_detected_as_its_format_and_no_other(rel):
    sn = sniff(FIXTURES / rel)
    scores = {fmt.name: fmt.detect(sn) for fmt in FORMATS}
    best = max(scores, key=scores.get)
    assert best == EXPECTED[rel], scores
    rivals = {k: v for k, v in scores.items() if k != best and v >= 0.5}
    assert not rivals, f"{rel} is also claimed by {rivals}"


def _repo_files():
    """Every other fixture or sample file in the repository."""
    files = [p for p in FIXTURES.rglob("*") if p.is_file() and str(p.relative_to(FIXTURES)) not in EXPECTED]
    sample = ROOT / "data" / "sample"
    if sample.exists():
        files += [p for p in sample.rglob("*") if p.is_file() and p.suffix.lower() not in {".json", ".md"}]
    return sorted(files)


def _is_mine(path: Path) -> bool:
    """Sample or fixture files of these families (the simulator writes LinkedIn exports too)."""
    return "linkedin" in path.parts or "contacts" in path.parent.name.lower() or path.suffix.lower() == ".vcf"


@pytest.mark.parametrize("path", [p for p in _repo_files() if not _is_mine(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_these_formats_do_not_steal_other_files(path):
    sn = sniff(path)
    mine = {fmt.name: fmt.detect(sn) for fmt in FORMATS if fmt.family in MY_FAMILIES}
    assert all(v < 0.5 for v in mine.values()), mine


@pytest.mark.parametrize("path", [p for p in _repo_files() if _is_mine(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_other_files_of_these_families_are_detected_and_reconcile(path):
    sn = sniff(path)
    scores = {fmt.name: fmt.detect(sn) for fmt in FORMATS}
    best = max(scores, key=scores.get)
    assert next(f for f in FORMATS if f.name == best).family in MY_FAMILIES, scores
    assert sum(v >= 0.5 for v in scores.values()) == 1, scores
    assert _load_or_user_error(path) is not None


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_every_fixture_reconciles(rel):
    ds = _load_or_user_error(FIXTURES / rel)
    assert ds is not None


def test_encodings_are_detected_from_bytes_not_names(tmp_path):
    """The same Connections file in UTF-8, UTF-8 with BOM, UTF-16 and cp1252 loads identically."""
    from netanalysis.io.sources.base import detect_encoding

    text = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
            "René,Faure,https://www.linkedin.com/in/rene-faure,,Société Générale,Analyst,17 Oct 2021\r\n")
    expect = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "cp1252": "cp1252"}
    for enc, detected in expect.items():
        p = tmp_path / f"export_{enc}.txt"
        p.write_bytes(text.encode(enc))
        assert detect_encoding(p.read_bytes()) == detected
        ds = netanalysis.load([p])
        assert ds.contacts["company"].tolist() == ["Société Générale"], enc
    assert (tmp_path / "export_utf-8-sig.txt").read_bytes()[:3] == codecs.BOM_UTF8

"""Google Contacts, Outlook contacts and vCard: one test per quirk (fixtures in tests/fixtures/contacts).

Expected values are read by hand from the fixture files.
"""

import codecs
import functools
from pathlib import Path

import pytest
from helpers import by_name, entry

import netanalysis
from netanalysis.io.sources.base import detect_encoding

FIX = Path(__file__).parent / "fixtures" / "contacts"


def load(*names, **kw):
    """The fixture files loaded; without options, once per module (the tests only read the Dataset)."""
    return _loaded(names) if not kw else netanalysis.load([FIX / n for n in names], **kw)


@functools.cache
def _loaded(names: tuple[str, ...]):
    return netanalysis.load([FIX / n for n in names])


# ------------------------------------------------------------------ Google

def test_google_current_layout_and_accounting():
    ds = load("google_contacts.csv")
    e = entry(ds)
    # 4 records (the multi-line note is inside one): Ann, Bob, a phone-only row, Kiki (nickname only).
    assert (e["format"], e["rows_read"], e["loaded"], e["duplicates"], e["rejected"]) == \
        ("google_contacts", 4, 3, 0, 1)
    assert e["rejected_by_reason"] == {"no name or e-mail": 1}
    assert ds.rejected["row"].tolist() == [3]
    assert ds.interactions.empty  # an address book holds people, not interactions


def test_google_multi_values_joined_by_triple_colon():
    ds = load("google_contacts.csv")
    ann = by_name(ds, "Ann Lee")
    assert sorted(ann["emails"]) == ["ann.lee@gmail.com", "ann@acme.com"]  # upper case folded
    assert (ann["company"], ann["title"]) == ("Acme", "VP Sales")
    assert ann["linkedin_url"] == "linkedin.com/in/ann-lee-12345"  # from Website 1 - Value


def test_google_middle_name_and_several_email_columns():
    ds = load("google_contacts.csv")
    bob = by_name(ds, "Bob J. Roy")
    assert sorted(bob["emails"]) == ["bob.roy@example.org", "bob@beta.io"]


def test_google_nickname_only_contact_is_kept():
    ds = load("google_contacts.csv")
    assert list(by_name(ds, "Kiki")["emails"]) == ["kiki@example.net"]


def test_google_legacy_layout_utf16():
    raw = (FIX / "google_contacts_legacy.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE) and detect_encoding(raw) == "utf-16"
    ds = load("google_contacts_legacy.csv")
    e = entry(ds)
    assert (e["format"], e["rows_read"], e["loaded"]) == ("google_contacts_legacy", 2, 2)
    carla = by_name(ds, "Carla Ruiz")
    assert sorted(carla["emails"]) == ["c.ruiz@gmail.com", "carla@ruiz.es"]
    assert (carla["company"], carla["title"]) == ("Ruiz SL", "Directora")
    dieter = by_name(ds, "Dieter Krause")  # no Name cell: composed from Given + Family
    assert (dieter["company"], list(dieter["emails"])) == ("Krause GmbH", [])


# ------------------------------------------------------------------ Outlook

def test_outlook_desktop_cp1252_crlf_and_zero_dates():
    raw = (FIX / "outlook_contacts.csv").read_bytes()
    assert b"\r\n" in raw and detect_encoding(raw) == "cp1252"
    ds = load("outlook_contacts.csv")
    e = entry(ds)
    # "0/0/00" birthdays do not make a row fail.
    assert (e["format"], e["rows_read"], e["loaded"], e["rejected"]) == ("outlook_contacts", 2, 2, 0)
    jose = by_name(ds, "José García")
    assert (jose["company"], jose["title"]) == ("Compañía Óptima", "Director Técnico")
    assert list(jose["emails"]) == ["jose@optima.es"]


def test_outlook_exchange_x500_address_is_not_an_email():
    ds = load("outlook_contacts.csv")
    assert list(by_name(ds, "Ann Lee")["emails"]) == ["ann@acme.com"]  # from E-mail 2 Address


def test_outlook_com_utf16():
    raw = (FIX / "outlook_com_contacts.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE)
    ds = load("outlook_com_contacts.csv")
    mia = by_name(ds, "Mia Chen")
    assert sorted(mia["emails"]) == ["mia.chen@outlook.com", "mia@chen.dev"]
    assert mia["linkedin_url"] == "linkedin.com/in/mia-chen"


def test_outlook_semicolon_delimited_utf8_bom():
    raw = (FIX / "outlook_semicolon.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and detect_encoding(raw) == "utf-8-sig"
    ds = load("outlook_semicolon.csv")
    lars = by_name(ds, "Lars Berg")
    assert (lars["company"], lars["title"], list(lars["emails"])) == ("Nordic AB", "Säljchef", ["lars@nordic.se"])


# ------------------------------------------------------------------ vCard

def test_vcard_3_groups_folding_escapes_and_damaged_card():
    ds = load("contacts_v3.vcf")
    e = entry(ds)
    # 4 cards: Ann, Ngozi, an empty card (no name or e-mail), one without END:VCARD.
    assert (e["format"], e["rows_read"], e["loaded"], e["rejected"]) == ("vcard", 4, 2, 2)
    assert e["rejected_by_reason"] == {"damaged card": 1, "no name or e-mail": 1}
    ann = by_name(ds, "Ann Lee")
    assert sorted(ann["emails"]) == ["ann.lee@gmail.com", "ann@acme.com"]  # item1.EMAIL kept
    assert ann["company"] == "Acme, Inc."  # "\," unescaped, first ORG component
    assert ann["linkedin_url"] == "linkedin.com/in/ann-lee-12345"  # "https\://" unescaped
    ngozi = by_name(ds, "Ngozi Okafor")
    assert sorted(ngozi["emails"]) == ["ngozi.okafor@gmail.com", "ngozi@lagosventures.ng"]


def test_vcard_4():
    ds = load("contacts_v4.vcf")
    t = by_name(ds, "Tomás Silva")
    assert (t["company"], t["title"], list(t["emails"])) == ("Silva & Filhos", "Sócio", ["tomas@silva.pt"])
    assert t["linkedin_url"] == "linkedin.com/in/tomas-silva"  # pt. country subdomain dropped


def test_vcard_folded_line_becomes_one_value():
    import vobject

    from netanalysis.io.sources.vcard import _cards

    text = (FIX / "contacts_v3.vcf").read_text(encoding="utf-8")
    cards, bad = _cards(text)
    note = vobject.readOne(cards[0][1]).note.value
    assert note.endswith("the follow-up workshop in March.")
    assert len(cards) == 3 and [b[0] for b in bad] == [4]


# ------------------------------------------------------------------ all address books

def test_contacts_only_files_count_duplicates_on_reload():
    ds = load("google_contacts.csv", "contacts_v4.vcf", "google_contacts.csv", "contacts_v4.vcf")
    g2, v2 = entry(ds, 2), entry(ds, 3)
    assert (g2["loaded"], g2["duplicates"], g2["rejected"]) == (0, 3, 1)
    assert (v2["loaded"], v2["duplicates"]) == (0, 1)
    assert len(ds.contacts) == 4


def test_owner_card_is_not_a_contact():
    ds = load("google_contacts.csv", me=["bob@beta.io"])
    assert "Bob J. Roy" not in set(ds.contacts["name"])
    assert entry(ds)["rejected_by_reason"] == {"no name or e-mail": 1, "the owner's own card": 1}


@pytest.mark.parametrize("name", sorted(p.name for p in FIX.iterdir()))
def test_every_contacts_fixture_reconciles(name):
    e = entry(load(name))
    assert e["rows_read"] == e["loaded"] + e["duplicates"] + e["rejected"]
    assert "unaccounted" not in e


def test_vcard_21_quoted_printable():
    ds = load("contacts_v21.vcf")
    j = by_name(ds, "Jürgen Müller")  # =C3=BC is ü in UTF-8
    assert (j["company"], list(j["emails"])) == ("Beispiel GmbH", ["jm@example.de"])


def test_outlook_exchange_contact_with_address_only_in_display_name(tmp_path):
    p = tmp_path / "contacts.csv"
    p.write_bytes(('"First Name","Last Name","Company","E-mail Address","E-mail Type","E-mail Display Name"\r\n'
                   '"Kai","Brandt","Nord AG","/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=kai","EX",'
                   '"Kai Brandt (kai.brandt@nord.de)"\r\n').encode("cp1252"))
    ds = netanalysis.load([p])
    assert list(by_name(ds, "Kai Brandt")["emails"]) == ["kai.brandt@nord.de"]

"""One person seen in LinkedIn, Google Contacts, a vCard and canonical CSV becomes one contact.

Each file links to the next by a different identifier only, so the merge must
be transitive: LinkedIn (URL) - vCard (URL + work e-mail) - Google (work +
private e-mail) - canonical interactions (private e-mail as contact_id).
"""

import pandas as pd
import pytest

import netanalysis
from tests.conftest import write

CONNECTIONS = """
Notes:
"When exporting your connection data, you may notice that some of the email addresses are missing."

First Name,Last Name,URL,Email Address,Company,Position,Connected On
Ann,Lee,https://www.linkedin.com/in/ann-lee-12345/,,Acme,VP Sales,10 Jan 2025
Dan,Ortiz,,,Beta Corp,Engineer,01 Feb 2025
Sam,Park,,,Gamma,Analyst,01 Mar 2025
"""

VCARD = """
BEGIN:VCARD
VERSION:3.0
FN:Ann Lee
EMAIL;type=WORK:Ann@Acme.com
URL:https\\://www.linkedin.com/in/ann-lee-12345?trk=profile
END:VCARD
"""

GOOGLE = """
First Name,Middle Name,Last Name,Organization Name,Organization Title,Labels,E-mail 1 - Label,E-mail 1 - Value
Ann,,Lee,Acme,,* myContacts,* Work,ann@acme.com ::: ann.private@gmail.com
Dan,,Ortiz,Beta Corp,,* myContacts,,
Sam,,Park,Gamma,,* myContacts,Work,sam@gamma.io
Pat,,Owner,Self Inc,,* myContacts,Home,pat@owner.me
"""

INTERACTIONS = """
contact_id,timestamp,channel,direction,duration_minutes
ann.private@gmail.com,2025-02-01T10:00:00Z,meeting,outbound,45
pat@owner.me,2025-02-02T10:00:00Z,meeting,outbound,30
"""

MESSAGES = """
CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER
c1,,Pat Owner,https://www.linkedin.com/in/pat-owner,Ann Lee,https://www.linkedin.com/in/ann-lee-12345,2025-03-01 10:00:00 UTC,,hi,INBOX
c2,,Dan Ortiz,https://www.linkedin.com/in/dan-ortiz,Pat Owner,https://www.linkedin.com/in/pat-owner,2025-03-02 10:00:00 UTC,,hello,INBOX
"""


@pytest.fixture
def exports(tmp_path):
    write(tmp_path, "Connections.csv", CONNECTIONS)
    write(tmp_path, "ann.vcf", VCARD)
    write(tmp_path, "contacts.csv", GOOGLE)
    write(tmp_path, "interactions.csv", INTERACTIONS)
    write(tmp_path, "messages.csv", MESSAGES)
    return tmp_path


def test_one_person_across_four_sources(exports):
    ds = netanalysis.load([exports])
    ann = ds.contacts[ds.contacts["name"] == "Ann Lee"]
    assert len(ann) == 1
    ann = ann.iloc[0]
    assert sorted(ann["sources"]) == ["canonical", "google_contacts", "linkedin", "vcard"]
    assert sorted(ann["emails"]) == ["ann.private@gmail.com", "ann@acme.com"]
    assert ann["linkedin_url"] == "linkedin.com/in/ann-lee-12345"
    got = ds.interactions[ds.interactions["contact_id"] == ann["contact_id"]]
    # connection (LinkedIn), meeting (canonical), message (LinkedIn): all on the one contact.
    assert sorted(got["channel"]) == ["connection", "meeting", "message"]
    assert ann["first_seen"] == pd.Timestamp("2025-01-10", tz="UTC")


def test_name_and_company_merge_only_without_conflicting_ids(exports):
    ds = netanalysis.load([exports])
    # Dan: no e-mail or URL in Connections or Google, same name + company -> one contact.
    dan = ds.contacts[ds.contacts["name"] == "Dan Ortiz"]
    connected = dan[dan["sources"].map(lambda s: "google_contacts" in s)]
    assert len(connected) == 1 and sorted(connected.iloc[0]["sources"]) == ["google_contacts", "linkedin"]
    # Sam: Google has an e-mail, Connections has none: name + company still agree, no conflict.
    assert (ds.contacts["name"] == "Sam Park").sum() == 1


def test_conflicting_emails_keep_namesakes_apart(tmp_path):
    write(tmp_path, "a.csv", """
First Name,Middle Name,Last Name,Organization Name,Labels,E-mail 1 - Label,E-mail 1 - Value
Lee,,Kim,Acme,* myContacts,Work,lee.kim@acme.com
""")
    write(tmp_path, "b.vcf", """
BEGIN:VCARD
VERSION:3.0
FN:Lee Kim
ORG:Acme
EMAIL:lkim@other.org
END:VCARD
""")
    ds = netanalysis.load([tmp_path])
    assert (ds.contacts["name"] == "Lee Kim").sum() == 2


def test_detected_owner_is_never_a_contact(exports):
    # The LinkedIn messages show Pat Owner in every conversation; Pat's own Google card
    # (same name) is then the owner too, and through its e-mail so is the canonical
    # meeting keyed by pat@owner.me.
    ds = netanalysis.load([exports])
    assert "Pat Owner" not in set(ds.contacts["name"].dropna())
    assert not ds.contacts["emails"].map(lambda e: "pat@owner.me" in e).any()
    assert ds.interactions["duration_minutes"].eq(30).sum() == 0


def test_me_excludes_the_owner_everywhere(exports):
    ds = netanalysis.load([exports], me=["pat@owner.me"])
    assert not ds.contacts["emails"].map(lambda e: "pat@owner.me" in e).any()
    canon = next(f for f in ds.load_report["files"] if f["path"].endswith("interactions.csv"))
    assert canon["rejected_by_reason"] == {"only the owner of the exports takes part": 1}
    assert canon["rows_read"] == canon["loaded"] + canon["duplicates"] + canon["rejected"]


def test_contact_ids_are_stable_across_runs_and_input_order(exports):
    files = sorted(p for p in exports.iterdir())
    a = netanalysis.load(files)
    b = netanalysis.load(list(reversed(files)))
    key = lambda ds: sorted(zip(ds.contacts["name"].fillna(""), ds.contacts["contact_id"]))  # noqa: E731
    assert key(a) == key(b)
    assert sorted(a.interactions["interaction_id"]) == sorted(b.interactions["interaction_id"])


def test_vectorised_normalisers_agree_with_the_plain_functions():
    """The pyarrow shortcut of `_map_unique` gives what the Python normalisers give, value by value."""
    from netanalysis.identity import _map_unique, fold, normalize_email

    values = pd.Series(["ann@x.com", "Ann@X.com", " ann@x.com", "a@b", "mailto:bo@y.org", "<c@z.io>", "no-at",
                        "Ann Lee", "ann lee", "Ann  Lee", " Ann", "Jürgen M", "O'Neil", "x", "", None, "ann@x.com"])
    for fn in (normalize_email, fold):
        assert _map_unique(values, fn).tolist() == [fn(v) for v in values]

"""One person seen in LinkedIn, Google Contacts, a vCard and canonical CSV becomes one contact.

Each file links to the next by a different identifier only, so the merge must
be transitive: LinkedIn (URL) - vCard (URL + work e-mail) - Google (work +
private e-mail) - canonical interactions (private e-mail as contact_id).
"""

import gc
import hashlib

import numpy as np
import pandas as pd
import pytest
from helpers import write
from hypothesis import given, settings
from hypothesis import strategies as st

import netanalysis
from netanalysis.io import identity

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


def _write_exports(folder):
    write(folder, "Connections.csv", CONNECTIONS)
    write(folder, "ann.vcf", VCARD)
    write(folder, "contacts.csv", GOOGLE)
    write(folder, "interactions.csv", INTERACTIONS)
    write(folder, "messages.csv", MESSAGES)
    return folder


@pytest.fixture
def exports(tmp_path):
    return _write_exports(tmp_path)


@pytest.fixture(scope="module")
def exports_ds(tmp_path_factory):
    """The four sources loaded with the defaults, once for the tests that only read them."""
    return netanalysis.load([_write_exports(tmp_path_factory.mktemp("exports"))])


def test_one_person_across_four_sources(exports_ds):
    ds = exports_ds
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


def test_name_and_company_merge_only_without_conflicting_ids(exports_ds):
    ds = exports_ds
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


def test_detected_owner_is_never_a_contact(exports_ds):
    # The LinkedIn messages show Pat Owner in every conversation; Pat's own Google card
    # (same name) is then the owner too, and through its e-mail so is the canonical
    # meeting keyed by pat@owner.me.
    ds = exports_ds
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
    from netanalysis.io.identity import _map_unique, fold, normalize_email

    values = pd.Series(["ann@x.com", "Ann@X.com", " ann@x.com", "a@b", "mailto:bo@y.org", "<c@z.io>", "no-at",
                        "Ann Lee", "ann lee", "Ann  Lee", " Ann", "Jürgen M", "O'Neil", "x", "", None, "ann@x.com"])
    for fn in (normalize_email, fold):
        assert _map_unique(values, fn).tolist() == [fn(v) for v in values]


# --- The vectorised helpers of `resolve`, each against a computation by hand or in plain Python. ---


def test_companies_and_non_text_take_the_shortcut_only_when_the_normaliser_agrees():
    """Plain company names are lower-cased in pyarrow unless a legal form is to be cut; non-text goes through Python."""
    from netanalysis.io.identity import _map_unique, fold, normalize_company, normalize_email

    companies = pd.Series(["Acme", "ACME Inc", "Acme inc.", "Beta GmbH", "Co", "Company 0", "Tesco", "Sa Group",
                           "BV", "acme  corp", "Ünited AG", "Inc Magazine", "Coinbase", "ag 2", "", None, "Acme"])
    assert _map_unique(companies, normalize_company).tolist() == [normalize_company(v) for v in companies]
    assert _map_unique(companies, normalize_company).tolist()[:3] == ["acme", "acme", "acme"]
    mixed = pd.Series(["Acme", 5, b"Acme Inc", "ann@x.com", 2.5, None], dtype=object)
    for fn in (normalize_company, fold, normalize_email):
        assert _map_unique(mixed, fn).tolist() == [fn(v) for v in mixed]


def test_record_emails_by_hand():
    emails = pd.Series([["B@x.com", "a@x.com", "b@x.com"], None, "a@x.com", ["c@y.org"], [],
                        ("no-at", "mailto:A@x.com"), np.nan, np.array(["d@z.io"], dtype=object)], dtype=object)
    em = identity._record_emails(emails)
    # Record 2 is text, not a list: it holds no e-mail (as before); each pair once, sorted within a record.
    assert list(zip(em["rec"], em["email"])) == [(0, "a@x.com"), (0, "b@x.com"), (3, "c@y.org"),
                                                  (5, "a@x.com"), (7, "d@z.io")]


def _plain_sorted_sets(c, values, n):
    lists = [sorted({v for k, v in zip(c, values) if k == j}) for j in range(n)]
    return lists, [lst[0] if lst else None for lst in lists]


def test_sorted_sets_by_hand():
    # Records 1 and 3 (cluster 0) hold "z" each; cluster 2 is fed by records 5 and 6; record 7 alone feeds cluster 3.
    c = [0, 0, 2, 2, 2, 2, 3, 3]
    values = ["z", "z", "a", "b", "0", "a", "b", "c"]
    rec = [1, 3, 5, 5, 6, 6, 7, 7]
    lists, first = identity._sorted_sets(np.array(c), pd.Series(values, dtype=object), 5, rec=np.array(rec))
    assert lists == [["z"], [], ["0", "a", "b"], ["b", "c"], []]
    assert first.tolist() == ["z", None, "0", "b", None]
    # One value per record (the default), as for the sources of refs.
    lists, first = identity._sorted_sets(np.array([1, 0, 1, 1]), np.array(["x", "y", "a", "x"], dtype=object), 3)
    assert lists == [["y"], ["a", "x"], []] and first.tolist() == ["y", "a", None]
    lists, first = identity._sorted_sets(np.array([], dtype=np.int64), np.array([], dtype=object), 2)
    assert lists == [[], []] and first.tolist() == [None, None]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 5), st.sets(st.sampled_from(["a", "b", "B", "é", "a@x", "zz"]), max_size=3)),
                min_size=1, max_size=25))
def test_sorted_sets_equal_plain_python(records):
    """Records (cluster, set of values) in any mix: each cluster's sorted distinct values and the first of them."""
    c, values, rec = [], [], []
    for r, (k, vals) in enumerate(records):
        for v in sorted(vals):  # a record's values come sorted and distinct
            c.append(k); values.append(v); rec.append(r)
    n = 6
    got, first = identity._sorted_sets(np.array(c, dtype=np.int64), np.array(values, dtype=object), n,
                                       rec=np.array(rec, dtype=np.int64))
    want, want_first = _plain_sorted_sets(c, values, n)
    assert got == want and first.tolist() == want_first


def test_most_frequent_names_by_hand():
    c = np.array([0, 0, 0, 1, 1, 2, 3, 4, 4, 5, 5, 5, 5, 6, 6])
    names = np.array(["Ann", "Bob", "Bob", "  ", "Cy", None, "Di", "Eve", "Fay", "Gus", "Hal", "Hal", "Gus",
                      "", "\t"], dtype=object)
    # 0: Bob twice; 1: blank ignored; 2: none; 4: a tie goes to the first met; 5: 2-2 tie, Gus first; 6: blanks only.
    assert identity._most_frequent_names(c, names, 7).tolist() == ["Bob", "Cy", None, "Di", "Eve", "Gus", None]


def test_canonical_ids_by_hand():
    refs = pd.Series(["canonical:b@x.com", "canonical:zed", "canonical:b", "canonical:a", "linkedin:x",
                      "canonical:only@x.com", "canonicalx:y", "canonical"], dtype="string[pyarrow]")
    c = np.array([0, 0, 1, 1, 2, 3, 4, 4])
    # A plain id beats an e-mail used as an id, then the smallest wins; no canonical ref, no id.
    assert identity._canonical_ids(c, refs, 5).tolist() == ["zed", "a", None, "only@x.com", None]


def test_contact_ids_by_hand():
    def sha(*parts):
        return "c" + hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:12]

    # Clusters: 0 canonical, 1 e-mail, 2 URL, 3 name and company, 4 nameless (its smallest ref).
    c = np.array([0, 1, 2, 3, 3, 4, 4])
    p = pd.DataFrame({"_name": pd.Series([None, None, None, None, "ann lee", None, None], dtype=object),
                      "_company": pd.Series([None, None, None, "acme", "beta", None, None], dtype=object)})
    refs = pd.Series(["canonical:k1", "x:1", "x:2", "x:3", "x:4", "src:b", "src:a"], dtype="string[pyarrow]")
    canonical = np.array(["k1", None, None, None, None], dtype=object)
    first_email = np.array(["k1@x.com", "a@x.com", None, None, None], dtype=object)
    first_url = np.array([None, "linkedin.com/in/z", "linkedin.com/in/a", None, None], dtype=object)
    got = identity._contact_ids(c, p, refs, canonical, first_email, first_url, 5)
    assert got.tolist() == ["k1", sha("email", "a@x.com"), sha("url", "linkedin.com/in/a"),
                            sha("name", "ann lee", "acme", ""), sha("name", "", "", "src:a")]


def test_ref_sources_by_hand_in_one_or_several_chunks():
    refs = pd.Series(["linkedin:url:x", "canonical:k1", "vcard", "a:b:c", "linkedin:y"], dtype="string[pyarrow]")
    want = ["linkedin", "canonical", "vcard", "a", "linkedin"]
    assert identity._ref_sources(refs).tolist() == want
    chunked = pd.concat([refs[:2], refs[2:]], ignore_index=True)
    assert identity._ref_sources(chunked).tolist() == want


def test_without_pd_na_changes_only_pd_na():
    values = pd.Series([pd.NA, None, np.nan, pd.NaT, "2025-01-01T10:00:00Z", np.datetime64("NaT", "ns"), pd.NA],
                       dtype=object)
    got = identity._without_pd_na(values).tolist()
    assert got[0] is None and got[1] is None and got[6] is None
    assert all(got[i] is values[i] for i in (2, 3, 4, 5))
    # What it is for: the same datetimes (values and resolution) from to_datetime.
    pd.testing.assert_series_equal(pd.to_datetime(identity._without_pd_na(values), utc=True, errors="coerce"),
                                   pd.to_datetime(values, utc=True, errors="coerce"))
    typed = pd.Series(["2025-01-01"], dtype="string")
    assert identity._without_pd_na(typed) is typed


def test_key_components_by_hand():
    # Records 0 and 1 share a ref, 2 and 3 an e-mail, 4 a URL with 0; record 5 shares nothing.
    ref_code = np.array([0, 0, 1, 2, 3, 4])
    em = pd.DataFrame({"rec": [2, 3, 3, 5], "email": pd.Series(["e@x.com", "e@x.com", "f@x.com", "g@x.com"],
                                                               dtype=object)})
    urls = pd.Series(["linkedin.com/in/a", None, None, None, "linkedin.com/in/a", None], dtype=object)
    label = identity._key_components(ref_code, 5, em, urls)
    groups = {frozenset(np.flatnonzero(label == k)) for k in set(label)}
    assert groups == {frozenset({0, 1, 4}), frozenset({2, 3}), frozenset({5})}


def test_name_company_links_by_hand():
    # Clusters 0, 1 and 4 are Ann at Acme; 4's URL conflicts with 0's (the anchor). Clusters 2 and 3 are
    # Bob at Beta with different e-mails. Cluster 5 is Ann at another company.
    p = pd.DataFrame({
        "_name": pd.Series(["ann", "ann", "bob", "bob", "ann", "ann", None], dtype=object),
        "_company": pd.Series(["acme", "acme", "beta", "beta", "acme", "gamma", "acme"], dtype=object),
        "_url": pd.Series(["u1", None, None, None, "u2", None, None], dtype=object),
    })
    em = pd.DataFrame({"rec": [1, 2, 3], "email": pd.Series(["a@x", "b@x", "b@y"], dtype=object)})
    cluster = np.array([0, 1, 2, 3, 4, 5, 6])
    assert identity._name_company_links(p, em, cluster) == ([0], [1])


def test_resolution_pauses_the_collector_and_restores_it():
    was_on = gc.isenabled()
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            with identity._gc_paused():
                assert not gc.isenabled()
            assert gc.isenabled() is state
        gc.enable()
        with pytest.raises(RuntimeError), identity._gc_paused():
            raise RuntimeError("boom")
        assert gc.isenabled()
    finally:
        (gc.enable if was_on else gc.disable)()


def test_resolve_equals_the_reference_on_chunked_columns_and_shared_keys():
    """Columns in several chunks (as the loader's concatenation gives) and records sharing refs, e-mails and URLs."""
    from identity_reference import reference_resolve

    rows = []
    for i in range(60):
        rows.append({
            "ref": ["canonical", "linkedin", "vcard"][i % 3] + f":id{i % 23}",
            "name": [f"Person {i % 7}", "", None, "Ann Lee"][i % 4],
            "emails": [[f"p{i % 11}@x.com"], [], [f"P{i % 5}@X.com", f"q{i % 4}@y.org"], None][i % 4],
            "company": ["Acme", "ACME Inc.", None, "Beta"][i % 4],
            "title": ["CTO", None, ""][i % 3],
            "linkedin_url": [None, f"https://www.linkedin.com/in/p{i % 9}/", None][i % 3],
            "first_seen": pd.NA if i % 2 else f"2025-01-0{1 + i % 9}T10:00:00Z",
        })
    people = pd.DataFrame(rows).astype({"ref": "str", "name": object, "company": object, "title": object,
                                        "linkedin_url": object, "first_seen": object})
    people = pd.concat([people.iloc[:25], people.iloc[25:]])
    for owner in ([], ["p1@x.com", "Person 3"]):
        ref_map, contacts, owner_ids = identity.resolve(people, owner)
        ref_map0, contacts0, owner_ids0 = reference_resolve(people, owner)
        assert owner_ids == owner_ids0
        assert ref_map.to_dict() == ref_map0.to_dict()
        pd.testing.assert_frame_equal(contacts, contacts0)

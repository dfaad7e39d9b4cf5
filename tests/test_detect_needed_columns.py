"""Detection rests on the columns a reader needs: exports with chosen fields still load.

For each Salesforce object, every column its reader can do without is dropped
from the fixture; the file must still be recognised as the same object.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from netanalysis.io.sources import detect_format
from netanalysis.io.sources.base import sniff

SF = Path(__file__).parent / "fixtures" / "crm" / "salesforce"

# What each reader uses to build a record (read from its code): everything else is optional.
NEEDED = {
    "Contact.csv": ("salesforce_contacts", ["Id", "LastName"]),
    "Lead.csv": ("salesforce_leads", ["Id", "LastName", "Company"]),
    "Account.csv": ("salesforce_accounts", ["Id", "Name"]),
    "Task.csv": ("salesforce_tasks", ["Id", "WhoId", "IsClosed", "ActivityDate"]),
    "Event.csv": ("salesforce_events", ["Id", "WhoId", "StartDateTime"]),
    "Opportunity.csv": ("salesforce_opportunities", ["Id", "AccountId", "CloseDate", "IsWon"]),
    "OpportunityContactRole.csv": ("salesforce_contact_roles", ["Id", "OpportunityId", "ContactId"]),
}


def _keep(src: Path, dst: Path, columns: list[str]) -> None:
    with open(src, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, quoting=csv.QUOTE_ALL, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


@pytest.mark.parametrize("name", sorted(NEEDED))
def test_salesforce_object_without_optional_columns_is_recognised(name, tmp_path):
    fmt, needed = NEEDED[name]
    dst = tmp_path / name
    _keep(SF / name, dst, needed)
    assert detect_format(sniff(dst)).name == fmt


def test_account_with_chosen_fields_under_another_name(tmp_path):
    # The tester's case: Account.csv without address columns, renamed by the user.
    dst = tmp_path / "accounts_export.csv"
    _keep(SF / "Account.csv", dst, ["Id", "IsDeleted", "Name", "Type"])
    assert detect_format(sniff(dst)).name == "salesforce_accounts"


@pytest.mark.parametrize("text, fmt", [
    ("opportunity_id,account,deal_stage,engage_date\nA1,Acme,Won,2017-01-02\n", "maven_pipeline"),
    ("account,sector\nAcme,retail\n", "maven_accounts"),
    ("product,sales_price\nGTX,550\n", "maven_products"),
    ("sales_agent,manager\nAnn,Bob\n", "maven_sales_teams"),
])
def test_maven_tables_with_chosen_fields(text, fmt, tmp_path):
    dst = tmp_path / "table.csv"
    dst.write_text(text, encoding="utf-8")
    assert detect_format(sniff(dst)).name == fmt


@pytest.mark.parametrize("text, fmt", [
    ("contact_id,email\na,a@example.org\n", "canonical_contacts"),  # name is optional
    ("contact_id,company\na,Acme\n", "canonical_contacts"),
    ("contact_id,timestamp,channel\na,2024-01-01,call\n", "canonical_interactions"),
    ("timestamp,kind,account\n2024-01-01,deal,Acme\n", "canonical_outcomes"),
])
def test_canonical_tables_with_only_needed_columns(text, fmt, tmp_path):
    dst = tmp_path / "table.csv"
    dst.write_text(text, encoding="utf-8")
    assert detect_format(sniff(dst)).name == fmt
